"""The command line of the load test: `python -m bench.load --help`."""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import bench.load
from bench.common import fresh_database
from bench.load.report import public, text
from bench.load.scenario import seed
from bench.load.server import gunicorn
from bench.load.swarm import ramp, single


def parser() -> argparse.ArgumentParser:
    """The command line."""
    command = argparse.ArgumentParser(prog="python -m bench.load", description=bench.load.__doc__.split("\n\n")[0])
    command.add_argument("--backend", choices=("postgresql", "sqlite"), default="postgresql")
    command.add_argument("--seconds", type=float, default=60,
                         help="length of the window, once everyone has signed in (of each level with --ramp)")
    command.add_argument("--think", type=float, nargs=2, default=(0.5, 1.5), metavar=("MIN", "MAX"),
                         help="think time before each request, uniform in seconds (default 0.5 1.5)")
    command.add_argument("--staff", type=int, default=20, help="writers of the mixed load (default 20)")
    command.add_argument("--leaders", type=int, default=20, help="readers of the mixed load (default 20)")
    command.add_argument("--spawn-rate", type=float, default=20, help="users locust starts a second (default 20)")
    command.add_argument("--ramp", type=lambda text: [_positive(n) for n in text.split(",")], metavar="N,N,...",
                         help="staff only, at each of these numbers of writers in turn")
    command.add_argument("--units", type=_positive, metavar="N",
                         help="the staff share N units of the building, spread over it (default: all of its units)")
    command.add_argument("--csv", type=Path, metavar="PREFIX",
                         help="keep locust's CSV files as PREFIX_stats.csv and so on (PREFIX-N_… per ramp level)")
    command.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    return command


def _positive(text: str) -> int:
    """A whole number above 0, from the command line."""
    number = int(text)
    if number < 1:
        raise argparse.ArgumentTypeError(f"{text}: at least 1")
    return number


def main(argv: list[str] | None = None) -> int:
    """Set up the database and the server, run locust, check the database, print the figures."""
    args = parser().parse_args(argv)
    staff, leaders = (max(args.ramp), 0) if args.ramp else (args.staff, args.leaders)
    with tempfile.TemporaryDirectory(prefix="units-load-") as folder, \
            fresh_database(args.backend, Path(folder)) as (url, database_pid):
        if url is None:
            raise SystemExit("no PostgreSQL binaries under /usr/lib/postgresql (apt-get install postgresql)")
        scenario = seed(url, staff, leaders, args.units)
        prefix = args.csv.resolve() if args.csv else Path(folder) / "locust"
        with gunicorn(url, Path(folder) / "gunicorn.log", database_pid) as server:
            result = (ramp if args.ramp else single)(server, scenario, args, prefix)
    print(json.dumps(public(result, args, scenario), default=str) if args.json else text(result, args, scenario))
    return 0 if all(result["goals"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
