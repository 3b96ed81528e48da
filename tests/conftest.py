"""Fixtures: databases on SQLite and on a throwaway PostgreSQL cluster (copies of templates built once a run), apps,
clients and a headless browser; markers set from what each test uses; argon2 at a test cost."""
from __future__ import annotations

import itertools
import os

import pytest

from dashboard.config import load_config, use_password_cost
from data.db import make_engine
from scripts.chrome import chrome_options
from tests.helpers import (
    BACKENDS,
    TEST_HASH_COST,
    SmallDemos,
    browser_missing,
    copy_template,
    demo_app,
    drop_database,
    markers_of,
    sign_in,
    skip_or_fail,
    throwaway_cluster,
)

COPIES = itertools.count(1)


def pytest_configure(config):
    """Hash passwords at the test cost, here and in every process a test starts (the CLI, gunicorn workers)."""
    os.environ.update(TEST_HASH_COST)
    use_password_cost(load_config())


def pytest_collection_modifyitems(items):
    """Mark each test browser, postgres and slow from the fixtures and parameters it uses."""
    for item in items:
        for name in markers_of(item):
            item.add_marker(name)


@pytest.fixture(scope="session")
def postgres_cluster():
    """One throwaway cluster for the whole run."""
    yield from throwaway_cluster()


@pytest.fixture(params=BACKENDS)
def unused_url(request, tmp_path):
    """The URL of a database that does not exist yet, once on SQLite and once on PostgreSQL (dropped afterwards, so
    that hundreds of copies do not pile up in the cluster)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'units.db'}"
        return
    url = request.getfixturevalue("postgres_cluster").url(f"units_copy_{next(COPIES)}")
    yield url
    drop_database(url)


@pytest.fixture
def database_url(unused_url) -> str:
    """A fresh database URL on both backends: a new file's on SQLite, a migrated, empty database's on PostgreSQL."""
    return unused_url if unused_url.startswith("sqlite") else copy_template(unused_url, "migrated")


@pytest.fixture
def engine(unused_url):
    """A migrated, empty database."""
    db = make_engine(copy_template(unused_url, "migrated"))
    yield db
    db.dispose()


@pytest.fixture(scope="module")
def small_demos(tmp_path_factory, request):
    """One small demo database per backend, shared by a module's property tests (their examples reuse it)."""
    demos = SmallDemos(request, tmp_path_factory.mktemp("small"))
    yield demos
    for engine in demos.values():
        engine.dispose()


@pytest.fixture
def demo_engine(unused_url):
    """The demo sub-district as of 2020-03-01 (no users)."""
    db = make_engine(copy_template(unused_url, "demo"))
    yield db
    db.dispose()


@pytest.fixture
def app(unused_url):
    """An app on a fresh demo database (both backends)."""
    return demo_app(unused_url)


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
    """dash.testing's dash_duo in headless Debian Chromium; without Chromium or chromedriver skipped (failed in CI)."""
    missing = browser_missing()
    if missing:
        skip_or_fail(missing)
    return request.getfixturevalue("dash_duo")


def pytest_setup_options():
    """Chromium options for dash_duo: Debian's binary, headless, no network chatter."""
    return chrome_options()
