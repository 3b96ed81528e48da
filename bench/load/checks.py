"""The database after the load against what was acknowledged, and the goals each run is held to."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select

from dashboard import ids
from data.db import make_engine
from data.models import Unit, UnitChange

GOAL_P95_MS = 300
WRONG_SHOWN = 10


@dataclass(frozen=True)
class Snapshot:
    """The building as the database holds it: each unit's version and editable fields, and its history rows."""

    versions: dict[int, int]
    values: dict[int, dict]
    history_rows: int


def snapshot(url: str, building_id: int) -> Snapshot:
    """The building's units and history rows, read directly from the database."""
    engine = make_engine(url)
    columns = [getattr(Unit, name) for name in ids.EDIT_FIELDS]
    with engine.connect() as conn:
        units = conn.execute(select(Unit.id, Unit.version, *columns).where(Unit.building_id == building_id)).all()
        rows = conn.execute(select(func.count()).select_from(UnitChange)
                            .where(UnitChange.building_id == building_id)).scalar_one()
    engine.dispose()
    return Snapshot({unit.id: unit.version for unit in units},
                    {unit.id: {name: getattr(unit, name) for name in ids.EDIT_FIELDS} for unit in units}, rows)


def lost_updates(before: Snapshot, after: Snapshot, saves: Counter, acked: dict[tuple[int, str], object]) -> dict:
    """What the database lost or added: field values other than the last acknowledged (or, never saved, the one
    before), versions other than the version before plus the unit's saves, and the history rows added."""
    wrong = wrong_values(before.values, after.values, acked)
    return {"fields_saved": len(acked), "lost_values": len(wrong),
            "wrong_values": dict(list(wrong.items())[:WRONG_SHOWN]),
            "version_mismatches": wrong_versions(before.versions, after.versions, saves),
            "history_rows_added": after.history_rows - before.history_rows}


def wrong_values(before: dict[int, dict], after: dict[int, dict], acked: dict[tuple[int, str], object]) -> dict:
    """Each unit field whose value is not the last acknowledged for it, or, when none was, not its value before."""
    return {f"{unit}.{name}": {"expected": acked.get((unit, name), before[unit][name]), "found": found}
            for unit, fields in after.items() for name, found in fields.items()
            if found != acked.get((unit, name), before[unit][name])}


def wrong_versions(before: dict[int, int], after: dict[int, int], saves: Counter) -> dict:
    """Units whose final version is not their version before plus the saves acknowledged for them."""
    return {str(unit): {"expected": before[unit] + saves[unit], "found": found}
            for unit, found in after.items() if found != before[unit] + saves[unit]}


def goals(result: dict) -> dict:
    """Each goal: met or missed."""
    errors = (sum(row["errors"] for row in result["kinds"].values()) + sum(result["server_log"].values())
              + result["driver_faults"])
    p95 = result["all"]["p95_ms"]
    return {"no errors": errors == 0, "no conflicts": result["all"]["conflicts"] == 0,
            "no lost updates": lost(result) == 0 and result["history_rows_added"] == result["saves"],
            f"p95 < {GOAL_P95_MS} ms": p95 is not None and p95 < GOAL_P95_MS}


def lost(result: dict) -> int:
    """Unit fields and versions that do not show the acknowledged saves."""
    return result["lost_values"] + len(result["version_mismatches"])


def limit_reached(level: dict) -> bool:
    """True when a ramp level misses a goal: p95 too slow, errors, conflicts, lost updates, or a locked database."""
    return not all(level["goals"].values())
