"""Command line: `python -m dashboard [run|demo|migrate] ...`."""
from __future__ import annotations

import argparse
import datetime as dt
import sys
import time

from dashboard import create_app
from dashboard.config import load_config, uses_default_database
from dashboard.extensions import engine
from data.db import make_engine, upgrade
from data.demo import clear, create_demo, has_data


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments and run the command."""
    args = parser().parse_args(argv)
    return args.command(args)


def parser() -> argparse.ArgumentParser:
    """The argument parser with one sub-command per task."""
    root = argparse.ArgumentParser(prog="python -m dashboard", description="Building floor-plan status dashboard.")
    _add_run_options(root)
    commands = root.add_subparsers(title="commands", metavar="COMMAND")
    _add_run_options(commands.add_parser("run", help="serve the app (the default command)"))
    demo_cmd = commands.add_parser("demo", help="fill the database with the demo sub-district")
    demo_cmd.add_argument("--units", type=int, help="make at least this many units (e.g. 1000000 for benchmarks)")
    demo_cmd.add_argument("--today", type=dt.date.fromisoformat, help="last day of the demo history (YYYY-MM-DD)")
    demo_cmd.add_argument("--reset", action="store_true", help="delete existing areas, buildings and units first")
    demo_cmd.set_defaults(command=demo)
    migrate_cmd = commands.add_parser("migrate", help="upgrade the database to the latest schema")
    migrate_cmd.set_defaults(command=migrate)
    return root


def _add_run_options(command: argparse.ArgumentParser) -> None:
    """Options of the default command, which serves the app."""
    command.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    command.add_argument("--port", type=int, default=8050, help="port to listen on (default 8050)")
    command.add_argument("--debug", action="store_true", help="Dash debug mode (never in production)")
    command.set_defaults(command=run)


def run(args: argparse.Namespace) -> int:
    """Serve the app; on the embedded default database, fill an empty one with the demo first."""
    app = create_app({"DEBUG": args.debug} if args.debug else None)
    with app.server.app_context():
        if uses_default_database(app.server.config) and not has_data(engine()):
            _print_report(create_demo(engine()), "first start: created the demo sub-district")
    app.run(host=args.host, port=args.port, debug=app.server.config["DEBUG"])
    return 0


def demo(args: argparse.Namespace) -> int:
    """Create the demo data in the configured database."""
    db = make_engine(load_config()["DATABASE_URL"])
    upgrade(db)
    if has_data(db) and not args.reset:
        print("The database already holds buildings; add --reset to replace them.", file=sys.stderr)
        return 1
    if args.reset:
        clear(db)
    started = time.perf_counter()
    report = create_demo(db, units=args.units, today=args.today)
    _print_report(report, f"created in {time.perf_counter() - started:.1f} s")
    return 0


def migrate(_args: argparse.Namespace) -> int:
    """Upgrade the configured database to the latest migration."""
    upgrade(make_engine(load_config()["DATABASE_URL"]))
    print("database is at the latest migration")
    return 0


def _print_report(report, what: str) -> None:
    """One line saying what the demo made."""
    print(f"{what}: {report.areas} areas, {report.buildings} buildings, {report.units} units, {report.changes} changes")


if __name__ == "__main__":
    sys.exit(main())
