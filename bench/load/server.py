"""The production server under load: gunicorn on a free local port, its log, and CPU time per process from /proc."""
from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from scripts.net import free_port, wait_until_up

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 4
# What the server's log says when it is in trouble: SQLite's and gunicorn's own words, never the app's interface.
SERVER_TROUBLE = {"database is locked": "database is locked", "tracebacks": "Traceback",
                  "worker timeouts": "WORKER TIMEOUT"}


@dataclass(frozen=True)
class Server:
    """What serves the load: gunicorn's address, master process and output file, and the PostgreSQL server's process."""

    base: str
    pid: int
    log: Path
    database_pid: int | None


@contextmanager
def gunicorn(url: str, log: Path, database_pid: int | None) -> Iterator[Server]:
    """The production server on a free local port, yielded once every worker has booted; stopped (SIGTERM) on exit."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": secrets.token_hex(32), "TRUSTED_PROXIES": "1"}
    command = [sys.executable, "-m", "gunicorn", "dashboard.wsgi:server", "-w", str(WORKERS), "-b", f"127.0.0.1:{port}"]
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        _wait_ready(process, f"http://127.0.0.1:{port}")
        yield Server(f"http://127.0.0.1:{port}", process.pid, log, database_pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_ready(process: subprocess.Popen, base: str, limit_s: float = 120) -> None:
    """Wait for /health to answer 200, then for every worker to finish loading the app."""
    deadline = time.monotonic() + limit_s
    wait_until_up(f"{base}/health", process, limit_s)
    _wait_workers_idle(process.pid, deadline)


def _wait_workers_idle(master: int, deadline: float) -> None:
    """Wait until all workers exist and none is still importing (their CPU time stops moving): /health needs only
    one."""
    before = _children_ticks(master)
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = _children_ticks(master)
        if len(now) == WORKERS and now.keys() == before.keys() and sum(now.values()) - sum(before.values()) < 5:
            return
        before = now


def _children_ticks(master: int) -> dict[int, int]:
    """CPU clock ticks used so far by each child of a process (Linux /proc)."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    ticks = {}
    for pid in children:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        ticks[int(pid)] = int(fields[11]) + int(fields[12])
    return ticks


def cpu_seconds(gunicorn_pid: int, database_pid: int | None) -> dict[str, float]:
    """CPU seconds used so far by the gunicorn workers, the PostgreSQL server, the calling process (the driver) and the
    whole machine."""
    busy = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    machine = sum(int(busy[n]) for n in (0, 1, 2, 5, 6, 7))
    database = sum(_children_ticks(database_pid).values()) if database_pid else 0
    tick = os.sysconf("SC_CLK_TCK")
    return {"gunicorn": sum(_children_ticks(gunicorn_pid).values()) / tick, "database": database / tick,
            "driver": time.process_time(), "machine": machine / tick}


def server_trouble(log: Path, offset: int = 0) -> dict[str, int]:
    """How often the server's log shows each kind of trouble after an offset."""
    text = log.read_bytes()[offset:].decode(errors="replace")
    return {name: text.count(needle) for name, needle in SERVER_TROUBLE.items()}
