"""Editing through the Flask test client: save, errors, conflicts, undo, live refresh (both backends)."""
from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select

from dashboard import ids
from dashboard.i18n import translated
from data import queries
from data.i18n import N_, Text
from data.models import Unit, UnitChange
from data.validation import WHOLE_NUMBER
from scripts.dash_client import by_id, callback_request, post_json, text_of
from tests.helpers import BUILDING, a_home, as_read, database, last_batch, part, press, queries_unit, save, undo


def test_staff_save_a_status_and_the_building_follows(app, client_as):
    unit = a_home(app)
    code, response = save(app, client_as("staff"), unit, status="quarantined", quarantine_start="2020-03-01",
                          quarantine_end="", note="called, needs groceries")
    assert code == 200
    assert "outcome-done" in json.dumps(part(response, ids.UNIT_PANEL)["children"])
    payload = part(response, ids.GRID_DATA)["data"]
    assert payload["revision"] == part(response, ids.REVISION_SEEN)["data"] > 0
    with database(app).connect() as conn:
        after = queries.unit(conn, unit["id"])
        change = queries.unit_history(conn, unit["id"])[0]
    assert (after["status"], str(after["quarantine_end"]), after["version"]) == (
        "quarantined",
        "2020-03-15",
        unit["version"] + 1,
    )
    assert (change["actor"], change["source"]) == ("staff", "manual") and change["request_id"]


def test_invalid_input_shows_errors_by_field_and_saves_nothing(app, client_as):
    unit = a_home(app)
    code, response = save(app, client_as("staff"), unit, status="quarantined", quarantine_start="", residents="lots",
                          note="keep me")
    panel = part(response, ids.UNIT_PANEL)["children"]
    with database(app).connect() as conn:
        quarantined = next(s for s in queries.statuses(conn) if s["code"] == "quarantined")
    required, whole = as_read(app, lambda: (translated(Text(N_("required for %(status)s"), status=quarantined)),
                                            translated(WHOLE_NUMBER)))
    assert code == 200 and required in text_of(panel) and whole in text_of(panel) and "keep me" in json.dumps(panel)
    assert all(by_id(panel, ids.edit_field(name))["props"]["invalid"] for name in ("quarantine_start", "residents"))
    assert ids.GRID_DATA not in response["response"]
    with database(app).connect() as conn:
        assert queries.unit(conn, unit["id"])["version"] == unit["version"]


def store_of(panel) -> dict:
    """The edit form's store (unit, version, conflicts shown) in a panel."""
    return by_id(panel, ids.EDIT_SEEN)["props"]["data"]


def form_value(panel, name: str):
    """The value an input of the edit form shows."""
    return by_id(panel, ids.edit_field(name))["props"]["value"]


def test_a_resave_after_a_colleagues_save_never_reverts_their_field(app, client_as):
    unit = a_home(app)
    assert save(app, client_as("admin"), unit, residents=unit["residents"] + 1)[0] == 200
    for _ in range(2):
        code, response = save(app, client_as("staff"), unit, note="B's note, typed on the old form")
        assert code == 200 and ids.GRID_DATA in response["response"]
    with database(app).connect() as conn:
        after = queries.unit(conn, unit["id"])
    assert (after["residents"], after["note"]) == (unit["residents"] + 1, "B's note, typed on the old form")


def conflict_on_the_note(app, client_as):
    """A saves the note and the residents; B, on the form A's save made stale, saves the note and the phone."""
    unit, staff = a_home(app), client_as("staff")
    assert save(app, client_as("admin"), unit, note="A's note", residents=unit["residents"] + 1)[0] == 200
    code, response = save(app, staff, unit, note="B's note", contact_phone="13900001111")
    return unit, staff, code, response


def test_a_field_both_changed_is_a_conflict_for_that_field_alone(app, client_as):
    unit, staff, code, response = conflict_on_the_note(app, client_as)
    panel = part(response, ids.UNIT_PANEL)["children"]
    store = store_of(panel)
    assert code == 200 and ids.GRID_DATA not in response["response"]
    assert store["version"] == unit["version"] + 1
    assert store["conflicts"] == {"note": {"original": unit["note"], "theirs": "A's note", "yours": "B's note"}}
    assert (form_value(panel, "note"), form_value(panel, "contact_phone"), form_value(panel, "residents")) == (
        "B's note", "13900001111", unit["residents"] + 1)
    assert by_id(panel, ids.conflict_choice("note"))["props"]["value"] is None
    with database(app).connect() as conn:
        assert queries.unit(conn, unit["id"])["note"] == "A's note"


def test_the_editor_chooses_theirs_or_yours_and_must_choose(app, client_as):
    unit, staff, _code, response = conflict_on_the_note(app, client_as)
    store = store_of(part(response, ids.UNIT_PANEL)["children"])
    shown = {**unit, "note": "B's note", "contact_phone": "13900001111", "residents": unit["residents"] + 1}
    code, response = save(app, staff, shown, store["version"], choices={"note": None})
    assert code == 200 and store_of(part(response, ids.UNIT_PANEL)["children"])["conflicts"].keys() == {"note"}
    assert save(app, staff, shown, store["version"], choices={"note": "theirs"})[0] == 200
    with database(app).connect() as conn:
        after = queries.unit(conn, unit["id"])
    assert (after["note"], after["contact_phone"], after["residents"]) == (
        "A's note",
        "13900001111",
        unit["residents"] + 1,
    )
    save(app, client_as("admin"), after, note="A again")
    code, response = save(app, staff, {**after, "note": "mine at last"}, after["version"])
    store = store_of(part(response, ids.UNIT_PANEL)["children"])
    assert store["conflicts"]["note"]["theirs"] == "A again"
    assert save(app, staff, {**after, "note": "mine at last"}, store["version"], choices={"note": "yours"})[0] == 200
    with database(app).connect() as conn:
        assert queries.unit(conn, unit["id"])["note"] == "mine at last"


def test_forged_saves_change_nothing(app, client_as):
    unit = a_home(app)
    assert "outcome-not-allowed" in json.dumps(save(app, client_as("leader"), unit, note="leader")[1])
    assert save(app, client_as("staff"), unit, building=12, note="wrong building")[0] == 204
    with database(app).connect() as conn:
        outside = queries.unit(conn, conn.execute(select(Unit.id).where(Unit.building_id == 12)).first()[0])
    assert "outcome-not-allowed" in json.dumps(save(app, client_as("staff"), outside, building=BUILDING, note="x")[1])
    assert save(app, client_as("staff"), unit, version="1")[0] == 204
    with database(app).connect() as conn:
        assert queries.unit(conn, unit["id"])["version"] == unit["version"]
        assert queries.unit(conn, outside["id"])["version"] == outside["version"]


def bulk(app, client, picks: list, status: str | None, building: int = BUILDING, **fields):
    """POST the bulk bar's Apply with a selection of [unit id, version seen] pairs."""
    key, entry = next((k, e) for k, e in app.callback_map.items() if e["inputs"][0]["id"] == ids.BULK_APPLY)
    values = {
        ids.BULK_APPLY: 1,
        ids.SELECTION: picks,
        ids.BUILDING_ID: building,
        ids.BULK_STATUS: status,
        ids.BULK_COMMENT: fields.get("comment"),
        ids.BULK_START: fields.get("start"),
        ids.BULK_END: fields.get("end"),
        ids.BULK_CLEAR_OCCUPANTS: fields.get("clear_occupants"),
    }
    response = post_json(client, callback_request(key, entry, lambda i, p: values.get(i)))
    return response.status_code, (response.get_json() if response.status_code == 200 else None)


def homes(app, count: int, status: str = "healthy", building: int = BUILDING) -> list[dict]:
    """Some homes of a building with a status."""
    with database(app).connect() as conn:
        unit_ids = (
            conn.execute(
                select(Unit.id)
                .where(Unit.building_id == building, Unit.use == "home", Unit.status == status)
                .order_by(Unit.id)
                .limit(count)
            )
            .scalars()
            .all()
        )
        return [queries.unit(conn, unit_id) for unit_id in unit_ids]


def test_undo_restores_a_batch_and_refuses_when_a_unit_moved_since(app, client_as):
    staff, unit = client_as("staff"), a_home(app)
    save(app, staff, unit, status="unverified")
    code, response = undo(app, staff, last_batch(app, unit["id"]))
    assert code == 200 and "outcome-done" in json.dumps(response)
    with database(app).connect() as conn:
        assert queries.unit(conn, unit["id"])["status"] == "healthy"
    save(app, staff, a_home(app), status="unverified")
    moved = a_home(app, "unverified")
    batch = last_batch(app, moved["id"])
    save(app, client_as("admin"), moved, note="changed later")
    assert "outcome-changed-later" in json.dumps(undo(app, staff, batch)[1])
    assert "outcome-not-allowed" in json.dumps(undo(app, staff, batch, building=4)[1])
    assert "outcome-not-allowed" in json.dumps(undo(app, client_as("leader"), batch)[1])


def test_every_write_callback_refuses_a_stale_version(app, client_as):
    writes = {e["callback"].__wrapped__.__name__ for e in app.callback_map.values()
              if "callback" in e and e["callback"].__wrapped__.__module__ == "callbacks.editing"} - {"refresh"}
    staff, unit = client_as("staff"), a_home(app)
    save(app, staff, unit, status="unverified")
    batch = last_batch(app, unit["id"])
    with database(app).connect() as conn:
        save(app, client_as("admin"), queries.unit(conn, unit["id"]), note="later")
    due = homes(app, 1, "quarantined")[0]
    save(app, client_as("admin"), due, status="unverified", quarantine_start="", quarantine_end="")
    refusals = {
        "save_unit": lambda: (
            "note" in store_of(part(save(app, staff, unit, note="stale")[1], ids.UNIT_PANEL)["children"])["conflicts"]
        ),
        "undo": lambda: "outcome-changed-later" in json.dumps(undo(app, staff, batch)[1]),
        "apply_bulk": lambda: (
            "outcome-stale" in json.dumps(bulk(app, staff, [[unit["id"], unit["version"]]], "healthy")[1])
        ),
        "confirm_due": lambda: (
            "outcome-stale" in json.dumps(press(app, staff, ids.confirm_button(due["id"], due["version"]))[1])
        ),
    }
    assert writes == set(refusals), "every write callback needs a stale-version check here"
    assert all(refuse() for refuse in refusals.values())


def refresh(app, client, revision):
    """POST the live-refresh tick."""
    key, entry = next((k, e) for k, e in app.callback_map.items() if e["inputs"][0]["id"] == ids.REFRESH)
    values = {ids.REFRESH: 5, ids.BUILDING_ID: BUILDING, ids.REVISION_SEEN: revision}
    return post_json(client, callback_request(key, entry, lambda i, p: values.get(i)))


def test_live_refresh_sends_nothing_until_the_building_changes(app, client_as):
    leader = client_as("leader")
    with database(app).connect() as conn:
        revision = queries.building(conn, BUILDING)["revision"]
    idle = refresh(app, leader, revision)
    assert idle.status_code == 204 and idle.get_data() == b""
    save(app, client_as("staff"), a_home(app), status="unverified")
    changed = refresh(app, leader, revision).get_json()["response"]
    assert changed[ids.REVISION_SEEN]["data"] == revision + 1
    assert "staff" in json.dumps(changed[ids.RECENT_CHANGES], ensure_ascii=False)
    assert refresh(app, client_as("staff2"), revision).status_code == 204


def test_bulk_sets_one_status_on_many_units_in_one_batch(app, client_as):
    staff, picked = client_as("staff"), homes(app, 3)
    code, response = bulk(app, staff, [[u["id"], u["version"]] for u in picked], "quarantined", start="2020-03-01",
                          comment="returned from Wuhan on one bus")
    assert code == 200 and "outcome-done" in json.dumps(response) and response["response"][ids.SELECTION]["data"] == []
    with database(app).connect() as conn:
        changes = [queries.unit_history(conn, u["id"])[0] for u in picked]
        after = [queries.unit(conn, u["id"]) for u in picked]
    assert {c["batch_id"] for c in changes} == {changes[0]["batch_id"]}
    assert {c["comment"] for c in changes} == {"returned from Wuhan on one bus"}
    assert {(a["status"], str(a["quarantine_end"])) for a in after} == {("quarantined", "2020-03-15")}


def test_bulk_is_all_or_nothing(app, client_as):
    staff, picked = client_as("staff"), homes(app, 2)
    with database(app).connect() as conn:
        firm = queries.unit(
            conn, conn.execute(select(Unit.id).where(Unit.building_id == BUILDING, Unit.use == "firm")).first()[0]
        )
        outside = conn.execute(select(Unit.id, Unit.version).where(Unit.building_id == 12)).first()
    selection = [[u["id"], u["version"]] for u in picked]
    invalid = bulk(app, staff, selection + [[firm["id"], firm["version"]]], "healthy")[1]
    assert "outcome-invalid" in json.dumps(invalid) and firm["label"] in json.dumps(invalid, ensure_ascii=False)
    assert "outcome-not-allowed" in json.dumps(bulk(app, staff, selection + [list(outside)], "unverified")[1])
    assert "outcome-first-step" in json.dumps(bulk(app, staff, selection, None)[1])
    assert bulk(app, staff, [[picked[0]["id"], "1"]], "unverified")[0] == 204
    assert bulk(app, staff, "all of them", "unverified")[0] == 204
    with database(app).connect() as conn:
        assert [queries.unit(conn, u["id"])["version"] for u in picked] == [u["version"] for u in picked]


def test_an_ended_quarantine_is_confirmed_in_one_click(app, client_as):
    due = homes(app, 1, "quarantined")[0]
    code, response = press(app, client_as("staff"), ids.confirm_button(due["id"], due["version"]))
    assert (
        code == 200
        and "outcome-done" in json.dumps(response)
        and due["label"] in json.dumps(response, ensure_ascii=False)
    )
    with database(app).connect() as conn:
        after, change = queries.unit(conn, due["id"]), queries.unit_history(conn, due["id"])[0]
    ended = as_read(app, lambda: translated("quarantine ended"))
    assert (after["status"], after["quarantine_end"], change["comment"]) == ("healthy", None, ended)
    other = homes(app, 1, "quarantined", building=4)[0]
    refused = press(app, client_as("leader"), ids.confirm_button(other["id"], other["version"]), building=4)[1]
    assert "outcome-not-allowed" in json.dumps(refused)


def test_a_running_quarantine_cannot_be_confirmed(app, client_as):
    staff, unit = client_as("staff"), a_home(app)
    save(app, staff, unit, status="quarantined", quarantine_start=dt.date.today().isoformat())
    with database(app).connect() as conn:
        running = queries.unit(conn, unit["id"])
    refused = press(app, staff, ids.confirm_button(running["id"], running["version"]))[1]
    assert "outcome-not-ended" in json.dumps(refused)
    with database(app).connect() as conn:
        assert queries.unit(conn, unit["id"])["status"] == "quarantined"


def test_a_demo_quarantine_that_ended_can_be_undone(app, client_as):
    with database(app).connect() as conn:
        batch, unit_id = conn.execute(select(UnitChange.batch_id, UnitChange.unit_id).where(
            UnitChange.building_id == BUILDING, UnitChange.status_before == "quarantined",
            UnitChange.status_after == "healthy")).first()
    code, response = undo(app, client_as("staff"), batch)
    assert code == 200 and "outcome-done" in json.dumps(response)
    with database(app).connect() as conn:
        unit = queries.unit(conn, unit_id)
    assert unit["status"] == "quarantined" and unit["quarantine_start"] is not None


def test_staff_cannot_write_to_another_workstations_building(app, client_as):
    staff = client_as("staff")
    with database(app).connect() as conn:
        outside = queries.unit(
            conn,
            conn.execute(
                select(Unit.id).where(Unit.building_id == 12, Unit.occupant_name != "").order_by(Unit.id)
            ).first()[0],
        )
        batch = conn.execute(select(UnitChange.batch_id).where(UnitChange.building_id == 12)).first()[0]
        due = conn.execute(select(Unit.id, Unit.version, Unit.building_id)
                           .where(Unit.status == "quarantined", Unit.building_id.in_([10, 13, 16]))).first()
    attempts = [
        save(app, staff, outside, building=12, note="x")[1],
        save(app, staff, outside, building=BUILDING, note="x")[1],
        bulk(app, staff, [[outside["id"], outside["version"]]], "unverified", building=12)[1],
        bulk(app, staff, [[outside["id"], outside["version"]]], "unverified", building=BUILDING)[1],
        undo(app, staff, batch, building=12)[1],
        undo(app, staff, batch, building=BUILDING)[1],
    ]
    attempts += [press(app, staff, ids.confirm_button(due.id, due.version), building=due.building_id)[1],
                 press(app, staff, ids.confirm_button(due.id, due.version), building=BUILDING)[1]]
    with database(app).connect() as conn:
        assert queries.unit(conn, outside["id"])["version"] == outside["version"]
        assert queries.unit(conn, due.id)["version"] == due.version
        assert (
            conn.execute(select(UnitChange.id).where(UnitChange.building_id == 12, UnitChange.actor == "staff")).first()
            is None
        )
    assert [a for a in attempts if outside["occupant_name"] in json.dumps(a or {}, ensure_ascii=False)] == []


def test_a_stale_bulk_edit_writes_only_what_the_bar_sets_and_a_refused_one_clears_the_selection(app, client_as):
    staff, picked = client_as("staff"), homes(app, 2)
    save(app, client_as("admin"), picked[0], note="called by admin")
    selection = [[u["id"], u["version"]] for u in picked]
    code, response = bulk(app, staff, selection, "unverified")
    assert code == 200 and response["response"][ids.SELECTION]["data"] == []
    with database(app).connect() as conn:
        after = queries.unit(conn, picked[0]["id"])
    assert (after["status"], after["note"]) == ("unverified", "called by admin")
    save(app, client_as("admin"), queries_unit(app, picked[1]["id"]), status="healthy")
    code, response = bulk(app, staff, [[picked[1]["id"], picked[1]["version"] + 1]], "quarantined", start="2020-03-01")
    assert code == 200 and response["response"][ids.SELECTION]["data"] == []
    assert queries_unit(app, picked[1]["id"])["status"] == "healthy"


def test_bulk_vacant_is_refused_for_occupied_units_unless_asked_to_clear_them(app, client_as):
    staff, picked = client_as("staff"), homes(app, 2)
    selection = [[u["id"], u["version"]] for u in picked]
    code, response = bulk(app, staff, selection, "vacant")
    assert code == 200 and ids.GRID_DATA not in response["response"]
    assert [queries_unit(app, u["id"])["status"] for u in picked] == ["healthy", "healthy"]
    code, response = bulk(app, staff, selection, "vacant", clear_occupants=True, start="2020-03-01")
    assert code == 200 and ids.GRID_DATA in response["response"]
    after = [queries_unit(app, u["id"]) for u in picked]
    assert {(u["status"], u["occupant_name"], u["residents"], u["quarantine_start"]) for u in after} == {
        ("vacant", "", 0, None)
    }


def test_the_form_refuses_nonsense_next_to_its_field_and_keeps_the_input(app, client_as):
    unit = a_home(app)
    tomorrow = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    code, response = save(
        app,
        client_as("staff"),
        unit,
        status="quarantined",
        quarantine_start=tomorrow,
        residents=100000,
        contact_phone="12",
        note="typed",
    )
    panel = part(response, ids.UNIT_PANEL)["children"]
    invalid = {name for name in ids.EDIT_FIELDS if by_id(panel, ids.edit_field(name))["props"].get("invalid")}
    assert invalid == {"quarantine_start", "residents", "contact_phone"}
    assert (form_value(panel, "residents"), form_value(panel, "contact_phone"), form_value(panel, "note")) == (
        100000,
        "12",
        "typed",
    )
    assert queries_unit(app, unit["id"])["version"] == unit["version"]


def test_a_save_records_who_verified_the_unit_and_the_panel_shows_it(app, client_as):
    unit = a_home(app)
    code, response = save(app, client_as("staff"), unit)
    after = queries_unit(app, unit["id"])
    assert (after["verified_by"], after["verified_source"], after["version"]) == ("staff", "manual", unit["version"])
    assert "staff" in text_of(by_id(part(response, ids.UNIT_PANEL)["children"], ids.UNIT_VERIFIED))
