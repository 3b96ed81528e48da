"""Maintained rollups against references written apart from the code that builds them (tests/references.py: plain
GROUP BYs over the units in SQL and a replay of the history's data_before/data_after), on both backends."""
from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import select

from data import queries, summary
from data.accounts import SYSTEM
from data.changes import ChangeContext, UnitEdit, apply_edits, undo_batch
from data.db import writing
from data.models import Area, Unit
from tests.helpers import DEMO_TODAY
from tests.references import grouped_area_counts, maintained, referenced, replayed_counts_at_end_of


def some_units(conn, count: int, **conditions) -> list[int]:
    """The first units matching column values."""
    query = select(Unit.id).order_by(Unit.id).limit(count)
    for name, value in conditions.items():
        query = query.where(getattr(Unit, name) == value)
    return conn.execute(query).scalars().all()


def on_day(day: int) -> ChangeContext:
    """A change by the system at nine on a day after the demo's."""
    return ChangeContext(actor=SYSTEM, at=dt.datetime.combine(DEMO_TODAY + dt.timedelta(days=day), dt.time(9)))


def edit_on(conn, day: int, edits: list[UnitEdit]) -> ChangeContext:
    """Apply edits as the system on a day after the demo's; returns their context."""
    ctx = on_day(day)
    apply_edits(conn, edits, ctx)
    return ctx


def test_the_demos_rollups_equal_a_group_by_and_a_replay(demo_engine):
    with demo_engine.connect() as conn:
        kept, expected = maintained(conn), referenced(conn)
    assert kept["buildings"] == expected["buildings"]
    assert kept["areas"] == expected["areas"]
    assert kept["days"] == expected["days"]
    assert {status for _a, status, _u in kept["areas"]} >= {"healthy", "quarantined", "reopened", "vacant"}


def test_edits_bulk_edits_and_undos_keep_the_rollups_equal_to_a_group_by_and_a_replay(demo_engine):
    with writing(demo_engine) as conn:
        homes = some_units(conn, 4, use="home", status="healthy")
        firms = some_units(conn, 2, use="firm", status="not_reopened")
        mixed = some_units(conn, 1, use="mixed", status="healthy")
        quarantine = {"status": "quarantined", "quarantine_start": DEMO_TODAY, "residents": 3}
        edit_on(conn, 1, [UnitEdit(homes[0], quarantine)])
        bulk = edit_on(conn, 2, [UnitEdit(u, {"status": "unverified"}) for u in homes[1:] + firms])
        edit_on(conn, 2, [UnitEdit(mixed[0], {"residents": 2, "staff": 40})])
        undo_batch(conn, bulk.batch_id, on_day(3))
        edit_on(conn, 3, [UnitEdit(firms[0], {"status": "reopened", "staff": 12})])
    with demo_engine.connect() as conn:
        kept, expected = maintained(conn), referenced(conn)
    assert kept["buildings"] == expected["buildings"]
    assert kept["areas"] == expected["areas"]
    assert kept["days"] == expected["days"]
    assert any(day == DEMO_TODAY + dt.timedelta(days=3) for _a, day, _s in kept["days"])


def test_every_areas_figures_and_past_days_follow_the_units_and_the_history(demo_engine):
    with writing(demo_engine) as conn:
        homes = some_units(conn, 3, use="home", status="healthy")
        edit_on(conn, 1, [UnitEdit(u, {"status": "quarantined", "quarantine_start": DEMO_TODAY}) for u in homes])
    days = [DEMO_TODAY - dt.timedelta(days=n) for n in (20, 7, 1, 0)] + [DEMO_TODAY + dt.timedelta(days=1)]
    with demo_engine.connect() as conn:
        area_ids = conn.execute(select(Area.id).order_by(Area.id)).scalars().all()
        rollups, grouped = queries.area_rollups(conn, area_ids), grouped_area_counts(conn)
        deltas = queries.area_daily_deltas(conn, area_ids, min(days) - dt.timedelta(days=1))
        replayed = {day: replayed_counts_at_end_of(conn, day) for day in days}
        statuses = queries.statuses(conn)
    for area_id in area_ids:
        for measure, column in (("units", 0), ("residents", 1), ("staff", 2)):
            expected = Counter()
            for (area, status, _use), amounts in grouped.items():
                if area == area_id:
                    expected[status] += amounts[column]
            assert nonzero(summary.by_status(rollups[area_id], measure)) == nonzero(expected), (area_id, measure)
        units = sum(amounts[0] for (area, _status, _use), amounts in grouped.items() if area == area_id)
        assert summary.kpis(rollups[area_id], statuses)["units"] == units, area_id
        current = summary.by_status(rollups[area_id])
        by_day = summary.counts_by_day(current, deltas[area_id], days)
        for day in days:
            assert nonzero(by_day[day]) == replayed[day].get(area_id, {}), (area_id, day)


def nonzero(counts: dict) -> dict:
    """Counts without their zeros."""
    return {key: n for key, n in counts.items() if n}
