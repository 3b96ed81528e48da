"""Local days at their boundary, on both backends: a change at 23:30 and one at 00:30 Beijing time (15:30 and 16:30
UTC, one UTC day) land on two local days in the daily deltas, the past views of buildings and areas, the exceptions
and the quarantine rule; the demo ends on Beijing's day; migration 0006 moves the deltas counted in UTC days to local
days."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from alembic import command
from sqlalchemy import make_url, select, text, update

from data import queries, summary
from data.accounts import SYSTEM
from data.changes import ChangeContext, UnitEdit, apply_edits, confirm_ended, recount, undo_batch
from data.db import alembic_config, make_engine, writing
from data.demo import HISTORY_DAYS, create_demo
from data.models import Area, Unit, UnitChange
from data.quarantine import NotEnded
from scripts.dash_client import by_id, open_page, walk
from tests.helpers import DEMO_TODAY, cells_of, demo_app, postgres_admin, sign_in
from tests.references import maintained, referenced, replayed_counts_at_end_of

DAY = DEMO_TODAY + dt.timedelta(days=2)  # after the demo's history, which ends on DEMO_TODAY
NEXT_DAY = DAY + dt.timedelta(days=1)
LATE = dt.datetime.combine(DAY, dt.time(15, 30))  # 23:30 on DAY in Beijing
EARLY = dt.datetime.combine(DAY, dt.time(16, 30))  # 00:30 on NEXT_DAY in Beijing, the same UTC day
MOVE = {DAY: {"healthy": -1, "unverified": 1}, NEXT_DAY: {"healthy": -1, "unverified": 1}}


def two_homes(conn) -> tuple[int, int, int]:
    """Two healthy homes of one building, and that building."""
    homes = conn.execute(select(Unit.id, Unit.building_id).where(Unit.use == "home", Unit.status == "healthy")
                         .order_by(Unit.building_id, Unit.id)).all()
    (late, building), (early, _) = next((a, b) for a, b in zip(homes, homes[1:], strict=False) if a[1] == b[1])
    return late, early, building


def at(moment: dt.datetime, timezone: str = "Asia/Shanghai") -> ChangeContext:
    """A change by the system at a moment (UTC)."""
    return ChangeContext(actor=SYSTEM, at=moment, timezone=timezone)


def night_edits(engine, timezone: str = "Asia/Shanghai") -> tuple[int, int, int]:
    """One home made unverified at 15:30 UTC and another at 16:30 UTC on DAY; returns them and their building."""
    with writing(engine) as conn:
        late, early, building = two_homes(conn)
        apply_edits(conn, [UnitEdit(late, {"status": "unverified"})], at(LATE, timezone))
        apply_edits(conn, [UnitEdit(early, {"status": "unverified"})], at(EARLY, timezone))
    return late, early, building


def workstation_of(conn, building: int) -> int:
    """The area a building lies in."""
    return queries.building(conn, building)["area_id"]


def by_day(deltas: list[dict]) -> dict[dt.date, dict[str, int]]:
    """Daily delta rows as {day: {status: delta}}, zeros left out."""
    found: dict[dt.date, dict[str, int]] = {}
    for row in deltas:
        if row["delta"]:
            found.setdefault(row["day"], {})[row["status"]] = row["delta"]
    return found


def test_changes_at_23_30_and_00_30_count_on_two_local_days(demo_engine):
    _late, _early, building = night_edits(demo_engine)
    with demo_engine.connect() as conn:
        area = workstation_of(conn, building)
        assert by_day(queries.area_daily_deltas(conn, [area], DEMO_TODAY)[area]) == MOVE
        assert maintained(conn) == referenced(conn)


def test_a_recount_counts_the_history_on_the_same_local_days(demo_engine):
    night_edits(demo_engine)
    with demo_engine.connect() as conn:
        kept = maintained(conn)["days"]
    with writing(demo_engine) as conn:
        recount(conn)
    with demo_engine.connect() as conn:
        assert maintained(conn)["days"] == kept
        assert {day for _area, day, _status in kept if day > DEMO_TODAY} == {DAY, NEXT_DAY}


def test_an_undo_after_midnight_counts_on_its_own_local_day(demo_engine):
    with writing(demo_engine) as conn:
        late, _early, building = two_homes(conn)
        batch = at(LATE)
        apply_edits(conn, [UnitEdit(late, {"status": "unverified"})], batch)
        undo_batch(conn, batch.batch_id, at(EARLY))
    with demo_engine.connect() as conn:
        area = workstation_of(conn, building)
        assert by_day(queries.area_daily_deltas(conn, [area], DEMO_TODAY)[area]) == {
            DAY: {"healthy": -1, "unverified": 1}, NEXT_DAY: {"healthy": 1, "unverified": -1}}
        assert maintained(conn) == referenced(conn)


def test_a_building_as_of_a_local_day_and_between_local_days(demo_engine):
    late, early, building = night_edits(demo_engine)
    with demo_engine.connect() as conn:
        on_day, next_day = (queries.statuses_as_of(conn, building, day) for day in (DAY, NEXT_DAY))
        assert (on_day[late], on_day[early]) == ("unverified", "healthy")
        assert (next_day[late], next_day[early]) == ("unverified", "unverified")
        assert queries.units_changed_between(conn, building, DAY, DAY) == {late}
        assert queries.units_changed_between(conn, building, NEXT_DAY, NEXT_DAY) == {early}
        listed = queries.recent_batches(conn, building, between=(NEXT_DAY, NEXT_DAY))
        assert [change["unit_id"] for batch in listed for change in batch["changes"]] == [early]


def test_area_counts_at_the_end_of_local_days_follow_the_history(demo_engine):
    _late, _early, building = night_edits(demo_engine)
    days = [DAY - dt.timedelta(days=1), DAY, NEXT_DAY]
    with demo_engine.connect() as conn:
        area_ids = conn.execute(select(Area.id).order_by(Area.id)).scalars().all()
        rollups = queries.area_rollups(conn, area_ids)
        deltas = queries.area_daily_deltas(conn, area_ids, DEMO_TODAY)
        replayed = {day: replayed_counts_at_end_of(conn, day) for day in days}
        area = workstation_of(conn, building)
    for area_id in area_ids:
        counts = summary.counts_by_day(summary.by_status(rollups[area_id]), deltas[area_id], days)
        expected = {day: replayed[day].get(area_id, {}) for day in days}
        assert {day: nonzero(counts[day]) for day in days} == expected, area_id
    unverified = [replayed[day][area]["unverified"] for day in days]
    assert [n - unverified[0] for n in unverified] == [0, 1, 2]


def test_units_unverified_since_before_a_local_day_began_are_long_unverified(demo_engine):
    today = dt.date(2020, 1, 9)  # before the demo's records: only these two units can have waited a week
    with writing(demo_engine) as conn:
        before, after, building = two_homes(conn)
        for unit_id, since in ((before, dt.datetime(2019, 12, 31, 15, 30)), (after, dt.datetime(2019, 12, 31, 16, 30))):
            conn.execute(update(Unit).where(Unit.id == unit_id).values(status="unverified", status_since=since))
        path = queries.area(conn, workstation_of(conn, building))["path"]
        found = queries.area_exceptions(conn, path, today, waited_days=8)
    # Eight local days before 9 January began at 00:00 on 1 January in Beijing: 16:00 UTC on 31 December.
    assert [unit["id"] for unit in found["unverified"]] == [before]


def test_a_quarantine_ends_after_its_last_local_day(demo_engine):
    with writing(demo_engine) as conn:
        unit_id, _other, building = two_homes(conn)
        conn.execute(update(Unit).where(Unit.id == unit_id).values(
            status="quarantined", quarantine_start=DAY - dt.timedelta(days=13), quarantine_end=DAY))
        version = queries.unit(conn, unit_id)["version"]
        with pytest.raises(NotEnded):
            confirm_ended(conn, unit_id, version, building, at(LATE))
        confirm_ended(conn, unit_id, version, building, at(EARLY))
        assert queries.unit(conn, unit_id)["status"] == "healthy"


def test_the_pages_use_the_configured_time_zone(unused_url):
    app = demo_app(unused_url, TIMEZONE="Asia/Tokyo")  # 15:30 and 16:30 UTC are both after midnight there
    engine = make_engine(unused_url)
    late, early, building = night_edits(engine, "Asia/Tokyo")
    engine.dispose()
    client = app.server.test_client()
    assert sign_in(client, "admin").status_code == 302

    def grid(search: str) -> dict:
        """The grid payload of the building's page with a query string."""
        return by_id(open_page(client, f"/building/{building}", search), "grid-data")["props"]["data"]

    def drawn(payload: dict) -> dict[int, str]:
        """Each drawn unit's status code."""
        return {cell["unit"]: payload["statuses"][cell["status"]]["code"] for cell in cells_of(payload)}

    on_day = drawn(grid(f"?as_of={DAY.isoformat()}"))
    assert (on_day[late], on_day[early]) == ("healthy", "healthy")
    changed = grid(f"?from={NEXT_DAY.isoformat()}&to={NEXT_DAY.isoformat()}")
    assert {changed["base"] + offset for offset in changed["changed"]} == {late, early}
    listed = walk(open_page(client, f"/building/{building}", f"?as_of={NEXT_DAY.isoformat()}"))
    assert {part["props"]["data-unit"] for part in listed
            if isinstance(part, dict) and "data-unit" in part.get("props", {})} == {late, early}


def test_the_demo_ends_on_the_beijing_day_of_the_moment_it_is_made(engine):
    create_demo(engine, now=dt.datetime(2020, 3, 1, 20))  # 04:00 on 2 March in Beijing
    with engine.connect() as conn:
        moments = conn.execute(select(UnitChange.changed_at)).scalars().all()
    days = {moment.replace(tzinfo=dt.UTC).astimezone(ZoneInfo("Asia/Shanghai")).date() for moment in moments}
    assert (min(days), max(days)) == (dt.date(2020, 3, 2) - dt.timedelta(days=HISTORY_DAYS - 1), dt.date(2020, 3, 2))


def nonzero(counts: dict) -> dict:
    """Counts without their zeros."""
    return {key: n for key, n in counts.items() if n}


OLD_ROWS = (
    "INSERT INTO areas VALUES (1, NULL, 'city', 'c', '/1/', 0), (2, 1, 'workstation', 'w', '/1/2/', 1)",
    "INSERT INTO buildings VALUES (1, 2, 'b', '', 'residential', 0)",
    "INSERT INTO entrances VALUES (1, 1, 'e', 0)",
    "INSERT INTO floors VALUES (1, 1, '1', 1)",
    "INSERT INTO units (id, building_id, entrance_id, floor_id, position, label, use, occupant_name, contact_phone, "
    "status, status_since, note, version) VALUES (1, 1, 1, 1, 0, '101', 'home', '', '', 'unverified', :late, '', 2), "
    "(2, 1, 1, 1, 1, '102', 'home', '', '', 'unverified', :early, '', 2)",
    "INSERT INTO unit_changes (id, unit_id, building_id, changed_at, actor, source, batch_id, status_before, "
    "status_after, unit_version, data_before, data_after) VALUES "
    "(1, 1, 1, :late, 'a', 'manual', 'x', 'healthy', 'unverified', 2, '{}', '{}'), "
    "(2, 2, 1, :early, 'a', 'manual', 'y', 'healthy', 'unverified', 2, '{}', '{}')",
    # What apply_edits wrote before: both changes on their UTC day.
    "INSERT INTO area_daily_deltas VALUES (1, :day, 'healthy', -2), (1, :day, 'unverified', 2), "
    "(2, :day, 'healthy', -2), (2, :day, 'unverified', 2)",
)


def stored_deltas(engine) -> dict[tuple, int]:
    """The stored daily deltas by (area, day, status)."""
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT area_id, day, status, delta FROM area_daily_deltas")).all()
    return {(area, day if isinstance(day, dt.date) else dt.date.fromisoformat(day), status): delta
            for area, day, status, delta in rows}


def test_the_migration_recounts_utc_days_as_local_days(unused_url):
    if not unused_url.startswith("sqlite"):
        with postgres_admin(make_url(unused_url)).connect() as conn:
            conn.execute(text(f"CREATE DATABASE {make_url(unused_url).database} TEMPLATE template0"))
    engine = make_engine(unused_url)
    command.upgrade(alembic_config(engine), "0005")
    with engine.begin() as conn:
        for statement in OLD_ROWS:
            conn.execute(text(statement), {"late": f"{LATE}", "early": f"{EARLY}", "day": f"{DAY}"})
    command.upgrade(alembic_config(engine), "0006")
    assert stored_deltas(engine) == {(area, day, status): delta for area in (1, 2)
                                     for day, moves in MOVE.items() for status, delta in moves.items()}
    command.downgrade(alembic_config(engine), "0005")
    assert stored_deltas(engine) == {(area, DAY, status): 2 * delta for area in (1, 2)
                                     for status, delta in MOVE[DAY].items()}
    engine.dispose()
