"""History that tells the truth: no demo change after now, undo that asks first and answers beside the list, units named
with their entrance and changes in words, and a past day's own changes under its grid."""
from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import func, select

from dashboard import ids
from dashboard.config import load_config, local_today
from dashboard.i18n import when
from data import queries
from data.demo import create_demo
from data.models import Unit, UnitChange
from layouts import due_list, recent_changes, unit_panel
from scripts.dash_client import by_id, open_page, post_callback, text_of, walk
from tests.helpers import CATALOGUES, DEMO_TODAY, STATUSES, a_home, database, last_batch, save, undo

BY_CODE = {s["code"]: s for s in STATUSES}


def latest_times(engine) -> list[dt.datetime]:
    """The latest change, status date and verification of the demo."""
    with engine.connect() as conn:
        return [conn.execute(select(func.max(column))).scalar_one()
                for column in (UnitChange.changed_at, Unit.status_since, Unit.verified_at)]


def chains_hold(engine) -> bool:
    """Ordered by time, every unit's changes form a chain (each starts where the one before ended)."""
    with engine.connect() as conn:
        rows = conn.execute(select(UnitChange.unit_id, UnitChange.status_before, UnitChange.status_after)
                            .order_by(UnitChange.unit_id, UnitChange.changed_at, UnitChange.id)).all()
    last: dict[int, str] = {}
    for unit_id, before, after in rows:
        if before != last.get(unit_id):
            return False
        last[unit_id] = after
    return True


def test_the_demo_writes_nothing_after_now_on_a_working_day(engine):
    now = dt.datetime.combine(DEMO_TODAY, dt.time(3, 30))
    create_demo(engine, today=DEMO_TODAY, now=now)
    assert all(latest <= now for latest in latest_times(engine))
    with engine.connect() as conn:
        today = conn.execute(
            select(func.count()).where(UnitChange.changed_at >= dt.datetime.combine(DEMO_TODAY, dt.time()))
        ).scalar_one()
    assert today > 0, "today's changes are squeezed before now, not dropped"
    assert chains_hold(engine)


def test_the_demo_made_before_the_working_day_keeps_each_units_order(engine):
    now = dt.datetime.combine(DEMO_TODAY, dt.time(0, 20))
    create_demo(engine, today=DEMO_TODAY, now=now)
    assert all(latest <= now for latest in latest_times(engine))
    assert chains_hold(engine)


def test_the_demo_of_the_real_local_today_ends_before_this_moment(engine):
    create_demo(engine, today=local_today(load_config()))
    moment = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    assert all(latest <= moment for latest in latest_times(engine))


def a_batch(actor: str = "王芳", **change) -> dict:
    """A batch of two units of entrance 1单元, as queries.recent_batches returns it."""
    rows = [
        {
            "unit_id": unit_id,
            "label": label,
            "entrance_name": "1单元",
            "status_before": "unverified",
            "status_after": "healthy",
            "data_before": {"status": "unverified"},
            "data_after": {"status": "healthy"},
            **change,
        }
        for unit_id, label in ((11, "101"), (12, "102"))
    ]
    moves = list(
        dict.fromkeys((r["status_before"], r["status_after"]) for r in rows if r["status_before"] != r["status_after"])
    )
    return {"batch_id": "b1", "changed_at": dt.datetime(2020, 3, 1, 9, 5), "actor": actor, "source": "manual",
            "comment": None, "count": len(rows), "moves": moves, "changes": rows}


def components(node, kind: str) -> list:
    """Every component of a type (html.Details, html.Li ...) in a tree."""
    return [part for part in walk(node) if type(part).__name__ == kind]


def test_undo_first_asks_naming_who_when_and_how_many():
    listed = recent_changes.recent([a_batch()], CATALOGUES, can_undo=True)
    step = next(d for d in components(listed, "Details") if "undo-step" in d.className)
    button = by_id(step, ids.undo_button("b1"))
    question = text_of(step.children[1])
    assert (
        button is not None
        and "王芳" in question
        and when(dt.datetime(2020, 3, 1, 9, 5)) in question
        and " 2 " in question
    )
    assert not [d for d in components(recent_changes.recent([a_batch()], CATALOGUES, can_undo=False), "Details")
                if "undo-step" in d.className]


def test_the_undo_answer_shows_beside_the_list(app, client_as):
    staff, unit = client_as("staff"), a_home(app)
    assert save(app, staff, unit, note="called, all well")[0] == 200
    code, response = undo(app, staff, last_batch(app, unit["id"]))
    assert code == 200 and ids.UNDO_MESSAGE in response["response"] and ids.ACTION_MESSAGE not in response["response"]
    assert response["response"][ids.UNDO_MESSAGE]["children"]["props"]["color"] == "success"
    page = open_page(staff, "/building/1")
    section = next(
        part
        for part in walk(page)
        if isinstance(part, dict)
        and part.get("type") == "Section"
        and any(isinstance(p, dict) and p.get("props", {}).get("id") == ids.RECENT_CHANGES for p in walk(part))
    )
    assert by_id(section, ids.UNDO_MESSAGE) is not None


def test_recent_changes_name_entrances_and_open_each_units_field_changes():
    change = {
        "use": "home",
        "data_before": {"use": "firm", "quarantine_end": None, "note": ""},
        "data_after": {"use": "home", "quarantine_end": "2020-03-15", "note": "moved in"},
        "status_before": "healthy",
    }
    listed = recent_changes.recent([a_batch(**change)], CATALOGUES, can_undo=False)
    assert "1单元 101" in text_of(listed) and "1单元 102" in text_of(listed)
    details = next(d for d in components(listed, "Details") if "batch-details" in d.className)
    unit_rows = [li for li in components(details, "Li") if getattr(li, "data-unit", None) is not None]
    words = text_of(details)
    assert len(unit_rows) == 2
    assert (
        CATALOGUES.uses["firm"]["label_en"] in words
        and CATALOGUES.uses["home"]["label_en"] in words
        and "2020-03-15" in words
        and "moved in" in words
    )
    assert "None" not in words and ": firm" not in words


def test_status_moves_read_as_labels_in_the_details():
    words = text_of(recent_changes.recent([a_batch()], CATALOGUES, can_undo=False))
    assert BY_CODE["unverified"]["label_en"] in words and BY_CODE["healthy"]["label_en"] in words
    assert "unverified" not in words.replace(BY_CODE["unverified"]["label_en"], "")


def test_the_unit_history_shows_every_field_before_and_after_in_words():
    change = {
        "changed_at": dt.datetime(2020, 2, 20, 9),
        "actor": "刘洋",
        "source": "manual",
        "status_before": "healthy",
        "status_after": "healthy",
        "comment": None,
        "data_before": {"use": "home", "note": "", "quarantine_start": None},
        "data_after": {"use": "mixed", "note": "shop downstairs", "quarantine_start": "2020-02-20"},
    }
    history = unit_panel.history_list([change], CATALOGUES)
    fields = {
        getattr(part, "data-field"): text_of(part)
        for part in components(history, "Div")
        if getattr(part, "data-field", None)
    }
    assert set(fields) == {"use", "note", "quarantine_start"}
    assert (
        CATALOGUES.uses["home"]["label_en"] in fields["use"] and CATALOGUES.uses["mixed"]["label_en"] in fields["use"]
    )
    assert "shop downstairs" in fields["note"] and "2020-02-20" in fields["quarantine_start"]
    assert "None" not in text_of(history)


def test_the_ended_quarantine_list_names_the_entrance():
    unit = {"id": 5, "label": "201", "entrance_name": "2单元", "status": "quarantined", "version": 3,
            "quarantine_end": dt.date(2020, 2, 19)}
    assert "2单元 201" in text_of(due_list.due_list([unit], BY_CODE, can_confirm=False))


def test_the_access_log_names_the_entrance(app, client_as, client):
    unit = a_home(app)
    post_callback(client_as("staff"), [(ids.UNIT_PANEL, "children")], [(ids.SELECTED_UNIT, "data", unit["id"])],
                  [(ids.BUILDING_ID, "data", 1)])
    assert f"{unit['entrance_name']} {unit['label']}" in text_of(open_page(client, "/admin/access-log"))


def test_the_building_page_lists_units_due_with_their_entrance(app, client):
    with database(app).begin() as conn:
        due = conn.execute(select(Unit.id).where(Unit.building_id == 1, Unit.status == "quarantined")).scalars().first()
        conn.execute(Unit.__table__.update().where(Unit.id == due).values(quarantine_end=dt.date(2020, 1, 1)))
        unit = queries.unit(conn, due)
    assert f"{unit['entrance_name']} {unit['label']}" in text_of(by_id(open_page(client, "/building/1"), ids.DUE_LIST))


def test_recent_changes_hide_personal_data_from_every_role(app, client_as):
    unit = a_home(app)
    assert save(app, client_as("staff"), unit, occupant_name="测试王五", contact_phone="13912345678")[0] == 200
    with database(app).connect() as conn:
        assert queries.unit(conn, unit["id"])["occupant_name"] == "测试王五"
    for role in ("leader", "viewer", "staff", "admin"):
        listed = json.dumps(by_id(open_page(client_as(role), "/building/1"), ids.RECENT_CHANGES), ensure_ascii=False)
        assert "测试王五" not in listed and "13912345678" not in listed, role
        assert "139****5678" in listed, role


def batches_on(app, building_id: int, day: dt.date) -> set[str]:
    """The batches of a building's changes made on a day (UTC)."""
    start = dt.datetime.combine(day, dt.time())
    with database(app).connect() as conn:
        return set(conn.execute(select(UnitChange.batch_id).where(
            UnitChange.building_id == building_id, UnitChange.changed_at >= start,
            UnitChange.changed_at < start + dt.timedelta(days=1))).scalars())


def listed_batches(layout) -> set[str]:
    """The batches the list under the grid shows."""
    return {part["props"]["data-batch"] for part in walk(by_id(layout, ids.RECENT_CHANGES))
            if isinstance(part, dict) and "data-batch" in part.get("props", {})}


def test_a_past_days_grid_lists_that_days_changes(app, client):
    day = next(
        DEMO_TODAY - dt.timedelta(days=n) for n in range(5, 27) if batches_on(app, 4, DEMO_TODAY - dt.timedelta(days=n))
    )
    layout = open_page(client, "/building/4", f"?as_of={day.isoformat()}")
    assert listed_batches(layout) == batches_on(app, 4, day)
