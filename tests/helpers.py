"""What several test modules share: test constants, the skip rule, database templates, demo apps and signed-in clients.

Test modules import from here, never from `conftest` (pytest loads conftest itself; importing it again makes a second
copy of its module state).
"""
from __future__ import annotations

import atexit
import datetime as dt
import functools
import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import Engine, create_engine, make_url, select, text

from dashboard import create_app, extensions, ids
from data import queries
from data.accounts import Account, create_user
from data.db import make_engine, upgrade
from data.demo import create_demo
from data.models import Unit, UnitChange
from data.validation import Catalogues
from scripts.chrome import CHROMIUM
from scripts.dash_client import edit_request, post_json
from scripts.net import free_port
from scripts.pgcluster import PostgresCluster, postgres_bindir

DEMO_TODAY = dt.date(2020, 3, 1)
PASSWORD = "correct horse battery"
TEST_SECRET = "test-secret-key-not-for-production"
# The demo's areas: 1 city, 2 district, 3 sub-district 鲁谷街道, 4 and 5 its first two workstations.
TEST_USERS = {"admin": ("admin", []), "staff": ("staff", [4]), "leader": ("leader", [3]), "viewer": ("viewer", [3]),
              "staff2": ("staff", [5])}
BACKENDS = ["sqlite", "postgresql"]
# argon2's cheapest sensible cost: each of the suite's hundreds of sign-ins costs a millisecond instead of a second.
TEST_HASH_COST = {"PASSWORD_HASH_TIME_COST": "1", "PASSWORD_HASH_MEMORY_COST": "64"}
FALSE_WORDS = ("", "0", "false", "no", "off")
# Accounts for data-layer tests (no user rows behind them): staff of the first workstation, and those above it.
STAFF = Account(1, "wang", "staff", ("/1/2/3/4/",))
LEADER = Account(2, "li", "leader", ("/1/2/3/",))
VIEWER = Account(3, "zhao", "viewer", ("/1/2/3/",))
ADMIN = Account(4, "root", "admin", ())
BUILDING = 1  # a mixed building of the first workstation, which "staff" covers
# A small catalogue for layout tests (plain data, no database).
STATUSES = [
    {
        "code": "healthy",
        "label_en": "Healthy household",
        "label_zh": "健康住户",
        "color": "#FFD54F",
        "text_code": "H",
        "text_code_zh": "健",
        "pattern": "solid",
        "requires_dates": False,
        "expires_to": None,
    },
    {
        "code": "quarantined",
        "label_en": "Home quarantine",
        "label_zh": "居家隔离",
        "color": "#E53935",
        "text_code": "Q",
        "text_code_zh": "隔",
        "pattern": "solid",
        "requires_dates": True,
        "expires_to": "healthy",
    },
    {
        "code": "unverified",
        "label_en": "Unverified",
        "label_zh": "待核实",
        "color": "#E0E0E0",
        "text_code": "?",
        "text_code_zh": "?",
        "pattern": "hatched",
        "requires_dates": False,
        "expires_to": None,
    },
]
USES = [
    {"code": "home", "label_en": "Home", "label_zh": "住户"},
    {"code": "firm", "label_en": "Firm", "label_zh": "企业"},
    {"code": "mixed", "label_en": "Firm and home", "label_zh": "企住一体"},
]
CATALOGUES = Catalogues.of(STATUSES, USES)
CELL = ".unit-grid .cell"
SMALL_DEMO_UNITS = 150
# Whole tests, by name, that take many seconds whatever fixtures they use: `-m "not slow"` leaves them out.
SLOW_TESTS = {"test_bench_json_has_every_figure_on_both_backends",
              "test_staff_saving_their_own_fields_of_shared_units_lose_nothing",
              "test_workers_starting_together_migrate_once", "test_demo_fills_once_and_resets_on_request",
              "test_every_module_imports_on_its_own", "test_a_leader_sees_no_phone_number_and_no_name_anywhere"}


def truthy(value: str | None) -> bool:
    """Whether an environment variable says yes: anything but unset, empty, 0, false, no or off (any case)."""
    return (value or "").strip().lower() not in FALSE_WORDS


def skip_or_fail(reason: str) -> None:
    """Skip with a printed reason locally; under any truthy CI (CI=1, CI=true, CI=yes) fail instead."""
    if truthy(os.environ.get("CI")):
        pytest.fail(f"{reason} (CI={os.environ['CI']}, so this is a failure, not a skip)")
    print(f"SKIPPED: {reason}")
    pytest.skip(reason)


def browser_missing(chromium: str = CHROMIUM) -> str | None:
    """Why headless Chromium cannot run here (no chromedriver, no Chromium binary), or None."""
    if not shutil.which("chromedriver"):
        return "no chromedriver on PATH (apt-get install chromium chromium-driver)"
    if not os.access(chromium, os.X_OK):
        return f"no Chromium at {chromium} (apt-get install chromium)"
    return None


def markers_of(item) -> set[str]:
    """The markers a test earns: browser (Chromium), postgres (a cluster or a postgresql parameter), slow."""
    fixtures = set(getattr(item, "fixturenames", ()))
    params = getattr(getattr(item, "callspec", None), "params", {})
    found = set()
    if fixtures & {"browser", "dash_duo"}:
        found.add("browser")
    if any(name.endswith("cluster") for name in fixtures) or any(value == "postgresql" for value in params.values()):
        found.add("postgres")
    if item.originalname in SLOW_TESTS or getattr(item.obj, "is_hypothesis_test", False):
        found.add("slow")
    return found


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


def add_test_users(engine: Engine) -> None:
    """One user per entry of TEST_USERS, all with PASSWORD."""
    with engine.begin() as conn:
        for username, (role, area_ids) in TEST_USERS.items():
            create_user(conn, username, PASSWORD, role, area_ids)


def fill(engine: Engine, kind: str) -> None:
    """Migrate a new database and fill it: "migrated" (empty), "demo" (DEMO_TODAY's) or "demo_users" (and users)."""
    upgrade(engine)
    if kind != "migrated":
        create_demo(engine, today=DEMO_TODAY)
    if kind == "demo_users":
        add_test_users(engine)


@functools.cache
def sqlite_template(kind: str) -> Path:
    """A SQLite file of this kind, built once per run and deleted at exit."""
    folder = Path(tempfile.mkdtemp(prefix="units-template-"))
    atexit.register(shutil.rmtree, folder, True)
    engine = make_engine(f"sqlite:///{folder / 'template.db'}")
    fill(engine, kind)
    engine.dispose()  # the last connection's close checkpoints the WAL into the file: one file holds it all
    return folder / "template.db"


def postgres_admin(url) -> Engine:
    """An autocommit engine on the maintenance database of the server a URL points to."""
    return create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")


def postgres_template(url, kind: str) -> str:
    """The name of the database of this kind on the server of a URL, built the first time it is asked for."""
    name, admin = f"units_{kind}_template", postgres_admin(url)
    with admin.connect() as conn:
        if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}).first() is None:
            conn.execute(text(f"CREATE DATABASE {name} TEMPLATE template0"))
            template = make_engine(url.set(database=name).render_as_string(hide_password=False))
            fill(template, kind)
            template.dispose()
    admin.dispose()
    return name


def copy_template(database_url: str, kind: str) -> str:
    """Make the unused database at a URL a copy of the run's template of this kind (a file copy on SQLite, CREATE
    DATABASE … TEMPLATE on PostgreSQL); returns the URL."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(sqlite_template(kind), url.database)
        return database_url
    template, admin = postgres_template(url, kind), postgres_admin(url)
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {url.database}"))
        conn.execute(text(f"CREATE DATABASE {url.database} TEMPLATE {template}"))
    admin.dispose()
    return database_url


class SmallDemos(dict):
    """Small demo databases by backend, each built when first asked for (the SQLite one needs no PostgreSQL)."""

    def __init__(self, request, folder):
        super().__init__()
        self.request, self.folder = request, folder

    def __missing__(self, backend: str):
        """Build the small demo of one backend."""
        url = (f"sqlite:///{self.folder / 'small.db'}" if backend == "sqlite"
               else self.request.getfixturevalue("postgres_cluster").new_database())
        self[backend] = make_engine(url)
        upgrade(self[backend])
        create_demo(self[backend], units=SMALL_DEMO_UNITS, today=DEMO_TODAY)
        return self[backend]


def drop_database(database_url: str) -> None:
    """Drop a PostgreSQL database, ending the connections still open to it."""
    url, admin = make_url(database_url), postgres_admin(make_url(database_url))
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {url.database} WITH (FORCE)"))
    admin.dispose()


def demo_app(database_url: str, **config):
    """An app on a new database holding the demo sub-district and one user per role (TEST_USERS)."""
    copy_template(database_url, "demo_users")
    return create_app({"DATABASE_URL": database_url, "SECRET_KEY": TEST_SECRET, **config})


def sign_in(client, username: str, password: str = PASSWORD):
    """Sign a test client in through the form; returns the response."""
    return client.post("/login", data={"username": username, "password": password, "next": "/"})


def as_read(app, render):
    """What `render()` gives inside a request that names no language, as the test client's (so pages are compared
    with interface text in the language they are shown in, whatever the catalogs say)."""
    with app.server.test_request_context():
        return render()


def database(app) -> Engine:
    """The app's engine, outside a request."""
    with app.server.app_context():
        return extensions.engine()


def a_home(app, status: str = "healthy") -> dict:
    """A home of the building with a status, as stored."""
    with database(app).connect() as conn:
        unit_id = conn.execute(select(Unit.id).where(Unit.building_id == BUILDING, Unit.use == "home",
                                                     Unit.status == status).order_by(Unit.id)).first()[0]
        return queries.unit(conn, unit_id)


def queries_unit(app, unit_id: int) -> dict:
    """A unit as stored now."""
    with database(app).connect() as conn:
        return queries.unit(conn, unit_id)


def save(app, client, unit: dict, version: int | None = None, building: int = BUILDING, **changes):
    """POST the edit form of a unit with some fields changed; returns (status code, JSON response or None)."""
    response = post_json(client, edit_request(app.callback_map, unit, building, version, **changes))
    return response.status_code, (response.get_json() if response.status_code == 200 else None)


def part(response: dict, component: str):
    """One output of a callback response."""
    return next(value for key, value in response["response"].items() if key == component)


def press(app, client, button: dict, building: int = BUILDING):
    """POST a click on a pattern-matching button (undo, confirm) as dash-renderer does."""
    key, entry = next((k, e) for k, e in app.callback_map.items() if button["type"] in e["inputs"][0]["id"])
    outputs = [dict(zip(("id", "property"), name.rsplit(".", 1), strict=True)) for name in key[2:-2].split("...")]
    body = {"output": key, "outputs": outputs,
            "inputs": [[{"id": button, "property": "n_clicks", "value": 1}]],
            "state": [{"id": ids.BUILDING_ID, "property": "data", "value": building}],
            "changedPropIds": [json.dumps(button, separators=(",", ":"), sort_keys=True) + ".n_clicks"]}
    response = post_json(client, body)
    return response.status_code, (response.get_json() if response.status_code == 200 else None)


def undo(app, client, batch_id: str, building: int = BUILDING):
    """POST the undo button of a batch."""
    return press(app, client, ids.undo_button(batch_id), building)


def last_batch(app, unit_id: int) -> str:
    """The batch of a unit's newest change."""
    with database(app).connect() as conn:
        return conn.execute(select(UnitChange.batch_id).where(UnitChange.unit_id == unit_id)
                            .order_by(UnitChange.id.desc())).first()[0]


def start_signed_in(browser, app, username: str, password: str = PASSWORD) -> None:
    """Start the app, meet the sign-in page, and sign in through the form as a person would."""
    # A free port, not Dash's counter from 8050: parallel test workers each count from there.
    browser.start_server(app, navigate=False, port=free_port())
    browser.driver.get(browser.server.url)
    WebDriverWait(browser.driver, 15).until(lambda d: "/login" in d.current_url)
    browser.find_element("#username").send_keys(username)
    browser.find_element("#password").send_keys(password)
    browser.find_element("form[action='/login'] button[type=submit]").click()
    # dash.testing's `server_url` setter would load the page a second time and give it only 10 s (too little on a
    # loaded 2-core machine); the signed-in page is already loading, so only the address is kept.
    browser._url = browser.server.url
    browser.wait_for_element("#navbar", timeout=30)


def open_building(browser, app, building_id: int, username: str = "admin") -> None:
    """Start the app signed in and open a building page until its grid is drawn."""
    start_signed_in(browser, app, username)
    browser.driver.get(f"{browser.server_url}/building/{building_id}")
    browser.wait_for_element(CELL, timeout=15)


def bulk_bar_hidden(browser) -> None:
    """Wait until the bulk bar is hidden again (nothing selected)."""
    WebDriverWait(browser.driver, 5).until(
        lambda d: "d-none" in d.find_element(By.ID, ids.BULK_BAR).get_attribute("class"))


OLD_UNIT = ("INSERT INTO units (id, building_id, entrance_id, floor_id, position, label, use, occupant_name, "
            "head_count, contact_phone, status, status_since, note, version) VALUES (:id, 1, 1, 1, :id, :label, :use, "
            "'', :heads, '', :status, '2020-01-01 00:00:00', '', :version)")


def old_database(path, revision: str, units: list[dict]):
    """A SQLite database migrated only to an old revision, with one building and units of its schema (one head
    count)."""
    from alembic import command

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


def cells_of(payload: dict) -> list[dict]:
    """The payload's cells as assets/grid.js decodes them: a dict per cell by field name, with its unit id, row,
    entrance column and label resolved."""
    columns, unit, cells = payload["cells"], payload["base"], []
    for i, values in enumerate(zip(*columns.values(), strict=True)):
        cell = dict(zip(columns, values, strict=True))
        unit += cell["unit"]
        row, column = payload["floors"][cell["floor"]]
        label = payload["labels"].get(str(i)) or f"{payload['rows'][row]}{cell['position'] + 1:02d}"
        cells.append({**cell, "unit": unit, "row": row, "column": column, "label": label})
    return cells
