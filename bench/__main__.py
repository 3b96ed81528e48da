"""`python -m bench [--json] [--quick]`: the project's figures on SQLite and on a throwaway PostgreSQL cluster.

Each figure is a median of repeated runs at the 2,400-unit building and the 1,000,000-unit scale (100,000 with
--quick). A measurement, not a test: it prints figures and the goals they meet or miss.
"""
from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

from bench.booklet import booklet_figures
from bench.charts import chart_figures
from bench.common import bench_app, fresh_database, seconds, signed_in_client
from bench.datasette import counts_figures
from bench.grid_browser import browser_figures
from bench.leaders import leaders_figures, tower_with_history
from bench.ledger import import_figures
from bench.server import edit_ms, grid_figures
from dashboard.extensions import engine as app_engine
from data.db import make_engine, upgrade
from data.demo import create_demo, first_area

FIGURES = ("grid_bytes_per_cell", "grid_server_ms", "grid_draw_ms", "unit_panel_ms", "summary_counts_ms",
           "summary_groupby_ms", "edit_ms", "import_100k_s", "demo_1m_s")
EXTRA = ("grid_script_ms", "summary_ratio", "trend_90d_ms", "as_of_grid_ms", "city_page_ms", "import_100k_xlsx_s",
         "update_100k_s", "chart_60x40_s", "booklet_33_s")
BACKENDS = ("sqlite", "postgresql")
# The most each figure may be, and on which databases (the issues' goals; the edit's is for the embedded database).
GOALS = {"grid_bytes_per_cell": (20, BACKENDS), "grid_draw_ms": (200, BACKENDS), "unit_panel_ms": (200, BACKENDS),
         "summary_counts_ms": (50, BACKENDS), "edit_ms": (20, ("sqlite",)), "trend_90d_ms": (300, BACKENDS),
         "as_of_grid_ms": (100, BACKENDS), "import_100k_s": (20, ("sqlite",)), "import_100k_xlsx_s": (20, ("sqlite",)),
         "update_100k_s": (20, ("sqlite",)), "chart_60x40_s": (1, BACKENDS),
         "booklet_33_s": (10, BACKENDS)}
# The least Datasette's time may be, as a multiple of the app's, for the same counts of the same file.
DATASETTE_RATIO_GOAL = 10


def main(argv: list[str] | None = None) -> None:
    """Measure on each backend and print a table, or one JSON object with --json."""
    args = _parser().parse_args(argv)
    units = args.units or (100_000 if args.quick else 1_000_000)
    runs = args.runs or (5 if args.quick else 7)
    report = {"units": units, "runs": runs, "notes": []}
    with tempfile.TemporaryDirectory() as folder:
        for backend in BACKENDS:
            if args.backend in (backend, "both"):
                report[backend] = _on_backend(backend, Path(folder), units, runs, args.import_rows, report)
    print(json.dumps(report, indent=1, ensure_ascii=False) if args.json else table(report))


def _parser() -> argparse.ArgumentParser:
    """The command's options."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    parser.add_argument("--quick", action="store_true", help="100,000 units and 5 runs: about 1.5 minutes")
    parser.add_argument("--units", type=int, help="units in the database (default 1,000,000)")
    parser.add_argument("--runs", type=int, help="repeats per median (default 7)")
    parser.add_argument("--import-rows", type=int, default=100_000, help="rows of the ledger import (default 100,000)")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    return parser


def _on_backend(backend: str, folder: Path, units: int, runs: int, import_rows: int, report: dict) -> dict:
    """Every figure of one backend (null with a note for one that cannot be measured here); on SQLite, Datasette too."""
    with fresh_database(backend, folder) as (url, _):
        if url is None:
            report["notes"].append(f"{backend}: no PostgreSQL binaries under /usr/lib/postgresql "
                                   "(apt-get install postgresql)")
            return dict.fromkeys(FIGURES)
        figures, app = measure(url, units, runs, import_rows, folder, report["notes"])
        if backend == "sqlite":
            report.update(_beside_datasette(app, folder / "bench.db", runs, report["notes"]))
        with app.server.app_context():
            app_engine().dispose()
        return figures


def measure(url: str, units: int, runs: int, import_rows: int, folder: Path, notes: list[str]) -> tuple[dict, object]:
    """Build the demo at a scale on one database, add a 60 x 40 tower, and time everything; returns figures and the
    app."""
    db = make_engine(url)
    upgrade(db)
    figures = {"demo_1m_s": seconds(lambda: create_demo(db, units=units))}
    with db.connect() as conn:
        workstation = first_area(conn, "workstation")
    tower = tower_with_history(db, workstation)
    app = bench_app(url)
    client = signed_in_client(app)
    figures.update(grid_figures(client, tower, runs))
    figures.update(leaders_figures(db, app, tower, runs))
    figures["edit_ms"] = edit_ms(db, app, client, tower, runs)
    figures.update(chart_figures(db, tower, runs))
    figures.update(booklet_figures(app, db))
    figures.update(_browser(app, tower, runs, notes))
    figures.update(import_figures(db, import_rows))
    if import_rows != 100_000:
        notes.append(f"import_100k_s, import_100k_xlsx_s and update_100k_s are times of {import_rows:,} rows")
    db.dispose()
    return figures, app


def _browser(app, tower: int, runs: int, notes: list[str]) -> dict:
    """Browser figures, or nulls with a note when there is no chromedriver."""
    if not shutil.which("chromedriver"):
        notes.append("grid_draw_ms, unit_panel_ms: no chromedriver on PATH (apt-get install chromium chromium-driver)")
        return {"grid_draw_ms": None, "grid_script_ms": None, "unit_panel_ms": None}
    return browser_figures(app, tower, runs)


def _beside_datasette(app, database: Path, runs: int, notes: list[str]) -> dict:
    """Datasette and the app answering the same question from the same SQLite file, with the ratio in the notes."""
    figures = counts_figures(app, database, runs)
    ratio = figures["datasette_counts_ms"] / max(figures["app_counts_ms"], 0.01)
    notes.append("the city's units by status over HTTP, same file, same run: "
                 f"Datasette {figures['datasette_counts_ms']} ms, "
                 f"the app {figures['app_counts_ms']} ms (Datasette/app = {ratio:.1f})")
    return {**figures, "datasette_ratio": round(ratio, 1)}


def table(report: dict) -> str:
    """The figures as a plain-text table, each beside its goal and whether each database meets it."""
    backends = [name for name in BACKENDS if name in report]
    header = f"{'figure':22}" + "".join(f"{b:>14}" for b in backends) + "  goal"
    lines = [f"{report['units']:,} units, medians of {report['runs']} runs", header]
    for name in FIGURES + EXTRA:
        values = [report[b].get(name) for b in backends]
        measured = "".join(f"{'-' if v is None else v:>14}" for v in values)
        lines.append(f"{name:22}{measured}" + _goal(name, dict(zip(backends, values, strict=True))))
    for name in ("datasette_counts_ms", "app_counts_ms"):
        if name in report:
            lines.append(f"{name:22}{report[name]:>14}")
    if "datasette_ratio" in report:
        ratio = report["datasette_ratio"]
        verdict = "ok" if ratio >= DATASETTE_RATIO_GOAL else "MISSED"
        lines.append(f"{'datasette_ratio':22}{ratio:>14}  >= {DATASETTE_RATIO_GOAL}: {verdict}")
    return "\n".join(lines + [f"note: {note}" for note in report["notes"]])


def _goal(name: str, values: dict) -> str:
    """A figure's goal and, for each database it binds, whether the figure meets it (nothing for a figure without)."""
    if name not in GOALS:
        return ""
    limit, bound = GOALS[name]
    scope = "" if set(bound) >= set(values) else f" ({', '.join(bound)})"
    return f"  <= {limit}{scope}: " + ", ".join(_verdict(values[b], limit) for b in values if b in bound)


def _verdict(value, goal) -> str:
    """Whether a figure meets its goal (at most the goal)."""
    return "not measured" if value is None else "ok" if value <= goal else "MISSED"


if __name__ == "__main__":
    main()
