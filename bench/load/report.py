"""The figures of a load run as text tables, or as one JSON object."""
from __future__ import annotations

import argparse
import os

from bench.load.checks import limit_reached, lost
from bench.load.scenario import Scenario
from bench.load.server import WORKERS

OTHER_WARN = 10


def render(result: dict, header: str, kept: bool = False) -> str:
    """The run as text: a table of kinds, the database check, the server log, the goals (and where locust's CSV files
    are, when kept)."""
    lines = [header, _row_line("kind", ("count", "req/s", "p50", "p95", "p99", "errors", "conflicts"))]
    rows = {**result["kinds"], "all (window)": result["all"]}
    lines += [_row_line(kind, _cells(row)) for kind, row in rows.items()]
    lines += [f"saves acknowledged {result['saves']} ({result['stale_saves']} at a stale version, merged) on "
              f"{result['fields_saved']} unit fields; lost field values {result['lost_values']}; version mismatches "
              f"{len(result['version_mismatches'])}; history rows added {result['history_rows_added']}",
              "server log: " + ", ".join(f"{name} {count}" for name, count in result["server_log"].items())
              + f"; driver faults {result['driver_faults']}",
              _cpu_line(result)]
    lines += [f"locust's statistics of the window: {result['csv']}"] if kept else []
    lines += [f"error sample: {sample}" for sample in result["error_samples"]]
    lines += [f"wrong value: {name} expected {both['expected']!r}, found {both['found']!r}"
              for name, both in result["wrong_values"].items()]
    return "\n".join(lines + _goal_lines(result["goals"]))


def render_ramp(result: dict, header: str) -> str:
    """One row per level of writers, and the level where the goals are first missed."""
    heads = ("req/s", "saves/s", "stale", "p50", "p95", "p99", "errors", "conflicts", "lost", "locked", "app cpu%",
             "other%", "goals")
    lines = [header, _row_line("writers", heads)]
    lines += [_row_line(str(level["writers"]), _level_cells(level)) for level in result["levels"]]
    limit = result["limit_writers"]
    lines.append(f"goals first missed at {limit} writers" if limit else "every level met the goals")
    return "\n".join(lines)


def _level_cells(level: dict) -> tuple:
    """A ramp level's cells in table order."""
    row = level["all"]
    errors = sum(kind["errors"] for kind in level["kinds"].values())
    return (row["per_s"], round(level["saves"] / level["seconds"], 1) if level["seconds"] else None,
            level["stale_saves"], row["p50_ms"], row["p95_ms"], row["p99_ms"], errors, row["conflicts"], lost(level),
            level["server_log"]["database is locked"], *_cpu_shares(level),
            "MISSED" if limit_reached(level) else "ok")


def _cpu_shares(result: dict) -> tuple[int, int]:
    """Percent of the machine's CPU used by the app (gunicorn and PostgreSQL) and by other work, in the window."""
    cpu, capacity = result["cpu_s"], (os.cpu_count() or 1) * max(result["seconds"], 0.1) / 100
    app = cpu["gunicorn"] + cpu["database"]
    return round(app / capacity), round((cpu["machine"] - app - cpu["driver"]) / capacity)


def _cpu_line(result: dict) -> str:
    """Who used the machine's CPU during the window: other work on a shared machine shows up as 'other'."""
    cpu = result["cpu_s"]
    other = round(cpu["machine"] - cpu["gunicorn"] - cpu["database"] - cpu["driver"], 1)
    line = (f"CPU s in the window: gunicorn workers {cpu['gunicorn']}, PostgreSQL {cpu['database']}, locust "
            f"{cpu['driver']}, other {other}, of {os.cpu_count()} cores x {result['seconds']} s; load average before "
            f"{result['load_average_before']:.1f}")
    share = _cpu_shares(result)[1]
    warning = f"\nWARNING: other work used {share}% of the CPU; latencies include waiting for it"
    return line + (warning if share > OTHER_WARN else "")


def _cells(row: dict) -> tuple:
    """A stats row's cells in table order."""
    return (row["count"], row["per_s"] or "-", row["p50_ms"], row["p95_ms"], row["p99_ms"], row["errors"],
            row["conflicts"])


def _row_line(first: str, cells: tuple) -> str:
    """A table row: a left-aligned name, then right-aligned cells."""
    return f"{first:<14}" + "".join(f"{'-' if cell is None else cell:>10}" for cell in cells)


def _goal_lines(met: dict) -> list[str]:
    """'ok' or 'MISSED' for each goal."""
    return [f"goal {name:<22} {'ok' if ok else 'MISSED'}" for name, ok in met.items()]


def header(args: argparse.Namespace, scenario: Scenario) -> str:
    """What ran: backend, server, users, length, think time and the building."""
    users = f"staff at {args.ramp} writers" if args.ramp else f"{args.staff} staff + {args.leaders} leaders"
    return (f"{args.backend}, gunicorn {WORKERS} sync workers, locust: {users} spawned at {args.spawn_rate:g}/s, "
            f"{args.seconds:g} s{' each' if args.ramp else ''} once all signed in, think {args.think[0]:g}-"
            f"{args.think[1]:g} s; building {scenario.building_id} ({scenario.units} units shared as "
            f"{len(scenario.pairs)} unit fields), area page /area/{scenario.subdistrict_id}")


def text(result: dict, args: argparse.Namespace, scenario: Scenario) -> str:
    """The printed report."""
    if args.ramp:
        return render_ramp(result, header(args, scenario))
    return render(result, header(args, scenario), args.csv is not None)


def public(result: dict, args: argparse.Namespace, scenario: Scenario) -> dict:
    """The result as JSON, with what ran."""
    return {"run": header(args, scenario), **result}
