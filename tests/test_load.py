"""The load test's path: a short real run through gunicorn and locust loses no field value and meets no conflict (both
backends); its checks catch a value the database lost; its driver judges the app's real answers by component ids.

No latency or throughput is asserted here (timed tests fail on a loaded machine without a bug); `python -m bench.load`
reports them.
"""
from __future__ import annotations

import csv
import json
from collections import Counter

import pytest
from sqlalchemy import update

from bench.load.__main__ import main
from bench.load.checks import goals, lost_updates, snapshot, wrong_values, wrong_versions
from bench.load.driver import CONFLICT, ERROR, OK, PAGES_ROUTER, callback_answer, page_outcome, panel_seen, save_outcome
from bench.load.scenario import deal, seats, shared_pairs
from dashboard import ids
from data.models import Unit
from scripts.dash_client import edit_request, post_callback, post_json
from tests.helpers import BUILDING, a_home


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_staff_saving_their_own_fields_of_shared_units_lose_nothing(backend, capsys, request, tmp_path):
    if backend == "postgresql":
        request.getfixturevalue("postgres_cluster")  # skips, or fails in CI, without PostgreSQL's binaries
    main(["--backend", backend, "--seconds", "3", "--staff", "6", "--leaders", "2", "--think", "0.02", "0.05",
          "--units", "6", "--csv", str(tmp_path / "run"), "--json"])
    result = json.loads(capsys.readouterr().out)
    errors = {kind: row["errors"] for kind, row in result["kinds"].items() if row["errors"]}
    assert errors == {} and result["server_log"] == dict.fromkeys(result["server_log"], 0), result["error_samples"]
    assert result["driver_faults"] == 0 and result["all"]["conflicts"] == 0, result["error_samples"]
    assert result["saves"] > 0, "no save was acknowledged, so the checks below would prove nothing"
    assert result["lost_values"] == 0, result["wrong_values"]
    assert result["version_mismatches"] == {} and result["history_rows_added"] == result["saves"]
    assert all(result["goals"][goal] for goal in ("no errors", "no conflicts", "no lost updates"))
    with (tmp_path / "run_stats.csv").open(newline="") as source:
        rows = {row["Name"]: row for row in csv.DictReader(source)}
    assert int(rows["save"]["Request Count"]) == result["kinds"]["save"]["count"] >= result["saves"]


def test_the_checks_find_a_value_a_colleagues_save_wrote_back(demo_engine):
    url = demo_engine.url.render_as_string(hide_password=False)
    before = snapshot(url, BUILDING)
    unit = min(before.values)
    old_note = before.values[unit]["note"]
    with demo_engine.begin() as conn:  # my save of the note, then a colleague's save that wrote back the note it showed
        conn.execute(update(Unit).where(Unit.id == unit).values(note="mine", version=Unit.version + 1))
        conn.execute(update(Unit).where(Unit.id == unit).values(note=old_note, version=Unit.version + 1))
    found = lost_updates(before, snapshot(url, BUILDING), Counter({unit: 2}), {(unit, "note"): "mine"})
    assert found["wrong_values"] == {f"{unit}.note": {"expected": "mine", "found": old_note}}
    assert found["lost_values"] == 1 and found["version_mismatches"] == {}
    result = {**found, "kinds": {}, "all": {"p95_ms": 1, "conflicts": 0}, "server_log": {}, "driver_faults": 0,
              "saves": 2}
    assert goals(result)["no lost updates"] is False


def test_the_checks_find_an_acknowledged_save_the_database_does_not_show(demo_engine):
    url = demo_engine.url.render_as_string(hide_password=False)
    before = snapshot(url, BUILDING)
    unit = min(before.values)
    found = lost_updates(before, snapshot(url, BUILDING), Counter({unit: 1}), {(unit, "note"): "acknowledged"})
    assert found["lost_values"] == 1 and found["version_mismatches"] == {
        str(unit): {"expected": before.versions[unit] + 1, "found": before.versions[unit]}}


def test_a_field_value_the_database_does_not_show_is_lost():
    before = {1: {"note": "a", "residents": 2}, 2: {"note": "b", "residents": 3}}
    after = {1: {"note": "mine", "residents": 2}, 2: {"note": "b", "residents": 4}}
    assert wrong_values(before, after, {(1, "note"): "mine", (2, "residents"): 4}) == {}
    # A colleague's stale form wrote back the note acknowledged before mine.
    assert wrong_values(before, after, {(1, "note"): "mine 2", (2, "residents"): 4}) == {
        "1.note": {"expected": "mine 2", "found": "mine"}}
    # A field nobody saved changed anyway.
    assert wrong_values(before, after, {(1, "note"): "mine"}) == {"2.residents": {"expected": 3, "found": 4}}


def test_a_save_the_versions_do_not_show_is_lost():
    before, after = {1: 3, 2: 5}, {1: 5, 2: 5}
    assert wrong_versions(before, after, Counter({1: 3})) == {"1": {"expected": 6, "found": 5}}
    assert wrong_versions(before, after, Counter({1: 2})) == {}


def test_the_driver_judges_the_apps_saves_by_ids(app, client):
    unit = a_home(app)
    mine = _save(app, client, unit, unit["version"], note="load mine")
    assert save_outcome(mine) == OK and panel_seen(mine)["version"] == unit["version"] + 1
    # A stale form that changed the same field: the form asks to choose, which the load counts as a conflict.
    assert save_outcome(_save(app, client, unit, unit["version"], note="load theirs")) == CONFLICT
    assert save_outcome(callback_answer(500, b"Internal Server Error")) == ERROR
    assert save_outcome(callback_answer(200, b"<html>signed out</html>")) == ERROR
    assert save_outcome({ids.UNIT_PANEL: {"children": []}}) == ERROR


def test_the_driver_judges_the_apps_pages_by_ids(client):
    assert page_outcome(_page(client, "/area/3"), ids.AREA_CHART) == OK
    assert page_outcome(_page(client, f"/building/{BUILDING}"), ids.GRID_DATA) == OK
    assert page_outcome(_page(client, "/area/3"), ids.GRID_DATA) == ERROR
    assert page_outcome(_page(client, "/building/999999"), ids.GRID_DATA) == ERROR


def test_no_two_staff_own_the_same_field_of_a_unit_and_units_are_shared():
    units = [{"id": n, "unoccupied": n == 3, "max_residents": 20, "max_staff": 0 if n < 3 else 5000}
             for n in (1, 2, 3, 4)]
    pairs = shared_pairs(units)
    assert (3, "occupant_name") not in pairs and (1, "staff") not in pairs and (4, "staff") in pairs
    hands = deal(pairs, 5)
    dealt = [pair for hand in hands for pair in hand]
    assert sorted(dealt) == sorted(pairs) and len(set(dealt)) == len(dealt)
    owners = {unit: {n for n, hand in enumerate(hands) for u, _ in hand if u == unit} for unit, _ in pairs}
    assert all(len(found) > 1 for found in owners.values())
    with pytest.raises(SystemExit):
        deal(pairs, len(pairs) + 1)


def test_each_locust_user_takes_its_own_seat():
    class Scenario:
        pairs = [(unit, name) for unit in (1, 2) for name in ("note", "staff")]
        staff = [(f"s{n}", "pw") for n in range(3)]
        leaders = [(f"l{n}", "pw") for n in range(2)]

    taken = seats(Scenario, 2, 2)
    assert [seat["account"][0] for seat in taken] == ["s0", "s1", "l0", "l1"]
    assert len({seat["address"] for seat in taken}) == len({seat["seed"] for seat in taken}) == 4
    assert sorted(tuple(pair) for seat in taken for pair in seat["owned"]) == sorted(Scenario.pairs)
    assert [seat["owned"] for seat in taken[2:]] == [[], []]


def _save(app, client, unit: dict, version: int, **changes) -> dict | None:
    """The answer of a Save of a unit's form with some fields changed, by component id, as the load reads it."""
    response = post_json(client, edit_request(app.callback_map, unit, BUILDING, version, **changes))
    return callback_answer(response.status_code, response.data)


def _page(client, path: str) -> dict | None:
    """The pages router's answer for a path, as the load reads it."""
    response = post_callback(client, [("_pages_content", "children"), ("_pages_store", "data")],
                             [(PAGES_ROUTER, "pathname", path), (PAGES_ROUTER, "search", "")])
    return callback_answer(response.status_code, response.data)
