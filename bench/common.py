"""Timing helpers shared by the benchmarks."""
from __future__ import annotations

import secrets
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dashboard import create_app
from scripts.demo_server import PASSWORD, USERNAME, add_administrator
from scripts.pgcluster import PostgresCluster, postgres_bindir


@contextmanager
def fresh_database(backend: str, folder: Path) -> Iterator[tuple[str | None, int | None]]:
    """A fresh database's URL, a file in the folder or a database of a throwaway PostgreSQL cluster, and the cluster's
    server process id (None for SQLite); (None, None) when PostgreSQL's binaries are missing."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'bench.db'}", None
        return
    bindir = postgres_bindir()
    if bindir is None:
        yield None, None
        return
    cluster = PostgresCluster(bindir)
    try:
        cluster.start()
        yield cluster.new_database(), cluster.server_pid()
    finally:
        cluster.stop()


def median_ms(work, runs: int) -> float:
    """Median wall time of a piece of work, in milliseconds."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 1)


def seconds(work) -> float:
    """Wall time of one piece of work, in seconds."""
    started = time.perf_counter()
    work()
    return round(time.perf_counter() - started, 1)


def bench_app(url: str):
    """The app on a database, with an administrator the benchmarks sign in as."""
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": secrets.token_hex(16)})
    add_administrator(app)
    return app


def signed_in_client(app):
    """A Flask test client signed in as the benchmarks' administrator."""
    client = app.server.test_client()
    answer = client.post("/login", data={"username": USERNAME, "password": PASSWORD, "next": "/"})
    assert answer.status_code == 302, answer.status_code
    return client
