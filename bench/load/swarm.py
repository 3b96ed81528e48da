"""One run of locust against the server, in its own process, and the figures of a run: locust's CSV statistics for the
window, the database checked before and after, CPU time, the server log."""
from __future__ import annotations

import argparse
import csv
import json
import math
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

from bench.load.checks import goals, limit_reached, lost_updates, snapshot
from bench.load.driver import ARRIVAL_LIMIT_S, KINDS, TIMEOUT_S
from bench.load.scenario import Scenario, seats
from bench.load.server import ROOT, Server, server_trouble

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
LOG_TAIL = 3000


def plan(server: Server, scenario: Scenario, staff: int, leaders: int, args: argparse.Namespace) -> dict:
    """What the locust process needs: the seats, think time, window length, the building and area, server processes."""
    return {"seats": seats(scenario, staff, leaders), "think": list(args.think), "seconds": args.seconds,
            "building_id": scenario.building_id, "buildings": scenario.buildings,
            "subdistrict_id": scenario.subdistrict_id, "gunicorn_pid": server.pid, "database_pid": server.database_pid}


def locust_command(base: str, users: int, args: argparse.Namespace, prefix: Path) -> list[str]:
    """locust headless on the locustfile: users, spawn rate and a run-time bound (the window closes the run itself,
    once everyone has signed in), its CSV files under a prefix, the plan and result files beside them."""
    return [sys.executable, "-m", "bench.load.locust_main", "-f", str(LOCUSTFILE), "--headless", "--host", base,
            "--users", str(users), "--spawn-rate", f"{args.spawn_rate:g}", "--run-time", f"{run_bound(users, args)}s",
            "--stop-timeout", str(TIMEOUT_S), "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING",
            "--plan", f"{prefix}-plan.json", "--result", f"{prefix}-result.json"]


def run_bound(users: int, args: argparse.Namespace) -> int:
    """Seconds after which locust stops whatever happens: spawning, everyone's sign-in, the window, the last turns."""
    return math.ceil(users / args.spawn_rate + ARRIVAL_LIMIT_S + args.seconds + TIMEOUT_S)


def swarm(server: Server, scenario: Scenario, staff: int, leaders: int, args: argparse.Namespace, prefix: Path) -> dict:
    """Run locust once; returns its result file (window, CPU time, figures before the window, tally) with the window's
    figures per kind from its CSV statistics."""
    details = plan(server, scenario, staff, leaders, args)
    Path(f"{prefix}-plan.json").write_text(json.dumps(details))
    Path(f"{prefix}-result.json").unlink(missing_ok=True)  # a kept prefix may hold an earlier run's
    users = len(details["seats"])
    with Path(f"{prefix}-locust.log").open("wb") as log:
        subprocess.run(locust_command(server.base, users, args, prefix), cwd=ROOT, stdout=log,
                       stderr=subprocess.STDOUT, check=False, timeout=run_bound(users, args) + 60)
    outcome = _result(prefix)
    window = read_stats(Path(f"{prefix}_stats.csv"), Counter(outcome["tally"]["conflicts"]), outcome["window_s"])
    return {**outcome, "kinds": _in_order({**outcome["before"], **window["kinds"]}), "all": window["all"]}


def _result(prefix: Path) -> dict:
    """The locust process's result file; when it has none or its window never closed, stop with the end of its
    output."""
    result = Path(f"{prefix}-result.json")
    outcome = json.loads(result.read_text()) if result.exists() else {}
    if not outcome.get("cpu_s"):
        tail = Path(f"{prefix}-locust.log").read_bytes()[-LOG_TAIL:].decode(errors="replace")
        raise SystemExit(f"locust's window never closed; the end of its output:\n{tail}")
    return outcome


def read_stats(path: Path, conflicts: Counter, seconds: float) -> dict:
    """locust's statistics CSV as report rows: one per request kind made in the window, and its Aggregated row for
    all."""
    with path.open(newline="") as source:
        rows = {row["Name"]: row for row in csv.DictReader(source)}
    total = rows.pop("Aggregated")
    return {"kinds": {name: stats_row(row, conflicts[name], seconds) for name, row in rows.items()
                      if int(row["Request Count"])},
            "all": stats_row(total, sum(conflicts.values()), seconds)}


def stats_row(row: dict, conflicts: int, seconds: float) -> dict:
    """Count, throughput over the window, p50/p95/p99 in ms, errors and conflicts (locust counts both as failures)."""
    count = int(row["Request Count"])
    return {"count": count, "per_s": round(count / seconds, 1) if seconds else None,
            **{f"p{p}_ms": _ms(row[f"{p}%"]) for p in (50, 95, 99)},
            "errors": int(row["Failure Count"]) - conflicts, "conflicts": conflicts}


def _ms(cell: str) -> float | None:
    """A percentile cell of locust's CSV: milliseconds, or None when there were no requests."""
    return None if cell in ("", "N/A") else float(cell)


def _in_order(kinds: dict) -> dict:
    """Rows by request kind in the order of a person's day: sign-in, callback list, then the window's."""
    return {kind: kinds[kind] for kind in (*KINDS, *sorted(set(kinds) - set(KINDS))) if kind in kinds}


def acknowledged(tally: dict) -> tuple[Counter, dict[tuple[int, str], object]]:
    """The saves by unit and the last value acknowledged for each (unit, field), from the tally's JSON."""
    return (Counter({int(unit): count for unit, count in tally["saves"].items()}),
            {(unit, name): value for unit, name, value in tally["acked"]})


def measured(server: Server, scenario: Scenario, staff: int, leaders: int, args: argparse.Namespace,
             prefix: Path) -> dict:
    """One run with the database checked before and after, CPU time used, and the server log's new lines scanned."""
    before = snapshot(scenario.url, scenario.building_id)
    offset, load = server.log.stat().st_size, os.getloadavg()[0]
    run = swarm(server, scenario, staff, leaders, args, prefix)
    after = snapshot(scenario.url, scenario.building_id)
    tally = run["tally"]
    saves, acked = acknowledged(tally)
    return {"seconds": round(run["window_s"], 1), "kinds": run["kinds"], "all": run["all"],
            "saves": sum(saves.values()), "stale_saves": tally["stale"], **lost_updates(before, after, saves, acked),
            "cpu_s": run["cpu_s"], "load_average_before": load, "server_log": server_trouble(server.log, offset),
            "driver_faults": run["faults"], "error_samples": tally["samples"], "csv": f"{prefix}_stats.csv"}


def single(server: Server, scenario: Scenario, args: argparse.Namespace, prefix: Path) -> dict:
    """The mixed load of staff and leaders."""
    result = measured(server, scenario, args.staff, args.leaders, args, prefix)
    result["goals"] = goals(result)
    return result


def ramp(server: Server, scenario: Scenario, args: argparse.Namespace, prefix: Path) -> dict:
    """Staff only, at each number of writers in turn; the first level that misses a goal is where the limit is."""
    levels = []
    for writers in args.ramp:
        level = measured(server, scenario, writers, 0, args, Path(f"{prefix}-{writers}"))
        level.update(writers=writers, goals=goals(level))
        levels.append(level)
    limit = next((level["writers"] for level in levels if limit_reached(level)), None)
    return {"levels": levels, "limit_writers": limit, "goals": {"no limit reached": limit is None}}
