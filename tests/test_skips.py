"""The suite's own rules: skip with a reason locally and fail under any truthy CI, what a browser needs, markers from
fixtures and parameters, a SQLite property test that needs no PostgreSQL."""
from __future__ import annotations

import os
from types import SimpleNamespace

import pytest

from data.demo import has_data
from tests.helpers import SmallDemos, browser_missing, markers_of, skip_or_fail, truthy


@pytest.mark.parametrize("value", ["1", "true", "True", "yes", "on", " TRUE "])
def test_a_ci_that_says_yes_is_truthy(value):
    assert truthy(value)


@pytest.mark.parametrize("value", [None, "", "0", "false", "FALSE", "no", "off", " "])
def test_an_unset_empty_or_negative_ci_is_not(value):
    assert not truthy(value)


@pytest.mark.parametrize("ci", ["1", "true", "yes"])
def test_under_a_truthy_ci_a_missing_tool_fails(ci, monkeypatch):
    monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.fail.Exception, match="no chromedriver"):
        skip_or_fail("no chromedriver")


@pytest.mark.parametrize("ci", [None, "", "0", "false"])
def test_locally_a_missing_tool_skips_with_a_printed_reason(ci, monkeypatch, capsys):
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.skip.Exception, match="no chromedriver"):
        skip_or_fail("no chromedriver")
    assert "SKIPPED: no chromedriver" in capsys.readouterr().out


def executable(path) -> str:
    """An empty executable file at a path."""
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return str(path)


def test_a_browser_needs_both_chromedriver_and_chromium(tmp_path, monkeypatch):
    chromium = executable(tmp_path / "chromium")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert "chromedriver" in browser_missing(chromium)
    executable(tmp_path / "chromedriver")
    monkeypatch.setenv("PATH", str(tmp_path))
    assert browser_missing(chromium) is None
    os.remove(chromium)
    assert "Chromium" in browser_missing(chromium)


def an_item(name="test_x", fixtures=(), params=None, hypothesis=False):
    """A stand-in for a collected test: its name, fixtures, parameters and function."""
    return SimpleNamespace(originalname=name, fixturenames=list(fixtures),
                           obj=SimpleNamespace(is_hypothesis_test=hypothesis),
                           callspec=SimpleNamespace(params=params) if params is not None else None)


@pytest.mark.parametrize(("item", "expected"), [
    (an_item(fixtures=["app", "client"], params={"unused_url": "sqlite"}), set()),
    (an_item(fixtures=["app", "client"], params={"unused_url": "postgresql"}), {"postgres"}),
    (an_item(fixtures=["postgres_cluster"]), {"postgres"}),
    (an_item(fixtures=["own_cluster"]), {"postgres"}),
    (an_item(fixtures=["browser", "sqlite_app"]), {"browser"}),
    (an_item(fixtures=["small_demos"], params={"backend": "postgresql", "n": [1]}, hypothesis=True),
     {"postgres", "slow"}),
    (an_item(name="test_bench_json_has_every_figure_on_both_backends", fixtures=["postgres_cluster"]),
     {"postgres", "slow"}),
])
def test_markers_follow_what_a_test_uses(item, expected):
    assert markers_of(item) == expected


def test_the_sqlite_small_demo_needs_no_postgresql(tmp_path):
    class NoFixtures:
        """A request that fails the test if anything asks it for a fixture (such as the PostgreSQL cluster)."""

        def getfixturevalue(self, name):
            """Refuse."""
            raise AssertionError(f"the SQLite small demo asked for {name}")

    demos = SmallDemos(NoFixtures(), tmp_path)
    assert has_data(demos["sqlite"]) and list(demos) == ["sqlite"]
    demos["sqlite"].dispose()
