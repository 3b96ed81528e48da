"""Leaders' pages at scale, on SQLite and on a throwaway PostgreSQL cluster: `python -m bench.leaders [--units N]`.

Prints medians (ms) of: area figures from the maintained rollups and a plain GROUP BY over units in the same run
(with the ratio), the 90-day trend, a 60 x 40 grid as of a past day (server time), and the whole area page's server
work for the city. A measurement, not a test.
"""
from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import select, text

from callbacks.area import area_page
from dashboard import create_app
from data import queries, summary
from data.accounts import SYSTEM
from data.changes import ChangeContext, UnitEdit, apply_edits
from data.db import make_engine, upgrade, writing
from data.demo import add_tower, create_demo
from data.models import Building, Unit
from layouts import grid
from scripts.pgcluster import PostgresCluster, postgres_bindir

TARGETS_MS = {"summary_counts_ms": 50, "trend_90d_ms": 300, "as_of_grid_ms": 100}


def median_ms(work, runs: int) -> float:
    """Median wall time of a piece of work, in milliseconds."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 1)


def tower_with_history(engine, area_id: int) -> int:
    """A 60 x 40 tower whose units have a month of history (so that a past day has a grid)."""
    tower = add_tower(engine, area_id, floors=60, width=40, status="unverified")
    with engine.connect() as conn:
        unit_ids = conn.execute(select(Unit.id).where(Unit.building_id == tower)).scalars().all()
    month_ago = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(days=30)
    for status, at in (("vacant", month_ago), ("healthy", None)):
        with writing(engine) as conn:
            context = ChangeContext(actor=SYSTEM, source="import", **({"at": at} if at else {}))
            apply_edits(conn, [UnitEdit(unit_id, {"status": status}) for unit_id in unit_ids], context)
    return tower


def measure(url: str, units: int, runs: int) -> dict:
    """Build the demo at a scale on one database and time the leaders' questions."""
    engine = make_engine(url)
    upgrade(engine)
    started = time.perf_counter()
    create_demo(engine, units=units)
    figures = {"units": units, "demo_s": round(time.perf_counter() - started, 1)}
    with engine.connect() as conn:
        area_id = conn.execute(select(Building.area_id).limit(1)).scalar_one()
    tower = tower_with_history(engine, area_id)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
    today, past = dt.date.today(), dt.date.today() - dt.timedelta(days=10)
    with engine.connect() as conn, app.server.test_request_context():
        statuses, city = queries.statuses(conn), queries.area(conn, 1)
        found = queries.building(conn, tower)
        entrances, floors = queries.building_layout(conn, tower)

        def trend():
            current = summary.by_status(queries.area_rollups(conn, [1])[1])
            start = today - dt.timedelta(days=90)
            days = [start + dt.timedelta(days=n) for n in range(1, 91)]
            summary.counts_by_day(current, queries.area_daily_deltas(conn, [1], start)[1], days)

        def grid_as_of():
            units_then = grid.as_of(queries.building_units(conn, tower), queries.statuses_as_of(conn, tower, past))
            assert len(units_then) == 2_400
            grid.grid_payload(found, statuses, entrances, floors, units_then, today)

        figures["summary_counts_ms"] = median_ms(lambda: summary.kpis(queries.area_rollups(conn, [1])[1], statuses), runs)
        figures["summary_groupby_ms"] = median_ms(
            lambda: conn.execute(text("SELECT status, use, count(*), sum(head_count) FROM units GROUP BY status, use")).all(), runs)
        figures["ratio"] = round(figures["summary_groupby_ms"] / max(figures["summary_counts_ms"], 0.01))
        figures["trend_90d_ms"] = median_ms(trend, runs)
        figures["as_of_grid_ms"] = median_ms(grid_as_of, runs)
        figures["city_page_ms"] = median_ms(lambda: area_page(conn, SYSTEM, city), max(3, runs // 2))
    engine.dispose()
    return figures


def main() -> None:
    """Measure on SQLite and PostgreSQL and print one line per backend."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--units", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        if args.backend in ("sqlite", "both"):
            results["sqlite"] = measure(f"sqlite:///{Path(folder) / 'bench.db'}", args.units, args.runs)
        if args.backend in ("postgresql", "both"):
            cluster = PostgresCluster(postgres_bindir())
            cluster.start()
            try:
                results["postgresql"] = measure(cluster.new_database(), args.units, args.runs)
            finally:
                cluster.stop()
    for backend, figures in results.items():
        verdicts = ", ".join(f"{name} {'ok' if figures[name] < limit else 'MISSED'} (< {limit})" for name, limit in TARGETS_MS.items())
        print(f"{backend}: {figures}")
        print(f"  goals: {verdicts}")


if __name__ == "__main__":
    main()
