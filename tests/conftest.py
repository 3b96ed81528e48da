"""Fixtures: databases on SQLite and on a throwaway PostgreSQL cluster, apps, clients and a headless browser."""
from __future__ import annotations

import datetime as dt
import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

import dashboard.extensions as extensions
from dashboard import create_app
from data.db import make_engine, upgrade
from data.demo import create_demo
from scripts.chrome import chrome_options

DEMO_TODAY = dt.date(2020, 3, 1)
IN_CI = os.environ.get("CI") == "true"
BACKENDS = ["sqlite", "postgresql"]


def skip_or_fail(reason: str) -> None:
    """Skip locally; with CI=true a skipped browser or PostgreSQL test is a failure."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true, so this is a failure, not a skip)")
    print(f"SKIPPED: {reason}")
    pytest.skip(reason)


class PostgresCluster:
    """A PostgreSQL cluster in a temporary folder, started from Debian's binaries."""

    def __init__(self, bindir: str):
        self.bindir, self.folder = bindir, Path(tempfile.mkdtemp(prefix="units-pg-"))
        self.port, self.names = _free_port(), itertools.count(1)
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            shutil.chown(self.folder, "postgres")

    def start(self) -> None:
        """initdb and pg_ctl start, tuned for throwaway speed (no fsync)."""
        data = str(self.folder / "data")
        self._run("initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        options = f"-p {self.port} -k {self.folder} -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run("pg_ctl", "-D", data, "-o", options, "-l", str(self.folder / "log"), "-w", "start")
        self._admin("CREATE DATABASE units_template")
        engine = make_engine(self.url("units_template"))
        upgrade(engine)
        engine.dispose()

    def stop(self) -> None:
        """Stop the server and delete its folder."""
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "immediate", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)

    def new_database(self) -> str:
        """A fresh, migrated database copied from the template; returns its URL."""
        name = f"units_test_{next(self.names)}"
        self._admin(f"CREATE DATABASE {name} TEMPLATE units_template")
        return self.url(name)

    def url(self, database: str) -> str:
        """SQLAlchemy URL of one database of the cluster."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _admin(self, sql: str) -> None:
        """Run a statement outside a transaction on the maintenance database."""
        engine = create_engine(self.url("postgres"), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(sql))
        engine.dispose()

    def _run(self, program: str, *args: str) -> None:
        """Run one of the cluster's binaries as the postgres user when we are root."""
        subprocess.run([*self.as_user, f"{self.bindir}/{program}", *args], check=True, capture_output=True, cwd=self.folder)


def _free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def postgres_cluster():
    """One throwaway cluster for the whole run."""
    binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not binaries:
        skip_or_fail("no PostgreSQL binaries under /usr/lib/postgresql (apt-get install postgresql)")
    cluster = PostgresCluster(os.path.dirname(binaries[-1]))
    cluster.start()
    yield cluster
    cluster.stop()


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path) -> str:
    """A fresh database URL, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'units.db'}"
    return request.getfixturevalue("postgres_cluster").new_database()


@pytest.fixture
def engine(database_url):
    """A migrated, empty database."""
    db = make_engine(database_url)
    upgrade(db)
    yield db
    db.dispose()


@pytest.fixture
def demo_engine(engine):
    """The demo sub-district as of 2020-03-01."""
    create_demo(engine, today=DEMO_TODAY)
    return engine


def demo_app(database_url: str):
    """An app whose database holds the demo sub-district."""
    dash_app = create_app({"DATABASE_URL": database_url, "TESTING": True})
    with dash_app.server.app_context():
        create_demo(extensions.engine(), today=DEMO_TODAY)
    return dash_app


@pytest.fixture
def app(database_url):
    """An app on a fresh demo database (both backends)."""
    return demo_app(database_url)


@pytest.fixture
def client(app):
    """A Flask test client of the app."""
    return app.server.test_client()


@pytest.fixture
def sqlite_app(tmp_path):
    """An app on a fresh SQLite demo database, for browser tests."""
    return demo_app(f"sqlite:///{tmp_path / 'browser.db'}")


@pytest.fixture
def browser(request):
    """dash.testing's dash_duo in headless Debian Chromium; skipped locally without chromedriver."""
    if not shutil.which("chromedriver"):
        skip_or_fail("no chromedriver on PATH (apt-get install chromium chromium-driver)")
    return request.getfixturevalue("dash_duo")


def pytest_setup_options():
    """Chromium options for dash_duo: Debian's binary, headless, no network chatter."""
    return chrome_options()
