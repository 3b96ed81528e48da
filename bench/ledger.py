"""Ledger import at scale: `python -m bench.ledger [--units N] [--rows N] [--postgresql]`.

Builds the demo (default 200,000 units) on a temporary SQLite file, or with --postgresql on a throwaway cluster, writes
a CSV ledger of existing units (default 100,000, spread evenly over all of them, each with a new status that applies to
its use, a note and the version it was made from) and prints the seconds that reading and importing it take in one
write transaction, as the system account. A measurement, not a test.
"""
from __future__ import annotations

import argparse
import csv
import tempfile
import time
from pathlib import Path

from sqlalchemy import Connection, Engine, select

from data.accounts import SYSTEM
from data.changes import ChangeContext
from data.db import make_engine, upgrade, writing
from data.demo import create_demo
from data.ledger import import_ledger, read_ledger
from data.models import Building, Entrance, Unit
from scripts.pgcluster import PostgresCluster, postgres_bindir

# What a door knock finds at an unverified unit, by its use; every other unit goes back to unverified.
FOUND = {"home": "healthy", "firm": "reopened", "mixed": "healthy"}
COLUMNS = ("building", "entrance", "unit", "status", "note", "version")


def write_ledger(conn: Connection, path: Path, rows: int) -> Path:
    """A CSV ledger of `rows` existing units picked evenly by id, each with a status valid for its use."""
    units = conn.execute(select(Building.name, Entrance.name, Unit.label, Unit.use, Unit.status, Unit.version)
                         .join(Building, Building.id == Unit.building_id).join(Entrance, Entrance.id == Unit.entrance_id)
                         .order_by(Unit.id)).all()
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


def measure(url: str, units: int, rows: int, folder: Path) -> dict:
    """Build the demo on one database, then time one ledger import."""
    engine = make_engine(url)
    upgrade(engine)
    started = time.perf_counter()
    made = create_demo(engine, units=units)
    figures = {"units": made.units, "demo_s": round(time.perf_counter() - started, 1), "rows": rows,
               "import_s": import_seconds(engine, rows, folder)}
    engine.dispose()
    return figures


def main() -> None:
    """Measure on SQLite, or on a throwaway PostgreSQL cluster, and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=200_000, help="size of the demo (default 200,000 units)")
    parser.add_argument("--rows", type=int, default=100_000, help="rows of the ledger (default 100,000)")
    parser.add_argument("--postgresql", action="store_true", help="measure on a throwaway PostgreSQL cluster, not SQLite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        if not args.postgresql:
            url = f"sqlite:///{folder / 'bench.db'}"
            print(f"sqlite: {measure(url, args.units, args.rows, folder)}")
            return
        cluster = PostgresCluster(postgres_bindir())
        cluster.start()
        try:
            print(f"postgresql: {measure(cluster.new_database(), args.units, args.rows, folder)}")
        finally:
            cluster.stop()


if __name__ == "__main__":
    main()
