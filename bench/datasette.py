"""Datasette beside the app: the same question (the city's units by status), the same SQLite file, the same run."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import requests

from bench.common import PASSWORD, USERNAME, median_ms
from bench.leaders import PLAIN_GROUP_BY, TOP_AREA
from scripts.demo_server import AppServer
from scripts.net import free_port, wait_until_up


def counts_figures(app, database: Path, runs: int) -> dict:
    """Medians (ms) of the city's counts by status over HTTP on loopback: Datasette's JSON and the app's API."""
    with served_datasette(database) as base:
        query = {"sql": PLAIN_GROUP_BY, "_shape": "array"}
        datasette = _fetch_ms(requests.Session(), f"{base}/{database.stem}.json", query, runs)
    served = AppServer(app)
    try:
        session = requests.Session()
        signed_in = session.post(f"{served.url}/login", data={"username": USERNAME, "password": PASSWORD},
                                 allow_redirects=False)
        assert signed_in.status_code == 302, signed_in.status_code
        app_ms = _fetch_ms(session, f"{served.url}/api/areas/{TOP_AREA}/counts", {}, runs)
    finally:
        served.stop()
    return {"datasette_counts_ms": datasette, "app_counts_ms": app_ms}


def _fetch_ms(session: requests.Session, url: str, params: dict, runs: int) -> float:
    """Median time of a GET that must answer 200 with JSON."""
    def fetch():
        answer = session.get(url, params=params, timeout=120)
        answer.raise_for_status()
        answer.json()
    fetch()
    return median_ms(fetch, runs)


class served_datasette:
    """`datasette serve FILE` on a free loopback port, for the time of a with block; yields its base URL."""

    def __init__(self, database: Path):
        self.database, self.port = database, free_port()

    def __enter__(self) -> str:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "datasette", "serve", str(self.database), "--host", "127.0.0.1",
             "--port", str(self.port), "--setting", "sql_time_limit_ms", "120000"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{self.port}"
        try:
            wait_until_up(f"{base}/-/versions.json", self.process)
        except BaseException:
            self.__exit__()
            raise
        return base

    def __exit__(self, *_exc) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
