"""A short real load through gunicorn with 4 workers: concurrent staff saves lose nothing (both backends).

Latency is not asserted here (timed tests are flaky on shared machines); `python -m bench.load` reports it.
"""
from __future__ import annotations

import json
from collections import Counter

import pytest

from bench.load import lost_updates, main


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_concurrent_saves_through_gunicorn_lose_nothing(backend, capsys, request):
    if backend == "postgresql":
        request.getfixturevalue("postgres_cluster")  # skips, or fails in CI, without PostgreSQL's binaries
    main(["--backend", backend, "--seconds", "6", "--staff", "6", "--leaders", "2", "--think", "0.02", "0.05", "--json"])
    result = json.loads(capsys.readouterr().out)
    errors = {kind: row["errors"] for kind, row in result["kinds"].items() if row["errors"]}
    assert errors == {} and result["server_log"] == dict.fromkeys(result["server_log"], 0), result["error_samples"]
    assert result["saves"] > 20 and result["lost_updates"] == 0 and result["history_rows_added"] == result["saves"]
    assert result["goals"]["no errors"] and result["goals"]["no lost updates"]


def test_a_save_the_database_does_not_show_is_a_lost_update():
    before, after = {1: 3, 2: 5}, {1: 5, 2: 5}
    found = lost_updates(before, after, Counter({1: 3}), rows_added=3)
    assert found["lost_updates"] == 1 and found["version_mismatches"] == {"1": {"expected": 6, "found": 5}}
    assert lost_updates(before, after, Counter({1: 2}), rows_added=2)["lost_updates"] == 0
