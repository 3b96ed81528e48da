"""The one way to change units: a change row, the unit, its version and the building counts, in one transaction."""
from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from data.models import Building, BuildingStatusCount, Unit, UnitChange

EDITABLE_FIELDS = (
    "status", "use", "occupant_name", "head_count", "contact_phone",
    "quarantine_start", "quarantine_end", "note",
)
SOURCES = ("manual", "import", "rule")


class StaleEdit(Exception):
    """A unit changed after the version the editor saw."""

    def __init__(self, unit_ids: list[int]):
        super().__init__(f"units changed since you loaded them: {unit_ids}")
        self.unit_ids = unit_ids


class UnknownUnit(LookupError):
    """An edit names a unit that does not exist."""


@dataclass(frozen=True)
class UnitEdit:
    """New values for some fields of one unit, and the version the editor saw (None: do not check)."""

    unit_id: int
    values: dict = field(default_factory=dict)
    seen_version: int | None = None


@dataclass(frozen=True)
class ChangeContext:
    """Who changes, from where, and under which batch and request."""

    actor: str
    source: str = "manual"
    batch_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    request_id: str | None = None
    at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC).replace(tzinfo=None))


def apply_edits(conn: Connection, edits: list[UnitEdit], ctx: ChangeContext) -> list[int]:
    """Apply edits all or nothing; returns the ids of the units that changed."""
    if ctx.source not in SOURCES:
        raise ValueError(f"unknown change source {ctx.source!r}")
    unit_ids = [edit.unit_id for edit in edits]
    if len(set(unit_ids)) != len(unit_ids):
        raise ValueError("a batch may change each unit once")
    current = _lock_units(conn, unit_ids)
    _check_versions(edits, current)
    changed = []
    for edit in edits:
        before, after = _diff(current[edit.unit_id], edit.values)
        if after:
            _write_change(conn, current[edit.unit_id], before, after, ctx)
            changed.append(edit.unit_id)
    _apply_count_deltas(conn, _status_deltas(edits, current))
    _bump_revisions(conn, {current[unit_id]["building_id"] for unit_id in changed})
    return changed


def _lock_units(conn: Connection, unit_ids: list[int]) -> dict[int, dict]:
    """Current rows of the units, locked for update where the database can."""
    query = select(Unit.__table__).where(Unit.id.in_(unit_ids)).with_for_update()
    rows = {row.id: dict(row._mapping) for row in conn.execute(query)}
    missing = sorted(set(unit_ids) - rows.keys())
    if missing:
        raise UnknownUnit(f"no such unit: {missing}")
    return rows


def _check_versions(edits: list[UnitEdit], current: dict[int, dict]) -> None:
    """Refuse the whole batch when any unit moved past the version its editor saw."""
    stale = [e.unit_id for e in edits if e.seen_version is not None and current[e.unit_id]["version"] != e.seen_version]
    if stale:
        raise StaleEdit(stale)


def _diff(row: dict, values: dict) -> tuple[dict, dict]:
    """The before and after values of the fields an edit really changes."""
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"fields that cannot be edited: {sorted(unknown)}")
    after = {name: value for name, value in values.items() if row[name] != value}
    return {name: row[name] for name in after}, after


def _write_change(conn: Connection, row: dict, before: dict, after: dict, ctx: ChangeContext) -> None:
    """Insert the change row and update the unit, bumping its version."""
    conn.execute(insert(UnitChange), [{
        "unit_id": row["id"], "building_id": row["building_id"], "changed_at": ctx.at,
        "actor": ctx.actor, "source": ctx.source, "batch_id": ctx.batch_id, "request_id": ctx.request_id,
        "status_before": row["status"], "status_after": after.get("status", row["status"]),
        "data_before": _jsonable(before), "data_after": _jsonable(after),
    }])
    since = {"status_since": ctx.at} if "status" in after else {}
    conn.execute(update(Unit).where(Unit.id == row["id"]).values(**after, **since, version=Unit.version + 1))


def _jsonable(values: dict) -> dict:
    """Dates as ISO strings, so that change rows hold plain JSON."""
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in values.items()}


def _status_deltas(edits: list[UnitEdit], current: dict[int, dict]) -> Counter:
    """Net change of each (building, status) count caused by the edits."""
    deltas: Counter = Counter()
    for edit in edits:
        row, new = current[edit.unit_id], edit.values.get("status")
        if new is not None and new != row["status"]:
            deltas[(row["building_id"], row["status"])] -= 1
            deltas[(row["building_id"], new)] += 1
    return deltas


def _apply_count_deltas(conn: Connection, deltas: Counter) -> None:
    """Add the deltas to the maintained per-building counts (upsert)."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    for (building_id, status), delta in sorted(deltas.items()):
        if delta:
            stmt = dialect.insert(BuildingStatusCount).values(building_id=building_id, status=status, count=delta)
            conn.execute(stmt.on_conflict_do_update(
                index_elements=["building_id", "status"],
                set_={"count": BuildingStatusCount.count + delta},
            ))


def _bump_revisions(conn: Connection, building_ids: set[int]) -> None:
    """Tell watchers of these buildings that something changed."""
    if building_ids:
        conn.execute(update(Building).where(Building.id.in_(building_ids)).values(revision=Building.revision + 1))


def recount(conn: Connection) -> None:
    """Rebuild the per-building counts from the units (after bulk loads, and to check the maintained ones)."""
    conn.execute(delete(BuildingStatusCount))
    grouped = select(Unit.building_id, Unit.status, func.count()).group_by(Unit.building_id, Unit.status)
    conn.execute(insert(BuildingStatusCount).from_select(["building_id", "status", "count"], grouped))
