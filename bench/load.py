"""Load test of the production setup: `python -m bench.load [--backend postgresql|sqlite] [--seconds S] [--ramp 10,20]`.

Starts `gunicorn dashboard.wsgi:server` (4 sync workers) on a throwaway PostgreSQL database (default) or a temporary
SQLite file holding the demo. 20 staff keep one building of the first workstation true while 20 leaders read their
sub-district's page and sometimes a building's. Each staff member owns some (unit, field) pairs of the building's units
(note, occupant, residents, staff, phone), never a pair another owns, so colleagues keep saving other fields of the same
units: a staff member opens one of its units, changes its field, and saves the whole form at the version the panel gave
it, often stale by then, which the server must merge. Afterwards the database must show every acknowledged save (its
answer carried the refreshed grid) and nothing else: each field holds the last value acknowledged for it (or, never
saved, its value before), each unit's version grew by its saves, and as many history rows were added as saves. A
conflict cannot be right when no two staff write the same field of a unit: it is a failure. Prints latencies per
request kind against the goals (no errors, no conflicts, no lost updates, p95 under 300 ms) and who used the CPU
meanwhile (gunicorn, PostgreSQL, this driver, other work on the machine). `--ramp 10,20,40,80` runs staff only, at each
number of writers in turn, one row per level; `--think MIN MAX` shortens the pauses to reach a limit with fewer users;
`--units N` shares only N units of the building, for more saves at a stale version.

The server trusts one proxy (TRUSTED_PROXIES=1) and each simulated user sends its own X-Forwarded-For address, as
behind production's reverse proxy: the per-address sign-in limit then applies per user, not to the whole driver.
All traffic goes to 127.0.0.1; every loop is bounded in turns and time. A measurement, not a test.
"""
from __future__ import annotations

import argparse
import csv
import json
import math
import os
import random
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests
from sqlalchemy import func, select

from bench.common import fresh_database
from dashboard import ids
from data.accounts import create_user
from data.db import make_engine, upgrade
from data.demo import create_demo, first_area
from data.models import Area, Building, Status, Unit, UnitChange, UnitUse
from data.validation import COUNT_FIELDS, OCCUPANT_FIELDS
from scripts.dash_client import callback_request, walk
from scripts.net import free_port, wait_until_up

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 4
GOAL_P95_MS = 300
OTHER_WARN = 10
TIMEOUT_S = 30
MAX_TURNS = 100_000
SIGN_IN, OPEN_UNIT, SAVE, AREA_PAGE, BUILDING_PAGE = "sign-in", "open unit", "save", "area page", "building page"
KINDS = (SIGN_IN, OPEN_UNIT, SAVE, AREA_PAGE, BUILDING_PAGE)
BUILDING_SHARE = 0.25
SHARED_FIELDS = ("note", "occupant_name", "residents", "staff", "contact_phone")
# New head counts are drawn from 1 to this, so a count is shared only on units whose use allows that many.
COUNT_TOPS = {"residents": 9, "staff": 999}
VALUE_TRIES = 100
WRONG_SHOWN = 10
FORM_IDS = {ids.edit_field(name): name for name in ids.EDIT_FIELDS}
SERVER_TROUBLE = {"database is locked": "database is locked", "tracebacks": "Traceback", "worker timeouts": "WORKER TIMEOUT"}


@dataclass(frozen=True)
class Scenario:
    """What the load works on: the database, the building the staff keep and the (unit, field) pairs they share out,
    the sub-district the leaders read."""

    url: str
    building_id: int
    units: int
    pairs: list[tuple[int, str]]
    subdistrict_id: int
    buildings: list[int]
    staff: list[tuple[str, str]]
    leaders: list[tuple[str, str]]


@dataclass(frozen=True)
class Record:
    """One request: its kind, start (seconds on the monotonic clock), latency and outcome (ok, conflict, error)."""

    kind: str
    started: float
    ms: float
    outcome: str


@dataclass
class Window:
    """The measured period, opened once every user has signed in; `probe` reads CPU time at its start and end."""

    seconds: float
    probe: Callable[[], dict[str, float]]
    start: float = 0.0
    deadline: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)

    def open(self) -> None:
        """Start the clock (the barrier's action, so that every thread sees it)."""
        self.cpu = self.probe()
        self.start = time.monotonic()
        self.deadline = self.start + self.seconds

    def cpu_used(self) -> dict[str, float]:
        """CPU seconds used since the window opened."""
        return {name: round(now - self.cpu[name], 1) for name, now in self.probe().items()}


@dataclass(frozen=True)
class Server:
    """What serves the load: gunicorn's address, master process and output file, and the PostgreSQL server's process."""

    base: str
    pid: int
    log: Path
    database_pid: int | None


@dataclass(frozen=True)
class Snapshot:
    """The building as the database holds it: each unit's version and editable fields, and its history rows."""

    versions: dict[int, int]
    values: dict[int, dict]
    history_rows: int


@dataclass
class Tally:
    """What one user recorded: every request, acknowledged saves by unit, the last value acknowledged for each (unit,
    field), how many saves were made at a stale version, the first few error answers, driver faults."""

    records: list[Record] = field(default_factory=list)
    saves: Counter = field(default_factory=Counter)
    acked: dict[tuple[int, str], object] = field(default_factory=dict)
    stale: int = 0
    samples: list[str] = field(default_factory=list)
    faults: int = 0

    def acknowledge(self, unit_id: int, name: str, value, seen: int, answered: int | None) -> None:
        """Count an acknowledged save: the value its field must keep, and whether colleagues saved the unit between the
        version the panel gave and the one its answer shows."""
        self.saves[unit_id] += 1
        self.acked[(unit_id, name)] = value
        self.stale += answered is not None and answered > seen + 1

    def merge(self, other: Tally) -> None:
        """Add another user's tally to this one (users own disjoint fields, so acknowledged values never collide)."""
        self.records += other.records
        self.saves.update(other.saves)
        self.acked.update(other.acked)
        self.stale += other.stale
        self.samples += other.samples[:max(0, 12 - len(self.samples))]
        self.faults += other.faults


# --- the database and the server -------------------------------------------------------------------------------------


def seed(url: str, staff: int, leaders: int, units: int | None = None) -> Scenario:
    """Migrate, fill with the demo, and add staff of the first building's workstation and leaders of its sub-district;
    the staff share `units` units of that building (all by default)."""
    engine = make_engine(url)
    upgrade(engine)
    create_demo(engine)
    with engine.begin() as conn:
        subdistrict = first_area(conn, "subdistrict")
        building = conn.execute(select(Building.id, Building.area_id).order_by(Building.id).limit(1)
                                .where(Building.area_id == first_area(conn, "workstation"))).one()
        shared = spread(_units_of(conn, building.id), units)
        scenario = Scenario(
            url, building.id, len(shared), shared_pairs(shared), subdistrict, _buildings_under(conn, subdistrict),
            _accounts(conn, "staff", staff, [building.area_id]), _accounts(conn, "leader", leaders, [subdistrict]),
        )
    engine.dispose()
    return scenario


def _units_of(conn, building_id: int) -> list[dict]:
    """A building's units by id, each with whether its status is unoccupied and the head counts its use allows."""
    query = (select(Unit.id, Status.unoccupied, UnitUse.max_residents, UnitUse.max_staff)
             .join(Status, Status.code == Unit.status).join(UnitUse, UnitUse.code == Unit.use)
             .where(Unit.building_id == building_id).order_by(Unit.id))
    return [dict(row._mapping) for row in conn.execute(query)]


def spread(units: list, count: int | None) -> list:
    """`count` items spread evenly over a list (all of them when None or too many)."""
    if count is None or count >= len(units):
        return units
    return units[::len(units) // count][:count]


def shared_pairs(units: list[dict]) -> list[tuple[int, str]]:
    """Every (unit, field) pair the staff may change on its own, unit by unit, so that neighbours in the list share units."""
    return [(unit["id"], name) for unit in units for name in SHARED_FIELDS if _accepts(unit, name)]


def _accepts(unit: dict, name: str) -> bool:
    """Whether a unit takes any value the load writes in this field, whatever its other fields: nobody goes into an
    unoccupied unit, and a head count only goes where the unit's use allows it."""
    if name in OCCUPANT_FIELDS and unit["unoccupied"]:
        return False
    return name not in COUNT_TOPS or unit[COUNT_FIELDS[name]] >= COUNT_TOPS[name]


def deal(pairs: list[tuple[int, str]], staff: int) -> list[list[tuple[int, str]]]:
    """The pairs dealt round to the staff: each pair to exactly one of them, neighbours (the same unit) to different ones."""
    hands = [pairs[n::staff] for n in range(staff)]
    if not all(hands):
        raise SystemExit(f"{staff} staff but only {len(pairs)} (unit, field) pairs to share: fewer staff or more --units")
    return hands


def _buildings_under(conn, area_id: int) -> list[int]:
    """The buildings in an area's subtree."""
    path = conn.execute(select(Area.path).where(Area.id == area_id)).scalar_one()
    return conn.execute(select(Building.id).join(Area, Area.id == Building.area_id)
                        .where(Area.path.startswith(path)).order_by(Building.id)).scalars().all()


def _accounts(conn, role: str, count: int, area_ids: list[int]) -> list[tuple[str, str]]:
    """New accounts of a role over some areas, each with its own random password."""
    made = [(f"load-{role}-{n:03}", secrets.token_urlsafe(16)) for n in range(1, count + 1)]
    for name, password in made:
        create_user(conn, name, password, role, area_ids)
    return made


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
    """Wait until all workers exist and none is still importing (their CPU time stops moving): /health needs only one."""
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


def cpu_seconds(server: Server) -> dict[str, float]:
    """CPU seconds used so far by the gunicorn workers, the PostgreSQL server, this driver and the whole machine."""
    busy = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    machine = sum(int(busy[n]) for n in (0, 1, 2, 5, 6, 7))
    database = sum(_children_ticks(server.database_pid).values()) if server.database_pid else 0
    tick = os.sysconf("SC_CLK_TCK")
    return {"gunicorn": sum(_children_ticks(server.pid).values()) / tick, "database": database / tick,
            "driver": time.process_time(), "machine": machine / tick}


def server_trouble(log: Path, offset: int = 0) -> dict[str, int]:
    """How often the server's log shows each kind of trouble after an offset."""
    text = log.read_bytes()[offset:].decode(errors="replace")
    return {name: text.count(needle) for name, needle in SERVER_TROUBLE.items()}


def snapshot(url: str, building_id: int) -> Snapshot:
    """The building's units and history rows, read directly from the database."""
    engine = make_engine(url)
    columns = [getattr(Unit, name) for name in ids.EDIT_FIELDS]
    with engine.connect() as conn:
        units = conn.execute(select(Unit.id, Unit.version, *columns).where(Unit.building_id == building_id)).all()
        rows = conn.execute(select(func.count()).select_from(UnitChange)
                            .where(UnitChange.building_id == building_id)).scalar_one()
    engine.dispose()
    return Snapshot({unit.id: unit.version for unit in units},
                    {unit.id: {name: getattr(unit, name) for name in ids.EDIT_FIELDS} for unit in units}, rows)


# --- one simulated user ----------------------------------------------------------------------------------------------


def server_callbacks(dependencies: list[dict]) -> dict[str, dict]:
    """The server callbacks by the id of their first input: the pages router, the unit panel, the Save button."""
    wanted = ("_pages_location", ids.SELECTED_UNIT, ids.EDIT_SAVE)
    return {entry["inputs"][0]["id"]: entry for entry in dependencies
            if entry["inputs"][0]["id"] in wanted and not entry.get("clientside_function")}


def form_state(panel) -> dict:
    """The edit form's field values and the version store, by component id, from a rendered unit panel (JSON)."""
    found = {}
    for node in walk(panel):
        name = node.get("props", {}).get("id") if isinstance(node, dict) else None
        if name == ids.EDIT_SEEN:
            found[name] = node["props"].get("data")
        elif isinstance(name, str) and name in FORM_IDS:
            found[name] = node["props"].get("value")
    return found


def edited(form: dict, name: str, value) -> dict:
    """The whole form as Save sends it: every field as the panel showed it, but one field set to a new value."""
    values = {f"{component}.value": form.get(component) for component in FORM_IDS}
    values[f"{ids.edit_field(name)}.value"] = value
    return values


def new_value(name: str, shown, rng: random.Random, token: str) -> tuple:
    """A value for a field other than the one shown: as a person types it and as the database stores it."""
    return next(value for value in (_typed(name, rng, token) for _ in range(VALUE_TRIES)) if value[1] != shown)


def _typed(name: str, rng: random.Random, token: str) -> tuple:
    """A random value of a field as typed and as stored: a phone with spaces is stored without them."""
    if name in COUNT_TOPS:
        number = rng.randint(1, COUNT_TOPS[name])
        return number, number
    if name == "contact_phone":
        digits = f"1{rng.randint(3, 9)}{rng.randrange(10**9):09d}"
        return f"{digits[:3]} {digits[3:7]} {digits[7:]}", digits
    return f"{name} {token}", f"{name} {token}"


def _save_outcome(response: requests.Response) -> str:
    """Saved (the answer carries the refreshed grid), refused as a conflict (the form asks to choose on some fields),
    or anything else (an error)."""
    answer = _answer(response)
    if answer is None:
        return "error"
    if ids.GRID_DATA in answer:
        return "ok"
    return "conflict" if _answer_seen(answer).get("conflicts") else "error"


def _answer(response: requests.Response) -> dict | None:
    """The outputs of a callback's 200 answer, by component id; None for any other answer."""
    try:
        answer = response.json()["response"] if response.status_code == 200 else None
    except (ValueError, KeyError, TypeError):
        return None
    return answer if isinstance(answer, dict) else None


def _answer_seen(answer: dict) -> dict:
    """The version store (unit, version, conflicts) of the unit panel an answer carries; empty without one."""
    panel = answer.get(ids.UNIT_PANEL)
    return form_state(panel.get("children") if isinstance(panel, dict) else None).get(ids.EDIT_SEEN) or {}


def _has(marker: bytes):
    """An outcome rule: a 200 answer that contains a marker."""
    return lambda response: "ok" if response.status_code == 200 and marker in response.content else "error"


class User:
    """One simulated user: one requests session, signed in as one account, recording every request it makes."""

    def __init__(self, base: str, account: tuple[str, str], address: str, seed: int, owned=()):
        self.base, self.account, self.tally, self.owned = base, account, Tally(), list(owned)
        self.session = requests.Session()
        self.session.headers.update({"Origin": base, "X-Forwarded-For": address})
        self.random, self.callbacks, self.clicks = random.Random(seed), {}, 0

    def request(self, kind: str, method: str, path: str, outcome, **kwargs) -> tuple[requests.Response | None, str]:
        """Send one request, timed, and record it with the outcome rule's verdict (no answer is an error); returns the
        answer and the verdict."""
        started = time.monotonic()
        try:
            response = self.session.request(method, self.base + path, timeout=TIMEOUT_S, **kwargs)
        except requests.RequestException as problem:
            response, verdict = None, "error"
            self.note_error(kind, repr(problem))
        else:
            verdict = outcome(response)
            if verdict == "error":
                self.note_error(kind, f"{response.status_code} {response.text[:200]!r}")
        self.tally.records.append(Record(kind, started, (time.monotonic() - started) * 1000, verdict))
        return response, verdict

    def sign_in(self) -> bool:
        """POST the sign-in form (a 302 is success), then load the callback list as the browser does."""
        name, password = self.account
        _signed, verdict = self.request(SIGN_IN, "POST", "/login", lambda r: "ok" if r.status_code == 302 else "error",
                                        data={"username": name, "password": password, "next": "/"}, allow_redirects=False)
        if verdict != "ok":
            return False
        dependencies = self.session.get(f"{self.base}/_dash-dependencies", timeout=TIMEOUT_S)
        self.callbacks = server_callbacks(dependencies.json()) if dependencies.status_code == 200 else {}
        return len(self.callbacks) == 3

    def callback(self, kind: str, first_input: str, values: dict, outcome) -> tuple[requests.Response | None, str]:
        """POST one server callback with values by 'id.property'; returns the answer and the verdict."""
        entry = self.callbacks[first_input]
        return self.request(kind, "POST", "/_dash-update-component", outcome,
                            json=callback_request(entry["output"], entry, lambda i, p: values.get(f"{i}.{p}")))

    def open_page(self, kind: str, path: str, marker: bytes) -> None:
        """Navigate inside the app: the pages router callback for a path."""
        location = {"_pages_location.pathname": path, "_pages_location.search": ""}
        self.callback(kind, "_pages_location", location, _has(marker))

    def open_unit(self, unit_id: int, building_id: int) -> dict | None:
        """The unit panel for a clicked unit; returns its edit form (values and seen version), or None."""
        values = {f"{ids.SELECTED_UNIT}.data": unit_id, f"{ids.BUILDING_ID}.data": building_id}
        response, verdict = self.callback(OPEN_UNIT, ids.SELECTED_UNIT, values, _has(b'"edit-seen"'))
        if verdict != "ok":
            return None
        return form_state(response.json()["response"][ids.UNIT_PANEL]["children"])

    def save(self, form: dict, building_id: int, name: str, value) -> tuple[str, int | None]:
        """Press Save on a unit's whole form with one field changed; returns the outcome and, when saved, the version
        that the answer's refreshed panel shows."""
        self.clicks += 1
        values = {f"{ids.EDIT_SAVE}.n_clicks": self.clicks, f"{ids.EDIT_SEEN}.data": form[ids.EDIT_SEEN],
                  f"{ids.BUILDING_ID}.data": building_id, **edited(form, name, value)}
        response, verdict = self.callback(SAVE, ids.EDIT_SAVE, values, _save_outcome)
        return verdict, _answer_seen(_answer(response)).get("version") if verdict == "ok" else None

    def think(self, think: tuple[float, float], window: Window) -> bool:
        """Pause like a person (never past the deadline); False once the window has closed."""
        time.sleep(max(0.0, min(self.random.uniform(*think), window.deadline - time.monotonic())))
        return time.monotonic() < window.deadline

    def note_error(self, kind: str, what: str) -> None:
        """Keep the first few error answers to show."""
        if len(self.tally.samples) < 3:
            self.tally.samples.append(f"{kind}: {what}")


# --- the load --------------------------------------------------------------------------------------------------------


def staff_turn(user: User, scenario: Scenario, think: tuple[float, float], window: Window, turn: int) -> None:
    """Open the unit of one of the user's (unit, field) pairs, think, and save the form with that field changed, at
    the version the panel gave (colleagues may have saved other fields of the unit meanwhile)."""
    unit_id, name = user.random.choice(user.owned)
    form = user.open_unit(unit_id, scenario.building_id)
    if form is None or ids.EDIT_SEEN not in form or not user.think(think, window):
        return
    typed, stored = new_value(name, form.get(ids.edit_field(name)), user.random, f"{user.account[0]} turn {turn}")
    outcome, answered = user.save(form, scenario.building_id, name, typed)
    if outcome == "ok":
        user.tally.acknowledge(unit_id, name, stored, form[ids.EDIT_SEEN]["version"], answered)


def leader_turn(user: User, scenario: Scenario, _think, _window, _turn: int) -> None:
    """Open the sub-district's page, or now and then one of its buildings."""
    if user.random.random() < BUILDING_SHARE:
        user.open_page(BUILDING_PAGE, f"/building/{user.random.choice(scenario.buildings)}", f'"{ids.GRID_DATA}"'.encode())
    else:
        user.open_page(AREA_PAGE, f"/area/{scenario.subdistrict_id}", f'"{ids.AREA_CHART}"'.encode())


def live(user: User, turn, scenario: Scenario, think: tuple[float, float], window: Window,
         barrier: threading.Barrier) -> None:
    """Sign in, wait for everyone, then take turns with think times until the window closes."""
    ready = _guarded(user, user.sign_in)
    barrier.wait(timeout=300)
    for number in range(MAX_TURNS):
        if not ready or not user.think(think, window):
            return
        _guarded(user, lambda: turn(user, scenario, think, window, number))


def _guarded(user: User, step):
    """Run a step of a user; a fault of the driver is counted and shown in the report instead of ending the user unseen."""
    try:
        return step()
    except Exception as fault:  # any fault at all: it must show, and the barrier must not wait for a dead thread
        user.tally.faults += 1
        user.note_error("driver", repr(fault))
        return None


def run_load(server: Server, scenario: Scenario, staff: int, leaders: int, seconds: float,
             think: tuple[float, float]) -> dict:
    """Run staff and leaders against the server for a window; returns everyone's tally, the window and its CPU time."""
    base, tally, window = server.base, Tally(), Window(seconds, lambda: cpu_seconds(server))
    hands = deal(scenario.pairs, staff) if staff else []
    users = ([(User(base, scenario.staff[n], f"10.1.{n // 250}.{n % 250 + 1}", n, hands[n]), staff_turn)
              for n in range(staff)]
             + [(User(base, scenario.leaders[n], f"10.2.{n // 250}.{n % 250 + 1}", 10_000 + n), leader_turn)
                for n in range(leaders)])
    barrier = threading.Barrier(len(users), action=window.open)
    threads = [threading.Thread(target=live, args=(user, turn, scenario, think, window, barrier), daemon=True)
               for user, turn in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed, cpu = time.monotonic() - window.start, window.cpu_used()
    for user, _turn in users:
        tally.merge(user.tally)
    return {"tally": tally, "window": window, "elapsed": elapsed, "cpu_s": cpu}


def measured(server: Server, scenario: Scenario, staff: int, leaders: int, seconds: float,
             think: tuple[float, float]) -> dict:
    """One run with the database checked before and after, CPU time used, and the server log's new lines scanned."""
    before = snapshot(scenario.url, scenario.building_id)
    offset, load = server.log.stat().st_size, os.getloadavg()[0]
    run = run_load(server, scenario, staff, leaders, seconds, think)
    after = snapshot(scenario.url, scenario.building_id)
    tally, start = run["tally"], run["window"].start
    return {**summary(tally.records, start, run["elapsed"]), "saves": sum(tally.saves.values()),
            "stale_saves": tally.stale, **lost_updates(before, after, tally), "cpu_s": run["cpu_s"],
            "load_average_before": load, "server_log": server_trouble(server.log, offset), "driver_faults": tally.faults,
            "error_samples": tally.samples, "records": tally.records, "window_start": start}


# --- figures ---------------------------------------------------------------------------------------------------------


def lost_updates(before: Snapshot, after: Snapshot, tally: Tally) -> dict:
    """What the database lost or added: field values other than the last acknowledged (or, never saved, the one
    before), versions other than the version before plus the unit's saves, and the history rows added."""
    wrong = wrong_values(before.values, after.values, tally.acked)
    return {"fields_saved": len(tally.acked), "lost_values": len(wrong),
            "wrong_values": dict(list(wrong.items())[:WRONG_SHOWN]),
            "version_mismatches": wrong_versions(before.versions, after.versions, tally.saves),
            "history_rows_added": after.history_rows - before.history_rows}


def wrong_values(before: dict[int, dict], after: dict[int, dict], acked: dict[tuple[int, str], object]) -> dict:
    """Each unit field whose value is not the last acknowledged for it, or, when none was, not its value before."""
    return {f"{unit}.{name}": {"expected": acked.get((unit, name), before[unit][name]), "found": found}
            for unit, fields in after.items() for name, found in fields.items()
            if found != acked.get((unit, name), before[unit][name])}


def wrong_versions(before: dict[int, int], after: dict[int, int], saves: Counter) -> dict:
    """Units whose final version is not their version before plus the saves acknowledged for them."""
    return {str(unit): {"expected": before[unit] + saves[unit], "found": found}
            for unit, found in after.items() if found != before[unit] + saves[unit]}


def percentile(ordered: list[float], share: float) -> float:
    """Nearest-rank percentile of a sorted list."""
    return ordered[max(0, math.ceil(share / 100 * len(ordered)) - 1)]


def stats(records: list[Record], seconds: float | None) -> dict:
    """Count, throughput, p50/p95/p99 in ms, errors and conflicts of some requests."""
    ordered = sorted(r.ms for r in records)
    outcomes = Counter(r.outcome for r in records)
    return {"count": len(records), "per_s": round(len(records) / seconds, 1) if seconds else None,
            **{f"p{p}_ms": round(percentile(ordered, p), 1) if ordered else None for p in (50, 95, 99)},
            "errors": outcomes["error"], "conflicts": outcomes["conflict"]}


def summary(records: list[Record], start: float, elapsed: float) -> dict:
    """Figures per kind (sign-ins before the window, the rest over it) and for all requests of the window."""
    kinds = {kind: stats([r for r in records if r.kind == kind], None if kind == SIGN_IN else elapsed)
             for kind in KINDS if any(r.kind == kind for r in records)}
    inside = [r for r in records if r.kind != SIGN_IN and r.started >= start]
    return {"seconds": round(elapsed, 1), "kinds": kinds, "all": stats(inside, elapsed)}


def goals(result: dict) -> dict:
    """Each goal: met or missed."""
    errors = (sum(row["errors"] for row in result["kinds"].values()) + sum(result["server_log"].values())
              + result["driver_faults"])
    p95 = result["all"]["p95_ms"]
    return {"no errors": errors == 0, "no conflicts": result["all"]["conflicts"] == 0,
            "no lost updates": lost(result) == 0 and result["history_rows_added"] == result["saves"],
            f"p95 < {GOAL_P95_MS} ms": p95 is not None and p95 < GOAL_P95_MS}


def lost(result: dict) -> int:
    """Unit fields and versions that do not show the acknowledged saves."""
    return result["lost_values"] + len(result["version_mismatches"])


def limit_reached(level: dict) -> bool:
    """True when a ramp level misses a goal: p95 too slow, errors, conflicts, lost updates, or a locked database."""
    return not all(level["goals"].values())


# --- runs and output -------------------------------------------------------------------------------------------------


def single(server: Server, scenario: Scenario, args: argparse.Namespace) -> dict:
    """The mixed load of staff and leaders."""
    result = measured(server, scenario, args.staff, args.leaders, args.seconds, tuple(args.think))
    result["goals"] = goals(result)
    return result


def ramp(server: Server, scenario: Scenario, args: argparse.Namespace) -> dict:
    """Staff only, at each number of writers in turn; the first level that misses a goal is where the limit is."""
    levels = []
    for writers in args.ramp:
        level = measured(server, scenario, writers, 0, args.seconds, tuple(args.think))
        level.update(writers=writers, goals=goals(level))
        levels.append(level)
    limit = next((level["writers"] for level in levels if limit_reached(level)), None)
    return {"levels": levels, "limit_writers": limit, "goals": {"no limit reached": limit is None}}


def render(result: dict, header: str) -> str:
    """The run as text: a table of kinds, the database check, the server log, the goals."""
    lines = [header, _row_line("kind", ("count", "req/s", "p50", "p95", "p99", "errors", "conflicts"))]
    rows = {**result["kinds"], "all (window)": result["all"]}
    lines += [_row_line(kind, _cells(row)) for kind, row in rows.items()]
    lines += [f"saves acknowledged {result['saves']} ({result['stale_saves']} at a stale version, merged) on "
              f"{result['fields_saved']} unit fields; lost field values {result['lost_values']}; version mismatches "
              f"{len(result['version_mismatches'])}; history rows added {result['history_rows_added']}",
              "server log: " + ", ".join(f"{name} {count}" for name, count in result["server_log"].items())
              + f"; driver faults {result['driver_faults']}",
              _cpu_line(result)]
    lines += [f"error sample: {sample}" for sample in result["error_samples"]]
    lines += [f"wrong value: {name} expected {both['expected']!r}, found {both['found']!r}"
              for name, both in result["wrong_values"].items()]
    return "\n".join(lines + _goal_lines(result["goals"]))


def render_ramp(result: dict, header: str) -> str:
    """One row per level of writers, and the level where the goals are first missed."""
    heads = ("req/s", "saves/s", "stale", "p50", "p95", "p99", "errors", "conflicts", "lost", "locked", "app cpu%",
             "other%", "goals")
    lines = [header, _row_line("writers", heads)]
    for level in result["levels"]:
        row = level["all"]
        cells = (row["per_s"], round(level["saves"] / level["seconds"], 1), level["stale_saves"], row["p50_ms"],
                 row["p95_ms"], row["p99_ms"], sum(k["errors"] for k in level["kinds"].values()), row["conflicts"], lost(level),
                 level["server_log"]["database is locked"], *_cpu_shares(level), "MISSED" if limit_reached(level) else "ok")
        lines.append(_row_line(str(level["writers"]), cells))
    limit = result["limit_writers"]
    lines.append(f"goals first missed at {limit} writers" if limit else "every level met the goals")
    return "\n".join(lines)


def _cpu_shares(result: dict) -> tuple[int, int]:
    """Percent of the machine's CPU used by the app (gunicorn and PostgreSQL) and by other work, in the window."""
    cpu, capacity = result["cpu_s"], (os.cpu_count() or 1) * result["seconds"] / 100
    app = cpu["gunicorn"] + cpu["database"]
    return round(app / capacity), round((cpu["machine"] - app - cpu["driver"]) / capacity)


def _cpu_line(result: dict) -> str:
    """Who used the machine's CPU during the window: other work on a shared machine shows up as 'other'."""
    cpu = result["cpu_s"]
    other = round(cpu["machine"] - cpu["gunicorn"] - cpu["database"] - cpu["driver"], 1)
    line = (f"CPU s in the window: gunicorn workers {cpu['gunicorn']}, PostgreSQL {cpu['database']}, driver "
            f"{cpu['driver']}, other {other}, of {os.cpu_count()} cores x {result['seconds']} s; load average before "
            f"{result['load_average_before']:.1f}")
    share = _cpu_shares(result)[1]
    warning = f"\nWARNING: other work used {share}% of the CPU; latencies include waiting for it"
    return line + (warning if share > OTHER_WARN else "")


def _cells(row: dict) -> tuple:
    """A stats row's cells in table order."""
    return (row["count"], row["per_s"] or "-", row["p50_ms"], row["p95_ms"], row["p99_ms"], row["errors"], row["conflicts"])


def _row_line(first: str, cells: tuple) -> str:
    """A table row: a left-aligned name, then right-aligned cells."""
    return f"{first:<14}" + "".join(f"{'-' if cell is None else cell:>10}" for cell in cells)


def _goal_lines(met: dict) -> list[str]:
    """'ok' or 'MISSED' for each goal."""
    return [f"goal {name:<22} {'ok' if ok else 'MISSED'}" for name, ok in met.items()]


def write_records(path: Path, results: list[dict]) -> None:
    """Every request as CSV: level (writers or 'mixed'), kind, start (s from the window's start), ms, outcome."""
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(("level", "kind", "start_s", "ms", "outcome"))
        for result in results:
            for r in result["records"]:
                writer.writerow((result.get("writers", "mixed"), r.kind, round(r.started - result["window_start"], 3),
                                 round(r.ms, 1), r.outcome))


def parser() -> argparse.ArgumentParser:
    """The command line."""
    command = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n\n")[0])
    command.add_argument("--backend", choices=("postgresql", "sqlite"), default="postgresql")
    command.add_argument("--seconds", type=float, default=60, help="length of the load (of each level with --ramp)")
    command.add_argument("--think", type=float, nargs=2, default=(0.5, 1.5), metavar=("MIN", "MAX"),
                         help="think time before each request, uniform in seconds (default 0.5 1.5)")
    command.add_argument("--staff", type=int, default=20, help="writers of the mixed load (default 20)")
    command.add_argument("--leaders", type=int, default=20, help="readers of the mixed load (default 20)")
    command.add_argument("--ramp", type=lambda text: [_positive(n) for n in text.split(",")], metavar="N,N,...",
                         help="staff only, at each of these numbers of writers in turn")
    command.add_argument("--units", type=_positive, metavar="N",
                         help="the staff share N units of the building, spread over it (default: all of its units)")
    command.add_argument("--records", type=Path, help="also write every request to this CSV file")
    command.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    return command


def _positive(text: str) -> int:
    """A whole number above 0, from the command line."""
    number = int(text)
    if number < 1:
        raise argparse.ArgumentTypeError(f"{text}: at least 1")
    return number


def main(argv: list[str] | None = None) -> int:
    """Set up the database and the server, run the load, check the database, print the figures."""
    args = parser().parse_args(argv)
    staff, leaders = (max(args.ramp), 0) if args.ramp else (args.staff, args.leaders)
    with tempfile.TemporaryDirectory(prefix="units-load-") as folder, fresh_database(args.backend, Path(folder)) as (url, database_pid):
        if url is None:
            raise SystemExit("no PostgreSQL binaries under /usr/lib/postgresql (apt-get install postgresql)")
        scenario = seed(url, staff, leaders, args.units)
        with gunicorn(url, Path(folder) / "gunicorn.log", database_pid) as server:
            result = (ramp if args.ramp else single)(server, scenario, args)
    if args.records:
        write_records(args.records, result.get("levels", [result]))
    print(json.dumps(_public(result, args, scenario), default=str) if args.json else _text(result, args, scenario))
    return 0 if all(result["goals"].values()) else 1


def _header(args: argparse.Namespace, scenario: Scenario) -> str:
    """What ran: backend, server, users, length, think time and the building."""
    users = f"staff at {args.ramp} writers" if args.ramp else f"{args.staff} staff + {args.leaders} leaders"
    return (f"{args.backend}, gunicorn {WORKERS} sync workers, {users}, {args.seconds:g} s"
            f"{' each' if args.ramp else ''}, think {args.think[0]:g}-{args.think[1]:g} s; building "
            f"{scenario.building_id} ({scenario.units} units shared as {len(scenario.pairs)} unit fields), area page "
            f"/area/{scenario.subdistrict_id}")


def _text(result: dict, args: argparse.Namespace, scenario: Scenario) -> str:
    """The printed report."""
    return (render_ramp if args.ramp else render)(result, _header(args, scenario))


def _public(result: dict, args: argparse.Namespace, scenario: Scenario) -> dict:
    """The result as JSON: what ran, the figures, without the raw records."""
    def figures(run: dict) -> dict:
        """A run without its raw records."""
        return {key: value for key, value in run.items() if key not in ("records", "window_start")}

    clean = {**result, "levels": [figures(level) for level in result["levels"]]} if args.ramp else figures(result)
    return {"run": _header(args, scenario), **clean}


if __name__ == "__main__":
    sys.exit(main())
