"""Ledger import at scale (for `python -m bench`): a CSV ledger of existing units, spread evenly over all of them,
each with a new status that applies to its use, a note and the version it was made from; the seconds that reading and
importing it take in one write transaction, as the system account."""
from __future__ import annotations

import csv
import time
from pathlib import Path

from sqlalchemy import Connection, Engine, select

from data.accounts import SYSTEM
from data.changes import ChangeContext
from data.db import writing
from data.ledger import import_ledger, read_ledger
from data.models import Building, Entrance, Unit

# What a door knock finds at an unverified unit, by its use; every other unit goes back to unverified.
FOUND = {"home": "healthy", "firm": "reopened", "mixed": "healthy"}
COLUMNS = ("building", "entrance", "unit", "status", "note", "version")


def write_ledger(conn: Connection, path: Path, rows: int) -> Path:
    """A CSV ledger of `rows` existing units picked evenly by id, each with a status valid for its use."""
    units = conn.execute(select(Building.name, Entrance.name, Unit.label, Unit.use, Unit.status, Unit.version)
                         .join(Building, Building.id == Unit.building_id)
                         .join(Entrance, Entrance.id == Unit.entrance_id).order_by(Unit.id)).all()
    if rows > len(units):
        raise ValueError(f"the database holds {len(units)} units, fewer than {rows}")
    picked = [units[index * len(units) // rows] for index in range(rows)]
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(COLUMNS)
        writer.writerows((building, entrance, label, _new_status(use, status), "台账核对", version)
                         for building, entrance, label, use, status, version in picked)
    return path


def _new_status(use: str, status: str) -> str:
    """A different status that applies to the use and needs no dates."""
    return FOUND[use] if status == "unverified" else "unverified"


def import_seconds(engine: Engine, rows: int, folder: Path) -> float:
    """Seconds to read and import a ledger of `rows` units in one write transaction (writing the file not included)."""
    with engine.connect() as conn:
        path = write_ledger(conn, Path(folder) / "ledger.csv", rows)
    started = time.perf_counter()
    with writing(engine) as conn:
        report = import_ledger(conn, read_ledger(path), ChangeContext(actor=SYSTEM, source="import", comment="bench"))
    seconds = time.perf_counter() - started
    if report.changed != rows:
        raise RuntimeError(f"the ledger should change {rows} units: {report}")
    return round(seconds, 1)
