"""The one way to change units: a change row, the unit, its version and the building counts, in one transaction."""
from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import Connection, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from data import queries
from data.access import authorize
from data.accounts import Account
from data.models import Area, AreaCount, AreaDailyDelta, Building, BuildingStatusCount, Unit, UnitChange
from data.validation import InvalidEdit, clean

SOURCES = ("manual", "import", "rule")
# Ids per IN (...) list: PostgreSQL takes at most 65,535 bound parameters a statement, some SQLite builds 32,766.
IDS_PER_QUERY = 10_000


class StaleEdit(Exception):
    """Units changed after the versions their editor saw; `later` lists those changes, `current` the versions now."""

    def __init__(self, unit_ids: list[int], later: list[dict], current: dict[int, int] | None = None):
        super().__init__(f"units changed since you loaded them: {unit_ids}")
        self.unit_ids, self.later, self.current = unit_ids, later, current or {}


class UnknownUnit(LookupError):
    """An edit names a unit that does not exist."""


class NotAllowed(PermissionError):
    """The actor may not edit some of the units."""

    def __init__(self, unit_ids: list[int]):
        super().__init__(f"not allowed to edit units {unit_ids}")
        self.unit_ids = unit_ids


class UndoRefused(Exception):
    """A batch cannot be undone: units changed after it (`later`), or its earlier values no longer validate."""

    def __init__(self, later: list[dict], reason: str | None = None):
        super().__init__(reason or f"changed after this batch: {[change['label'] for change in later]}")
        self.later = later


@dataclass(frozen=True)
class UnitEdit:
    """New values for some fields of one unit, and the version the editor saw (None: do not check)."""

    unit_id: int
    values: dict = field(default_factory=dict)
    seen_version: int | None = None


@dataclass(frozen=True)
class ChangeContext:
    """Who changes, from where, and under which batch and request."""

    actor: Account
    source: str = "manual"
    batch_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    request_id: str | None = None
    comment: str | None = None
    at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC).replace(tzinfo=None))


def apply_edits(conn: Connection, edits: list[UnitEdit], ctx: ChangeContext) -> list[int]:
    """Authorise, check versions, validate, then write every edit or none; returns the ids of the units that changed."""
    if ctx.source not in SOURCES:
        raise ValueError(f"unknown change source {ctx.source!r}")
    unit_ids = [edit.unit_id for edit in edits]
    if len(set(unit_ids)) != len(unit_ids):
        raise ValueError("a batch may change each unit once")
    current = _lock_units(conn, unit_ids)
    _check_allowed(ctx.actor, current)
    _check_versions(conn, edits, current)
    values = _clean_all(conn, edits, current)
    diffs = {edit.unit_id: _diff(current[edit.unit_id], values[edit.unit_id]) for edit in edits}
    changed = [unit_id for unit_id, (_before, after) in diffs.items() if after]
    _write_changes(conn, current, {unit_id: diffs[unit_id] for unit_id in changed}, ctx)
    _add_counts(conn, BuildingStatusCount, ("building_id", "status"), ("count",), _status_deltas(values, current))
    _add_counts(conn, AreaCount, ("area_id", "status", "use"), ("units", "people"), _area_deltas(values, current))
    _add_counts(conn, AreaDailyDelta, ("area_id", "day", "status"), ("delta",), _daily_deltas(values, current, ctx.at.date()))
    _bump_revisions(conn, {current[unit_id]["building_id"] for unit_id in changed})
    return changed


def undo_batch(conn: Connection, batch_id: str, ctx: ChangeContext) -> list[int]:
    """Revert every unit of a batch, as one new batch; refused when any of them changed since."""
    changes = [dict(row._mapping) for row in conn.execute(select(UnitChange.__table__).where(UnitChange.batch_id == batch_id))]
    if not changes:
        raise LookupError(f"no batch {batch_id}")
    edits = [UnitEdit(change["unit_id"], change["data_before"], seen_version=change["unit_version"]) for change in changes]
    try:
        return apply_edits(conn, edits, ctx)
    except StaleEdit as stale:
        raise UndoRefused(stale.later) from None
    except InvalidEdit as invalid:
        raise UndoRefused([], f"the earlier values are no longer valid: {invalid}") from None


def _chunks(ids: list[int]) -> list[list[int]]:
    """Sorted ids in slices small enough for one IN (...) list each."""
    ordered = sorted(ids)
    return [ordered[start:start + IDS_PER_QUERY] for start in range(0, len(ordered), IDS_PER_QUERY)]


def _lock_units(conn: Connection, unit_ids: list[int]) -> dict[int, dict]:
    """Current rows of the units with their area path, locked for update where the database can."""
    query = (select(Unit.__table__, Area.path.label("area_path")).join(Building, Building.id == Unit.building_id)
             .join(Area, Area.id == Building.area_id).with_for_update(of=Unit.__table__))
    rows = {row.id: dict(row._mapping) for chunk in _chunks(unit_ids) for row in conn.execute(query.where(Unit.id.in_(chunk)))}
    missing = sorted(set(unit_ids) - rows.keys())
    if missing:
        raise UnknownUnit(f"no such unit: {missing}")
    return rows


def _check_allowed(actor: Account, current: dict[int, dict]) -> None:
    """Refuse the whole batch when the actor may not edit any of its units."""
    refused = sorted(unit_id for unit_id, row in current.items() if not authorize(actor, "edit", row))
    if refused:
        raise NotAllowed(refused)


def _check_versions(conn: Connection, edits: list[UnitEdit], current: dict[int, dict]) -> None:
    """Refuse the whole batch when any unit moved past the version its editor saw, saying who changed what."""
    seen = {e.unit_id: e.seen_version for e in edits if e.seen_version is not None and current[e.unit_id]["version"] != e.seen_version}
    if seen:
        raise StaleEdit(sorted(seen), _changes_since(conn, seen), {u: current[u]["version"] for u in seen})


def _changes_since(conn: Connection, seen: dict[int, int]) -> list[dict]:
    """queries.changes_since over any number of units, oldest first."""
    later = [change for chunk in _chunks(list(seen)) for change in queries.changes_since(conn, {u: seen[u] for u in chunk})]
    return sorted(later, key=lambda change: (change["changed_at"], change["id"]))


def _clean_all(conn: Connection, edits: list[UnitEdit], current: dict[int, dict]) -> dict[int, dict]:
    """Typed values of every edit, or InvalidEdit with every error of every unit."""
    catalogue = {status["code"]: status for status in queries.statuses(conn)}
    values, errors = {}, {}
    for edit in edits:
        values[edit.unit_id], problems = clean(current[edit.unit_id], edit.values, catalogue)
        if problems:
            errors[edit.unit_id] = problems
    if errors:
        raise InvalidEdit(errors)
    return values


def _diff(row: dict, values: dict) -> tuple[dict, dict]:
    """The before and after values of the fields an edit really changes."""
    after = {name: value for name, value in values.items() if row[name] != value}
    return {name: row[name] for name in after}, after


def _write_changes(conn: Connection, current: dict[int, dict], diffs: dict[int, tuple[dict, dict]], ctx: ChangeContext) -> None:
    """Insert the change rows, in edit order, and update the units, bumping their versions (one executemany each)."""
    if not diffs:
        return
    conn.execute(insert(UnitChange), [_change_row(current[unit_id], before, after, ctx) for unit_id, (before, after) in diffs.items()])
    for columns, params in _unit_updates(diffs, ctx.at).items():
        conn.execute(_unit_update(columns), params)


def _change_row(row: dict, before: dict, after: dict, ctx: ChangeContext) -> dict:
    """The history row of one unit's change."""
    return {
        "unit_id": row["id"], "building_id": row["building_id"], "changed_at": ctx.at,
        "actor": ctx.actor.username, "source": ctx.source, "batch_id": ctx.batch_id, "request_id": ctx.request_id,
        "status_before": row["status"], "status_after": after.get("status", row["status"]), "unit_version": row["version"] + 1, "comment": ctx.comment,
        "data_before": _jsonable(before), "data_after": _jsonable(after),
    }


def _unit_updates(diffs: dict[int, tuple[dict, dict]], at: dt.datetime) -> dict[tuple[str, ...], list[dict]]:
    """Parameters of the unit updates, grouped by the columns they set (a new status also sets its time)."""
    groups: dict[tuple[str, ...], list[dict]] = {}
    for unit_id, (_before, after) in diffs.items():
        values = {**after, "status_since": at} if "status" in after else after
        groups.setdefault(tuple(sorted(values)), []).append({"unit_id": unit_id, **{f"new_{k}": v for k, v in values.items()}})
    return groups


def _unit_update(columns: tuple[str, ...]):
    """UPDATE of some columns of one unit (by bound parameters new_<column> and unit_id), bumping its version."""
    units = Unit.__table__
    values = {name: bindparam(f"new_{name}", type_=units.c[name].type) for name in columns}
    return update(units).where(units.c.id == bindparam("unit_id")).values({**values, "version": units.c.version + 1})


def _jsonable(values: dict) -> dict:
    """Dates as ISO strings, so that change rows hold plain JSON."""
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in values.items()}


def _status_deltas(values: dict[int, dict], current: dict[int, dict]) -> Counter:
    """Net change of each (building, status) count caused by the edits."""
    deltas: Counter = Counter()
    for unit_id, unit_values in values.items():
        row, new = current[unit_id], unit_values.get("status")
        if new is not None and new != row["status"]:
            deltas[(row["building_id"], row["status"])] -= 1
            deltas[(row["building_id"], new)] += 1
    return deltas


def _add_counts(conn: Connection, model, keys: tuple[str, ...], counters: tuple[str, ...], deltas: dict) -> None:
    """Add deltas to a maintained counts table, creating missing rows (one executemany upsert, in key order)."""
    rows = []
    for key, amounts in sorted(deltas.items()):
        amounts = tuple(amounts) if isinstance(amounts, (tuple, list)) else (amounts,)
        if any(amounts):
            rows.append({**dict(zip(keys, key)), **dict(zip(counters, amounts))})
    if rows:
        stmt = (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(model)
        conn.execute(stmt.on_conflict_do_update(
            index_elements=list(keys), set_={name: getattr(model, name) + getattr(stmt.excluded, name) for name in counters},
        ), rows)


def _area_deltas(values: dict[int, dict], current: dict[int, dict]) -> dict[tuple, list[int]]:
    """Net change of units and people per (ancestor area, status, use) caused by the edits."""
    deltas: dict[tuple, list[int]] = {}
    for unit_id, unit_values in values.items():
        row = current[unit_id]
        after = {name: unit_values.get(name, row[name]) for name in ("status", "use", "head_count")}
        if all(after[name] == row[name] for name in after):
            continue
        for area_id in queries.path_ids(row["area_path"]):
            for key, units, people in (((area_id, row["status"], row["use"]), -1, -row["head_count"]),
                                       ((area_id, after["status"], after["use"]), 1, after["head_count"])):
                total = deltas.setdefault(key, [0, 0])
                total[0], total[1] = total[0] + units, total[1] + people
    return deltas


def _daily_deltas(values: dict[int, dict], current: dict[int, dict], day: dt.date) -> Counter:
    """Net change of units per (ancestor area, day, status) caused by the edits' status changes."""
    deltas: Counter = Counter()
    for unit_id, unit_values in values.items():
        row, new = current[unit_id], unit_values.get("status")
        if new is not None and new != row["status"]:
            for area_id in queries.path_ids(row["area_path"]):
                deltas[(area_id, day, row["status"])] -= 1
                deltas[(area_id, day, new)] += 1
    return deltas


def _bump_revisions(conn: Connection, building_ids: set[int]) -> None:
    """Tell watchers of these buildings that something changed."""
    for chunk in _chunks(list(building_ids)):
        conn.execute(update(Building).where(Building.id.in_(chunk)).values(revision=Building.revision + 1))


def recount(conn: Connection) -> None:
    """Rebuild the per-building counts and the area rollups from the units (after bulk loads, and to check them)."""
    conn.execute(delete(BuildingStatusCount))
    grouped = select(Unit.building_id, Unit.status, func.count()).group_by(Unit.building_id, Unit.status)
    conn.execute(insert(BuildingStatusCount).from_select(["building_id", "status", "count"], grouped))
    conn.execute(delete(AreaCount))
    rows = [{"area_id": a, "status": s, "use": u, "units": n, "people": p} for (a, s, u), (n, p) in area_totals(conn).items()]
    if rows:
        conn.execute(insert(AreaCount), rows)
    conn.execute(delete(AreaDailyDelta))
    daily = [{"area_id": a, "day": d, "status": s, "delta": n} for (a, d, s), n in daily_totals(conn).items() if n]
    for start in range(0, len(daily), 50_000):
        conn.execute(insert(AreaDailyDelta), daily[start:start + 50_000])


def daily_totals(conn: Connection) -> Counter:
    """Net change of units per (area, day, status) over each area's subtree, recounted from the change history."""
    paths = dict(conn.execute(select(Area.id, Area.path)).all())
    day = func.date(UnitChange.changed_at) if conn.dialect.name == "sqlite" else func.date_trunc("day", UnitChange.changed_at)
    totals: Counter = Counter()
    for column, sign in ((UnitChange.status_after, 1), (UnitChange.status_before, -1)):
        grouped = conn.execute(
            select(Building.area_id, day, column, func.count()).join(Building, Building.id == UnitChange.building_id)
            .where(column.is_not(None), UnitChange.status_before.is_distinct_from(UnitChange.status_after))
            .group_by(Building.area_id, day, column))
        for area_id, when, status, count in grouped:
            day_value = when if isinstance(when, dt.date) and not isinstance(when, dt.datetime) else _as_date(when)
            for ancestor in queries.path_ids(paths[area_id]):
                totals[(ancestor, day_value, status)] += sign * count
    return totals


def _as_date(value) -> dt.date:
    """A date from what the database's day function returned (text on SQLite, a timestamp on PostgreSQL)."""
    return value.date() if isinstance(value, dt.datetime) else dt.date.fromisoformat(str(value)[:10])


def area_totals(conn: Connection) -> dict[tuple, tuple[int, int]]:
    """Units and people per (area, status, use) over each area's subtree, recounted from the units."""
    paths = dict(conn.execute(select(Area.id, Area.path)).all())
    leaves = conn.execute(select(Building.area_id, Unit.status, Unit.use, func.count(), func.sum(Unit.head_count))
                          .join(Building, Building.id == Unit.building_id).group_by(Building.area_id, Unit.status, Unit.use))
    totals: dict[tuple, list[int]] = {}
    for area_id, status, use, units, people in leaves:
        for ancestor in queries.path_ids(paths[area_id]):
            total = totals.setdefault((ancestor, status, use), [0, 0])
            total[0], total[1] = total[0] + units, total[1] + int(people or 0)
    return {key: (units, people) for key, (units, people) in totals.items()}
