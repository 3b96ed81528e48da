"""Fixtures: databases on SQLite and on a throwaway PostgreSQL cluster, apps, clients and a headless browser."""
from __future__ import annotations

import datetime as dt
import os
import shutil

import pytest

import dashboard.extensions as extensions
from dashboard import create_app
from data.accounts import create_user
from data.db import make_engine, upgrade
from data.demo import create_demo
from scripts.chrome import chrome_options
from scripts.pgcluster import PostgresCluster, postgres_bindir

DEMO_TODAY = dt.date(2020, 3, 1)
PASSWORD = "correct horse battery"
TEST_SECRET = "test-secret-key-not-for-production"
# The demo's areas: 1 city, 2 district, 3 sub-district 鲁谷街道, 4 and 5 its first two workstations.
TEST_USERS = {"admin": ("admin", []), "staff": ("staff", [4]), "leader": ("leader", [3]), "viewer": ("viewer", [3]),
              "staff2": ("staff", [5])}
IN_CI = os.environ.get("CI") == "true"
BACKENDS = ["sqlite", "postgresql"]


def skip_or_fail(reason: str) -> None:
    """Skip locally; with CI=true a skipped browser or PostgreSQL test is a failure."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true, so this is a failure, not a skip)")
    print(f"SKIPPED: {reason}")
    pytest.skip(reason)


def throwaway_cluster():
    """A started PostgreSQL cluster, stopped and deleted when the generator ends (skipped without PostgreSQL)."""
    bindir = postgres_bindir()
    if bindir is None:
        skip_or_fail("no PostgreSQL binaries under /usr/lib/postgresql (apt-get install postgresql)")
    cluster = PostgresCluster(bindir)
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def postgres_cluster():
    """One throwaway cluster for the whole run."""
    yield from throwaway_cluster()


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


@pytest.fixture(scope="module")
def small_demos(tmp_path_factory, request):
    """One small demo database per backend, shared by a module's property tests (their examples reuse it)."""
    engines = {"sqlite": make_engine(f"sqlite:///{tmp_path_factory.mktemp('small') / 'small.db'}")}
    engines["postgresql"] = make_engine(request.getfixturevalue("postgres_cluster").new_database())
    for engine in engines.values():
        upgrade(engine)
        create_demo(engine, units=150, today=DEMO_TODAY)
    yield engines
    for engine in engines.values():
        engine.dispose()


@pytest.fixture
def demo_engine(engine):
    """The demo sub-district as of 2020-03-01."""
    create_demo(engine, today=DEMO_TODAY)
    return engine


OLD_UNIT = ("INSERT INTO units (id, building_id, entrance_id, floor_id, position, label, use, occupant_name, head_count, "
            "contact_phone, status, status_since, note, version) VALUES (:id, 1, 1, 1, :id, :label, :use, '', :heads, '', "
            ":status, '2020-01-01 00:00:00', '', :version)")


def old_database(path, revision: str, units: list[dict]):
    """A SQLite database migrated only to an old revision, with one building and units of its schema (one head count)."""
    from alembic import command
    from sqlalchemy import text

    from data.db import alembic_config
    engine = make_engine(f"sqlite:///{path}")
    command.upgrade(alembic_config(engine), revision)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO areas VALUES (1, NULL, 'city', 'c', '/1/', 0)"))
        conn.execute(text("INSERT INTO buildings VALUES (1, 1, 'b', '', 'mixed', 0)"))
        conn.execute(text("INSERT INTO entrances VALUES (1, 1, 'e', 0)"))
        conn.execute(text("INSERT INTO floors VALUES (1, 1, '1', 1)"))
        for unit in units:
            conn.execute(text(OLD_UNIT), {"label": str(unit["id"]), "version": 1, **unit})
    return engine


def demo_app(database_url: str, **config):
    """An app whose database holds the demo sub-district and one user per role (TEST_USERS)."""
    dash_app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": TEST_SECRET, **config})
    with dash_app.server.app_context():
        create_demo(extensions.engine(), today=DEMO_TODAY)
        with extensions.engine().begin() as conn:
            for username, (role, area_ids) in TEST_USERS.items():
                create_user(conn, username, PASSWORD, role, area_ids)
    return dash_app


def sign_in(client, username: str, password: str = PASSWORD):
    """Sign a test client in through the form; returns the response."""
    return client.post("/login", data={"username": username, "password": password, "next": "/"})


@pytest.fixture
def app(database_url):
    """An app on a fresh demo database (both backends)."""
    return demo_app(database_url)


@pytest.fixture
def anonymous(app):
    """A Flask test client that has not signed in."""
    return app.server.test_client()


@pytest.fixture
def client_as(app):
    """A factory of Flask test clients signed in as one of TEST_USERS."""
    def signed_in(username: str):
        test_client = app.server.test_client()
        assert sign_in(test_client, username).status_code == 302
        return test_client
    return signed_in


@pytest.fixture
def client(client_as):
    """A Flask test client signed in as an administrator."""
    return client_as("admin")


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
