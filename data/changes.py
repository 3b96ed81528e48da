"""The one way to change units: a change row, the unit, its version and the building counts, in one transaction."""
from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from dataclasses import dataclass, field, replace

from sqlalchemy import Connection, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from data import queries, vocabulary
from data.access import authorize
from data.accounts import Account
from data.days import DEFAULT_TIMEZONE, local_day, local_day_sql
from data.models import Area, AreaCount, AreaDailyDelta, Building, BuildingStatusCount, Unit, UnitChange
from data.quarantine import NotEnded, expiring_codes, has_ended
from data.validation import DATE_FIELDS, EDIT_FIELDS, Catalogues, InvalidEdit, check, typed

SOURCES = tuple(vocabulary.SOURCES)
# Ids per IN (...) list: PostgreSQL takes at most 65,535 bound parameters a statement, some SQLite builds 32,766.
IDS_PER_QUERY = 10_000


class StaleEdit(Exception):
    """Fields that colleagues changed after the version an editor saw and the editor set otherwise: `conflicts` by unit
    and field holds the original, their and your value; `later` lists the changes since, `current` the versions now,
    `yours` every value each editor set."""

    def __init__(self, unit_ids: list[int], later: list[dict], current: dict[int, int] | None = None,
                 conflicts: dict[int, dict[str, dict]] | None = None, yours: dict[int, dict] | None = None):
        super().__init__(f"units changed since you loaded them: {unit_ids}")
        self.unit_ids, self.later, self.current = unit_ids, later, current or {}
        self.conflicts, self.yours = conflicts or {}, yours or {}


class UnknownUnit(LookupError):
    """An edit names a unit that does not exist."""


class NotAllowed(PermissionError):
    """The actor may not edit some of the units."""

    def __init__(self, unit_ids: list[int]):
        super().__init__(f"not allowed to edit units {unit_ids}")
        self.unit_ids = unit_ids


class UnknownBatch(LookupError):
    """An undo names a batch that does not exist."""


class UndoRefused(Exception):
    """A batch cannot be undone: units changed after it (`later`), or its earlier values no longer validate."""

    def __init__(self, later: list[dict], invalid: InvalidEdit | None = None):
        reason = f"the earlier values are no longer valid: {invalid}" if invalid else None
        super().__init__(reason or f"changed after this batch: {[change['label'] for change in later]}")
        self.later, self.invalid = later, invalid


@dataclass(frozen=True)
class UnitEdit:
    """New values for some fields of one unit, and the version the editor saw (None: do not check). A whole form
    sets only the fields whose value differs from the version the editor saw; other edits set every field they name."""

    unit_id: int
    values: dict = field(default_factory=dict)
    seen_version: int | None = None
    whole_form: bool = False


@dataclass(frozen=True)
class ChangeContext:
    """Who changes, from where, and under which batch and request."""

    actor: Account
    source: str = "manual"
    batch_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    request_id: str | None = None
    comment: str | None = None
    at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC).replace(tzinfo=None))
    timezone: str = DEFAULT_TIMEZONE
    # A person's save, bulk edit or confirmation verifies the units it names; an undo does not.
    verifies: bool = True

    @property
    def today(self) -> dt.date:
        """The local day of the change: a quarantine cannot start after it, and its daily deltas count on it."""
        return local_day(self.at, self.timezone)


def apply_edits(
    conn: Connection, edits: list[UnitEdit], ctx: ChangeContext, building_id: int | None = None
) -> list[int]:
    """Authorise (and, given a building, refuse units of any other), merge with colleagues' changes since each editor's
    version, validate, then write every edit or none; returns the ids of the units that changed."""
    if ctx.source not in SOURCES:
        raise ValueError(f"unknown change source {ctx.source!r}")
    unit_ids = [edit.unit_id for edit in edits]
    if len(set(unit_ids)) != len(unit_ids):
        raise ValueError("a batch may change each unit once")
    current = _lock_units(conn, unit_ids)
    _check_allowed(ctx.actor, current, building_id)
    catalogues, (bases, later) = queries.catalogues(conn), _bases(conn, edits, current)
    intents, errors = _intents(edits, bases, catalogues)
    _check_conflicts(intents, bases, current, later)
    values = _check_all(current, intents, errors, catalogues, ctx.today)
    diffs = {edit.unit_id: _diff(current[edit.unit_id], values[edit.unit_id]) for edit in edits}
    changed = [unit_id for unit_id, (_before, after) in diffs.items() if after]
    _write_changes(conn, current, {unit_id: diffs[unit_id] for unit_id in changed}, ctx)
    if ctx.verifies:
        _record_verification(conn, unit_ids, ctx)
    add_counts(conn, BuildingStatusCount, ("building_id", "status"), ("count",), _status_deltas(values, current))
    add_counts(
        conn, AreaCount, ("area_id", "status", "use"), ("units", "residents", "staff"), _area_deltas(values, current)
    )
    add_counts(
        conn, AreaDailyDelta, ("area_id", "day", "status"), ("delta",), _daily_deltas(values, current, ctx.today)
    )
    _bump_revisions(conn, {current[unit_id]["building_id"] for unit_id in changed})
    return changed


def undo_batch(conn: Connection, batch_id: str, ctx: ChangeContext, building_id: int | None = None) -> list[int]:
    """Revert every unit of a batch, as one new batch: units it created are retired, the others get their earlier
    values back; refused when the actor may not edit them (or, given a building, the batch changed another) and when
    any of them changed since. Returns the units changed or retired."""
    changes = [
        dict(row._mapping) for row in conn.execute(select(UnitChange.__table__).where(UnitChange.batch_id == batch_id))
    ]
    if not changes:
        raise UnknownBatch(batch_id)
    current = _lock_units(conn, [change["unit_id"] for change in changes])
    _check_allowed(ctx.actor, current, building_id)
    later = _changes_since(conn, {change["unit_id"]: change["unit_version"] for change in changes})
    if later:
        raise UndoRefused(later)
    created = [current[change["unit_id"]] for change in changes if change["status_before"] is None]
    edits = [
        UnitEdit(change["unit_id"], _editable(change["data_before"]), seen_version=change["unit_version"])
        for change in changes if change["status_before"] is not None
    ]
    retire_units(conn, ctx, created)
    _bump_revisions(conn, {unit["building_id"] for unit in created})
    try:
        return [unit["id"] for unit in created] + apply_edits(conn, edits, replace(ctx, verifies=False))
    except StaleEdit as stale:
        raise UndoRefused(stale.later) from None
    except InvalidEdit as invalid:
        raise UndoRefused([], invalid) from None


def confirm_ended(conn: Connection, unit_id: int, version: int, building_id: int, ctx: ChangeContext) -> dict:
    """Set the status that follows an ended quarantine on a unit of this building, at the version the list showed;
    returns the unit as it was. NotAllowed, StaleEdit or NotEnded when it cannot be confirmed."""
    unit, building = queries.unit(conn, unit_id), queries.building(conn, building_id)
    if unit is None or unit["building_id"] != building_id or not authorize(ctx.actor, "edit", building):
        raise NotAllowed([unit_id])
    statuses = queries.statuses(conn)
    if not has_ended(unit, expiring_codes(statuses), ctx.today):
        if unit["version"] != version:
            raise StaleEdit([unit_id], [])
        raise NotEnded(unit["label"])
    follows = {status["code"]: status for status in statuses}[unit["status"]]["expires_to"]
    apply_edits(conn, [UnitEdit(unit_id, {"status": follows}, version)], ctx)
    return unit


def _editable(values: dict) -> dict:
    """The fields of a change row that an edit can set (history may hold fields that no longer exist)."""
    return {name: value for name, value in values.items() if name in EDIT_FIELDS}


def _chunks(ids: list[int]) -> list[list[int]]:
    """Sorted ids in slices small enough for one IN (...) list each."""
    ordered = sorted(ids)
    return [ordered[start:start + IDS_PER_QUERY] for start in range(0, len(ordered), IDS_PER_QUERY)]


def _lock_units(conn: Connection, unit_ids: list[int]) -> dict[int, dict]:
    """Current rows of the units with their area path, locked for update where the database can."""
    query = (select(Unit.__table__, Area.path.label("area_path")).join(Building, Building.id == Unit.building_id)
             .join(Area, Area.id == Building.area_id).where(Unit.retired_at.is_(None))
             .with_for_update(of=Unit.__table__))
    rows = {
        row.id: dict(row._mapping)
        for chunk in _chunks(unit_ids)
        for row in conn.execute(query.where(Unit.id.in_(chunk)))
    }
    missing = sorted(set(unit_ids) - rows.keys())
    if missing:
        raise UnknownUnit(f"no such unit: {missing}")
    return rows


def _check_allowed(actor: Account, current: dict[int, dict], building_id: int | None = None) -> None:
    """Refuse the whole batch when the actor may not edit any of its units, or one lies outside the given building."""
    refused = sorted(unit_id for unit_id, row in current.items()
                     if not authorize(actor, "edit", row) or building_id not in (None, row["building_id"]))
    if refused:
        raise NotAllowed(refused)


def _bases(conn: Connection, edits: list[UnitEdit], current: dict[int, dict]) -> tuple[dict[int, dict], list[dict]]:
    """Each unit's fields as its editor saw them (its row now, with colleagues' later changes taken back), and those
    later changes, oldest first; a version the unit never had is refused."""
    seen = {
        e.unit_id: e.seen_version
        for e in edits
        if e.seen_version is not None and current[e.unit_id]["version"] != e.seen_version
    }
    unknown = sorted(unit_id for unit_id, version in seen.items() if version > current[unit_id]["version"])
    if unknown:
        raise StaleEdit(unknown, [], {unit_id: current[unit_id]["version"] for unit_id in unknown})
    later = _changes_since(conn, seen) if seen else []
    bases = {unit_id: {name: row[name] for name in EDIT_FIELDS} for unit_id, row in current.items()}
    for change in reversed(later):
        bases[change["unit_id"]].update(_stored(_editable(change["data_before"])))
    return bases, later


def _changes_since(conn: Connection, seen: dict[int, int]) -> list[dict]:
    """queries.changes_since over any number of units, oldest first."""
    later = [
        change for chunk in _chunks(list(seen)) for change in queries.changes_since(conn, {u: seen[u] for u in chunk})
    ]
    return sorted(later, key=lambda change: (change["changed_at"], change["id"]))


def _stored(values: dict) -> dict:
    """Values of a change row as the unit stores them (dates from ISO text)."""
    return {k: dt.date.fromisoformat(v) if k in DATE_FIELDS and isinstance(v, str) else v for k, v in values.items()}


def _intents(
    edits: list[UnitEdit], bases: dict[int, dict], catalogues: Catalogues
) -> tuple[dict[int, dict], dict[int, dict]]:
    """The typed values each edit sets, and the errors of values that are wrong on their own, by unit."""
    intents, errors = {}, {}
    for edit in edits:
        raw = edit.values
        if edit.whole_form:
            raw = {name: value for name, value in raw.items() if not _same_value(value, bases[edit.unit_id].get(name))}
        intents[edit.unit_id], problems = typed(raw, catalogues)
        if problems:
            errors[edit.unit_id] = problems
    return intents, errors


def _same_value(raw, stored) -> bool:
    """Whether a form's value is the stored value as the form shows it (a date as ISO text, a number as text)."""
    if raw in (None, "") or stored in (None, ""):
        return raw in (None, "") and stored in (None, "")
    if isinstance(stored, dt.date):
        return raw == stored or raw == stored.isoformat()
    return raw == stored or (isinstance(stored, int) and not isinstance(raw, bool) and str(raw).strip() == str(stored))


def _check_conflicts(
    intents: dict[int, dict], bases: dict[int, dict], current: dict[int, dict], later: list[dict]
) -> None:
    """Refuse the whole batch when an edit sets a field that a colleague changed since its editor's version to
    something else, naming the original, their and your value of each such field."""
    conflicts = {}
    for unit_id, values in intents.items():
        base, now = bases[unit_id], current[unit_id]
        fields = {name: {"original": base[name], "theirs": now[name], "yours": value}
                  for name, value in values.items() if base[name] != now[name] and value != now[name]}
        if fields:
            conflicts[unit_id] = fields
    if conflicts:
        raise StaleEdit(sorted(conflicts), [c for c in later if c["unit_id"] in conflicts],
                        {unit_id: current[unit_id]["version"] for unit_id in conflicts}, conflicts,
                        {unit_id: intents[unit_id] for unit_id in conflicts})


def _check_all(current: dict[int, dict], intents: dict[int, dict], errors: dict[int, dict], catalogues: Catalogues,
               today: dt.date) -> dict[int, dict]:
    """The values to write for every unit, or InvalidEdit with every error of every unit."""
    values = {}
    for unit_id, unit_values in intents.items():
        values[unit_id], problems = check(current[unit_id], unit_values, catalogues, today)
        if problems or unit_id in errors:
            errors[unit_id] = {**problems, **errors.get(unit_id, {})}
    if errors:
        raise InvalidEdit(errors, intents, {unit_id: current[unit_id]["label"] for unit_id in errors})
    return values


def _record_verification(conn: Connection, unit_ids: list[int], ctx: ChangeContext) -> None:
    """A person (or an import, or a rule) confirmed these units now: who, when and how."""
    for chunk in _chunks(unit_ids):
        conn.execute(update(Unit).where(Unit.id.in_(chunk))
                     .values(verified_at=ctx.at, verified_by=ctx.actor.username, verified_source=ctx.source))


def _diff(row: dict, values: dict) -> tuple[dict, dict]:
    """The before and after values of the fields an edit really changes."""
    after = {name: value for name, value in values.items() if row[name] != value}
    return {name: row[name] for name in after}, after


def _write_changes(
    conn: Connection, current: dict[int, dict], diffs: dict[int, tuple[dict, dict]], ctx: ChangeContext
) -> None:
    """Insert the change rows, in edit order, and update the units, bumping their versions (one executemany each)."""
    if not diffs:
        return
    conn.execute(
        insert(UnitChange),
        [_change_row(current[unit_id], before, after, ctx) for unit_id, (before, after) in diffs.items()],
    )
    for columns, params in _unit_updates(diffs, ctx.at).items():
        conn.execute(_unit_update(columns), params)


def _change_row(row: dict, before: dict, after: dict, ctx: ChangeContext) -> dict:
    """The history row of one unit's change."""
    return {
        "unit_id": row["id"],
        "building_id": row["building_id"],
        "changed_at": ctx.at,
        "actor": ctx.actor.username,
        "source": ctx.source,
        "batch_id": ctx.batch_id,
        "request_id": ctx.request_id,
        "status_before": row["status"],
        "status_after": after.get("status", row["status"]),
        "unit_version": row["version"] + 1,
        "comment": ctx.comment,
        "data_before": _jsonable(before),
        "data_after": _jsonable(after),
    }


def _unit_updates(diffs: dict[int, tuple[dict, dict]], at: dt.datetime) -> dict[tuple[str, ...], list[dict]]:
    """Parameters of the unit updates, grouped by the columns they set (a new status also sets its time)."""
    groups: dict[tuple[str, ...], list[dict]] = {}
    for unit_id, (_before, after) in diffs.items():
        values = {**after, "status_since": at} if "status" in after else after
        groups.setdefault(tuple(sorted(values)), []).append(
            {"unit_id": unit_id, **{f"new_{k}": v for k, v in values.items()}}
        )
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


def status_change(unit_id: int, building_id: int, before: str | None, after: str | None, version: int,
                  ctx: ChangeContext) -> dict:
    """A history row moving a unit between statuses outside an edit: None before it existed (the first row, as the
    demo and the ledger import start one) and None after it was retired."""
    return {"unit_id": unit_id, "building_id": building_id, "changed_at": ctx.at, "actor": ctx.actor.username,
            "source": ctx.source, "batch_id": ctx.batch_id, "request_id": ctx.request_id, "status_before": before,
            "status_after": after, "unit_version": version, "comment": ctx.comment,
            "data_before": {} if before is None else {"status": before}, "data_after": {"status": after}}


def count_units(conn: Connection, units: list[dict], ctx: ChangeContext, sign: int = 1) -> None:
    """Add (sign 1) or take away (-1) units, each with its area_path, from their buildings' counts, their areas'
    rollups and today's deltas (incremental: exact, since each unit counts under its own status and use, and cheap
    where a ledger creates many buildings)."""
    buildings, kinds, areas, days, today = Counter(), {}, {}, Counter(), ctx.today
    for unit in units:
        buildings[(unit["building_id"], unit["status"])] += sign
        kind = kinds.setdefault((unit["area_path"], unit["status"], unit["use"]), [0, 0, 0])
        for i, amount in enumerate((1, unit["residents"], unit["staff"])):
            kind[i] += sign * amount
    for (path, status, use), amounts in kinds.items():
        for area_id in queries.path_ids(path):
            total = areas.setdefault((area_id, status, use), [0, 0, 0])
            areas[(area_id, status, use)] = [a + b for a, b in zip(total, amounts, strict=True)]
            days[(area_id, today, status)] += amounts[0]
    add_counts(conn, BuildingStatusCount, ("building_id", "status"), ("count",), buildings)
    add_counts(conn, AreaCount, ("area_id", "status", "use"), ("units", "residents", "staff"), areas)
    add_counts(conn, AreaDailyDelta, ("area_id", "day", "status"), ("delta",), days)


def retire_units(conn: Connection, ctx: ChangeContext, units: list[dict]) -> None:
    """Mark units retired, end each one's history with its status leaving (status_after None), uncount them."""
    if not units:
        return
    for chunk in _chunks([unit["id"] for unit in units]):
        # A floor's positions are unique, retired units included: a retired unit leaves its column for a place of
        # its own, out of the grid (the structure record keeps where it was).
        conn.execute(update(Unit).where(Unit.id.in_(chunk))
                     .values(retired_at=ctx.at, version=Unit.version + 1, position=-Unit.id))
    conn.execute(insert(UnitChange), [
        status_change(unit["id"], unit["building_id"], unit["status"], None, unit["version"] + 1, ctx)
        for unit in units])
    count_units(conn, units, ctx, -1)


def add_counts(conn: Connection, model, keys: tuple[str, ...], counters: tuple[str, ...], deltas: dict) -> None:
    """Add deltas to a maintained counts table, creating missing rows (one executemany upsert, in key order)."""
    rows = []
    for key, amounts in sorted(deltas.items()):
        amounts = tuple(amounts) if isinstance(amounts, (tuple, list)) else (amounts,)
        if any(amounts):
            rows.append({**dict(zip(keys, key, strict=True)), **dict(zip(counters, amounts, strict=True))})
    if rows:
        stmt = (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(model)
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=list(keys),
                set_={name: getattr(model, name) + getattr(stmt.excluded, name) for name in counters},
            ),
            rows,
        )


def _area_deltas(values: dict[int, dict], current: dict[int, dict]) -> dict[tuple, list[int]]:
    """Net change of units, residents and staff per (ancestor area, status, use) caused by the edits."""
    deltas: dict[tuple, list[int]] = {}
    for unit_id, unit_values in values.items():
        row = current[unit_id]
        after = {name: unit_values.get(name, row[name]) for name in ("status", "use", "residents", "staff")}
        if all(after[name] == row[name] for name in after):
            continue
        for area_id in queries.path_ids(row["area_path"]):
            for key, sign, counted in (((area_id, row["status"], row["use"]), -1, row),
                                       ((area_id, after["status"], after["use"]), 1, after)):
                total = deltas.setdefault(key, [0, 0, 0])
                for i, amount in enumerate((1, counted["residents"], counted["staff"])):
                    total[i] += sign * amount
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


def recount(conn: Connection, timezone: str = DEFAULT_TIMEZONE) -> None:
    """Rebuild the per-building counts and the area rollups from the units, and the daily deltas from the history in
    the local days of a time zone (after bulk loads, and to check them)."""
    conn.execute(delete(BuildingStatusCount))
    grouped = (select(Unit.building_id, Unit.status, func.count()).where(Unit.retired_at.is_(None))
               .group_by(Unit.building_id, Unit.status))
    conn.execute(insert(BuildingStatusCount).from_select(["building_id", "status", "count"], grouped))
    conn.execute(delete(AreaCount))
    rows = [{"area_id": a, "status": s, "use": u, "units": n, "residents": r, "staff": f}
            for (a, s, u), (n, r, f) in area_totals(conn).items()]
    if rows:
        conn.execute(insert(AreaCount), rows)
    conn.execute(delete(AreaDailyDelta))
    totals = daily_totals(conn, timezone)
    daily = [{"area_id": a, "day": d, "status": s, "delta": n} for (a, d, s), n in totals.items() if n]
    for start in range(0, len(daily), 50_000):
        conn.execute(insert(AreaDailyDelta), daily[start:start + 50_000])


def daily_totals(conn: Connection, timezone: str = DEFAULT_TIMEZONE) -> Counter:
    """Net change of units per (area, local day, status) over each area's subtree, recounted from the change
    history."""
    paths = dict(conn.execute(select(Area.id, Area.path)).all())
    day = local_day_sql(conn, UnitChange.changed_at, timezone)
    totals: Counter = Counter()
    for column, sign in ((UnitChange.status_after, 1), (UnitChange.status_before, -1)):
        grouped = conn.execute(
            select(Building.area_id, day, column, func.count()).join(Building, Building.id == UnitChange.building_id)
            .where(column.is_not(None), UnitChange.status_before.is_distinct_from(UnitChange.status_after))
            .group_by(Building.area_id, day, column))
        for area_id, day_value, status, count in grouped:
            for ancestor in queries.path_ids(paths[area_id]):
                totals[(ancestor, day_value, status)] += sign * count
    return totals


def area_totals(conn: Connection) -> dict[tuple, tuple[int, int, int]]:
    """Units, residents and staff per (area, status, use) over each area's subtree, recounted from the active units."""
    paths = dict(conn.execute(select(Area.id, Area.path)).all())
    leaves = conn.execute(
        select(Building.area_id, Unit.status, Unit.use, func.count(), func.sum(Unit.residents), func.sum(Unit.staff))
        .join(Building, Building.id == Unit.building_id).where(Unit.retired_at.is_(None))
        .group_by(Building.area_id, Unit.status, Unit.use)
    )
    totals: dict[tuple, list[int]] = {}
    for area_id, status, use, units, residents, staff in leaves:
        for ancestor in queries.path_ids(paths[area_id]):
            total = totals.setdefault((ancestor, status, use), [0, 0, 0])
            for i, amount in enumerate((units, residents, staff)):
                total[i] += int(amount or 0)
    return {key: tuple(total) for key, total in totals.items()}
