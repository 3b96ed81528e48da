"""References for the maintained rollups, written apart from the code that builds them: plain GROUP BYs over the units
in SQL and a replay of the history's data_before/data_after."""
from __future__ import annotations

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

from sqlalchemy import select, text

from data.models import AreaCount, AreaDailyDelta, BuildingStatusCount, Unit, UnitChange

# The zone whose days the rollups count in: the app's default, which the tests run under.
LOCAL = ZoneInfo("Asia/Shanghai")
# Each area with every building of its subtree: an area's path is a prefix of the paths below it.
SUBTREE = ("FROM units u JOIN buildings b ON b.id = u.building_id JOIN areas home ON home.id = b.area_id "
           "JOIN areas a ON substr(home.path, 1, length(a.path)) = a.path ")
AREA_UNITS = text("SELECT a.id, u.status, u.use, count(*), sum(u.residents), sum(u.staff) " + SUBTREE
                  + "WHERE u.retired_at IS NULL GROUP BY a.id, u.status, u.use")
BUILDING_UNITS = text("SELECT building_id, status, count(*) FROM units WHERE retired_at IS NULL "
                      "GROUP BY building_id, status")
BUILDING_AREAS = text("SELECT b.id, a.id FROM buildings b JOIN areas home ON home.id = b.area_id "
                      "JOIN areas a ON substr(home.path, 1, length(a.path)) = a.path")


def grouped_area_counts(conn) -> dict[tuple, tuple[int, int, int]]:
    """Units, residents and staff per (area, status, use) over each area's subtree: one GROUP BY over the units."""
    return {(a, s, u): (int(n), int(r or 0), int(f or 0)) for a, s, u, n, r, f in conn.execute(AREA_UNITS)}


def grouped_building_counts(conn) -> dict[tuple, int]:
    """Units per (building, status): one GROUP BY over the units."""
    return {(b, s): int(n) for b, s, n in conn.execute(BUILDING_UNITS)}


def replay(conn):
    """Every change, oldest first, as (unit, building, local day, status before, status after), the statuses followed
    through each unit's data_before and data_after (a retired unit's ends at None); the replay ends at the active units'
    statuses."""
    status: dict[int, str | None] = {}
    changes = select(UnitChange.unit_id, UnitChange.building_id, UnitChange.changed_at, UnitChange.data_before,
                     UnitChange.data_after).order_by(UnitChange.changed_at, UnitChange.id)
    for unit_id, building_id, at, before, after in conn.execute(changes).all():
        old = status.get(unit_id)
        assert before.get("status", old) == old, f"unit {unit_id}: history is not a chain"
        status[unit_id] = after.get("status", old)
        yield unit_id, building_id, at.replace(tzinfo=dt.UTC).astimezone(LOCAL).date(), old, status[unit_id]
    active = dict(conn.execute(select(Unit.id, Unit.status).where(Unit.retired_at.is_(None))).all())
    assert {unit: code for unit, code in status.items() if code is not None} == active, \
        "the replay does not end at the units"


def building_areas(conn) -> dict[int, list[int]]:
    """Each building's area and the areas above it."""
    found: dict[int, list[int]] = {}
    for building_id, area_id in conn.execute(BUILDING_AREAS):
        found.setdefault(building_id, []).append(area_id)
    return found


def replayed_daily_deltas(conn) -> dict[tuple, int]:
    """Net change of units per (area, day, status) over each area's subtree, from the replay of the history."""
    areas, deltas = building_areas(conn), Counter()
    for _unit, building_id, day, old, new in replay(conn):
        for area_id in areas[building_id] if old != new else ():
            if new is not None:
                deltas[(area_id, day, new)] += 1
            if old is not None:
                deltas[(area_id, day, old)] -= 1
    return {key: n for key, n in deltas.items() if n}


def replayed_counts_at_end_of(conn, day: dt.date) -> dict[int, dict[str, int]]:
    """Units by status per area as they were at the end of a local day, from the replay of the history."""
    areas, status = building_areas(conn), {}
    for unit_id, building_id, changed_on, _old, new in replay(conn):
        if changed_on <= day:
            status[unit_id] = (building_id, new)
    counts: dict[int, Counter] = {}
    for building_id, code in status.values():
        for area_id in areas[building_id] if code is not None else ():
            counts.setdefault(area_id, Counter())[code] += 1
    return {area_id: dict(counter) for area_id, counter in counts.items()}


def maintained(conn) -> dict[str, dict]:
    """The three maintained rollups, rows whose counters are all zero left out."""
    return {
        "buildings": {(b, s): n for b, s, n in conn.execute(select(
            BuildingStatusCount.building_id, BuildingStatusCount.status, BuildingStatusCount.count)) if n},
        "areas": {(a, s, u): (n, r, f) for a, s, u, n, r, f in conn.execute(select(
            AreaCount.area_id, AreaCount.status, AreaCount.use, AreaCount.units, AreaCount.residents, AreaCount.staff))
            if n or r or f},
        "days": {(a, d, s): n for a, d, s, n in conn.execute(select(
            AreaDailyDelta.area_id, AreaDailyDelta.day, AreaDailyDelta.status, AreaDailyDelta.delta)) if n},
    }


def referenced(conn) -> dict[str, dict]:
    """What the three rollups must hold, from the units and the history alone."""
    return {"buildings": grouped_building_counts(conn), "areas": grouped_area_counts(conn),
            "days": replayed_daily_deltas(conn)}


def rollups_match(conn) -> bool:
    """The maintained rollups equal the references (a GROUP BY over the units, a replay of the history)."""
    return maintained(conn) == referenced(conn)
