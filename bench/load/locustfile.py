"""The people of the load, for locust: staff keeping their own (unit, field) pairs of one building true, leaders reading
their sub-district (`python -m bench.load` runs it with a plan file saying who sits where).

The measured window opens once every user has signed in: locust's statistics are reset then (so its CSV covers the
window) and CPU time is read. It closes after the plan's seconds: each user finishes its turn (`--stop-timeout`), and
what locust does not keep (the values each save was acknowledged for, CPU time per process, the figures from before the
window) goes to the result file.
"""
# ruff: noqa: I001  (bench.load.patches must come first: see there)
from bench.load import patches  # noqa: F401

import json
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import gevent
from gevent.event import Event
from locust import HttpUser, constant, events, task
from locust.exception import StopUser
from locust.stats import CSV_STATS_INTERVAL_SEC

from bench.load import driver
from bench.load.driver import (
    AREA_PAGE, BUILDING_PAGE, CALLBACK_LIST, CONFLICT, ERROR, OK, OPEN_UNIT, SAVE, SIGN_IN, TIMEOUT_S,
)
from bench.load.server import cpu_seconds
from dashboard import ids
from scripts.dash_client import callback_request

BUILDING_SHARE = 0.25
SAMPLES = 12


@dataclass
class Tally:
    """What the users saw that locust's statistics do not keep: acknowledged saves by unit, the last value acknowledged
    for each (unit, field), saves made at a stale version, conflicts by kind, the first few error answers."""

    saves: Counter = field(default_factory=Counter)
    acked: dict[tuple[int, str], object] = field(default_factory=dict)
    stale: int = 0
    conflicts: Counter = field(default_factory=Counter)
    samples: list[str] = field(default_factory=list)

    def acknowledge(self, unit_id: int, name: str, value, seen: int, answered: int | None) -> None:
        """Count an acknowledged save: the value its field must keep, and whether colleagues saved the unit between the
        version the panel gave and the one its answer shows."""
        self.saves[unit_id] += 1
        self.acked[(unit_id, name)] = value
        self.stale += answered is not None and answered > seen + 1

    def note_error(self, kind: str, what: str) -> None:
        """Keep the first few error answers to show."""
        if len(self.samples) < SAMPLES:
            self.samples.append(f"{kind}: {what}")

    def as_json(self) -> dict:
        """The tally as JSON (pairs as lists, unit ids as keys in text)."""
        return {"saves": {str(unit): count for unit, count in self.saves.items()},
                "acked": [[unit, name, value] for (unit, name), value in self.acked.items()],
                "stale": self.stale, "conflicts": dict(self.conflicts), "samples": self.samples}


class Window:
    """The measured period: opened when the last user has arrived (signed in, or failed to), closed after `seconds`."""

    def __init__(self, environment, plan: dict):
        self.environment, self.plan = environment, plan
        self.arrived, self.opened = 0, Event()
        self.start = self.deadline = self.elapsed = 0.0
        self.before: dict[str, dict] = {}
        self.cpu: dict[str, float] = {}
        self.cpu_used: dict[str, float] = {}

    def arrive(self) -> None:
        """Count one more user in; the last one opens the window (or the first to tire of waiting); all wait for it."""
        self.arrived += 1
        if self.arrived == len(self.plan["seats"]) or not self.opened.wait(timeout=driver.ARRIVAL_LIMIT_S):
            self.open()

    def open(self) -> None:
        """Keep the figures so far (the sign-ins), reset locust's statistics, read CPU time, start the clock."""
        if self.opened.is_set():
            return
        stats = self.environment.runner.stats
        self.before = {entry.name: stats_row(entry) for entry in stats.entries.values()}
        stats.reset_all()
        self.cpu, self.start = self.probe(), time.monotonic()
        self.deadline = self.start + self.plan["seconds"]
        self.opened.set()
        gevent.spawn_later(self.plan["seconds"], self.close)

    def close(self) -> None:
        """Stop the users (each finishes its turn), read CPU time, let locust's CSV writer catch up, then quit."""
        self.environment.runner.stop()
        self.elapsed = time.monotonic() - self.start
        self.cpu_used = {name: round(now - self.cpu[name], 1) for name, now in self.probe().items()}
        gevent.sleep(2 * CSV_STATS_INTERVAL_SEC)
        self.environment.runner.quit()

    def left(self) -> float:
        """Seconds until the window closes (none before it opens)."""
        return self.deadline - time.monotonic() if self.opened.is_set() else 0.0

    def probe(self) -> dict[str, float]:
        """CPU seconds used so far by gunicorn, PostgreSQL, this process and the machine."""
        return cpu_seconds(self.plan["gunicorn_pid"], self.plan["database_pid"])


class Run:
    """This process's run: the plan (who sits where, what they work on), its window and what the users saw."""

    def __init__(self, environment):
        options = environment.parsed_options
        self.plan = json.loads(Path(options.plan).read_text())
        self.result = Path(options.result)
        self.seats = iter(self.plan["seats"])
        self.window, self.tally = Window(environment, self.plan), Tally()

    def outcome(self, environment) -> dict:
        """What the main process reads besides locust's CSV: the window, CPU time, figures before it, the tally."""
        faults = sum(entry["count"] for entry in environment.runner.exceptions.values())
        return {"window_s": self.window.elapsed, "cpu_s": self.window.cpu_used, "before": self.window.before,
                "faults": faults, "tally": self.tally.as_json()}


def stats_row(entry) -> dict:
    """A locust statistics entry as a row of the report (no rate: these come before the window)."""
    percentile = {f"p{p}_ms": float(entry.get_response_time_percentile(p / 100)) if entry.num_requests else None
                  for p in (50, 95, 99)}
    return {"count": entry.num_requests, "per_s": None, **percentile, "errors": entry.num_failures, "conflicts": 0}


class Person(HttpUser):
    """One staff member or leader, as the next seat of the plan says: its account, address, random seed and pairs."""

    wait_time = constant(0)  # a person's pauses are taken inside each turn, so that none runs past the window
    load: Run

    def on_start(self) -> None:
        """Take a seat, sign in, and wait for everyone else; a user that cannot sign in stops."""
        seat = next(self.load.seats)
        self.account, self.owned = seat["account"], [tuple(pair) for pair in seat["owned"]]
        self.random, self.clicks, self.turns, self.callbacks = random.Random(seat["seed"]), 0, 0, {}
        self.client.headers.update({"Origin": self.host, "X-Forwarded-For": seat["address"]})
        signed = False
        try:
            signed = self.sign_in()
        finally:
            self.load.window.arrive()
        if not signed:
            raise StopUser()

    @task
    def turn(self) -> None:
        """Think, then take a staff member's or a leader's turn, while the window is open."""
        self.turns += 1
        if self.think():
            (self.staff_turn if self.owned else self.leader_turn)()

    def staff_turn(self) -> None:
        """Open the unit of one of the user's (unit, field) pairs, think, and save the form with that field changed, at
        the version the panel gave (colleagues may have saved other fields of the unit meanwhile)."""
        unit_id, name = self.random.choice(self.owned)
        form = self.open_unit(unit_id)
        if form is None or not self.think():
            return
        token = f"{self.account[0]} turn {self.turns}"
        typed, stored = driver.new_value(name, form.get(ids.edit_field(name)), self.random, token)
        answer, outcome = self.save(form, name, typed)
        if outcome == OK:
            seen = form[ids.EDIT_SEEN]["version"]
            self.load.tally.acknowledge(unit_id, name, stored, seen, driver.panel_seen(answer).get("version"))

    def leader_turn(self) -> None:
        """Open the sub-district's page, or now and then one of its buildings."""
        if self.random.random() < BUILDING_SHARE:
            building = self.random.choice(self.load.plan["buildings"])
            self.open_page(BUILDING_PAGE, f"/building/{building}", ids.GRID_DATA)
        else:
            self.open_page(AREA_PAGE, f"/area/{self.load.plan['subdistrict_id']}", ids.AREA_CHART)

    def think(self) -> bool:
        """Pause like a person, never past the window's end; False once the window has closed."""
        gevent.sleep(max(0.0, min(self.random.uniform(*self.load.plan["think"]), self.load.window.left())))
        return self.load.window.left() > 0

    def sign_in(self) -> bool:
        """POST the sign-in form (a redirect is success), then load the callback list as the browser does."""
        name, password = self.account
        form = {"username": name, "password": password, "next": "/"}
        with self.client.post("/login", data=form, allow_redirects=False, name=SIGN_IN, catch_response=True,
                              timeout=TIMEOUT_S) as response:
            self.judge(SIGN_IN, response, OK if response.status_code == 302 else ERROR)
        if response.status_code != 302:
            return False
        with self.client.get("/_dash-dependencies", name=CALLBACK_LIST, catch_response=True,
                             timeout=TIMEOUT_S) as response:
            self.callbacks = driver.server_callbacks(driver.parsed(response.status_code, response.content))
            self.judge(CALLBACK_LIST, response, OK if len(self.callbacks) == 3 else ERROR)
        return len(self.callbacks) == 3

    def open_page(self, kind: str, path: str, wanted: str) -> None:
        """Navigate inside the app: the pages router callback for a path, whose layout must hold a component id."""
        location = {f"{driver.PAGES_ROUTER}.pathname": path, f"{driver.PAGES_ROUTER}.search": ""}
        self.callback(kind, driver.PAGES_ROUTER, location, lambda answer: driver.page_outcome(answer, wanted))

    def open_unit(self, unit_id: int) -> dict | None:
        """The unit panel for a clicked unit; returns its edit form (values and seen version), or None."""
        values = {f"{ids.SELECTED_UNIT}.data": unit_id, f"{ids.BUILDING_ID}.data": self.load.plan["building_id"]}
        answer, _outcome = self.callback(OPEN_UNIT, ids.SELECTED_UNIT, values,
                                         lambda found: OK if driver.unit_form(found) else ERROR)
        return driver.unit_form(answer)

    def save(self, form: dict, name: str, value) -> tuple[dict | None, str]:
        """Press Save on a unit's whole form with one field changed; returns the answer and the outcome."""
        self.clicks += 1
        values = {f"{ids.EDIT_SAVE}.n_clicks": self.clicks, f"{ids.EDIT_SEEN}.data": form[ids.EDIT_SEEN],
                  f"{ids.BUILDING_ID}.data": self.load.plan["building_id"], **driver.edited(form, name, value)}
        return self.callback(SAVE, ids.EDIT_SAVE, values, driver.save_outcome)

    def callback(self, kind: str, first_input: str, values: dict, verdict) -> tuple[dict | None, str]:
        """POST one server callback with values by 'id.property', judged on its answer; returns answer and outcome."""
        entry = self.callbacks[first_input]
        body = callback_request(entry["output"], entry, lambda i, p: values.get(f"{i}.{p}"))
        with self.client.post("/_dash-update-component", json=body, name=kind, catch_response=True,
                              timeout=TIMEOUT_S) as response:
            answer = driver.callback_answer(response.status_code, response.content)
            outcome = verdict(answer)
            self.judge(kind, response, outcome)
        return answer, outcome

    def judge(self, kind: str, response, outcome: str) -> None:
        """Mark a request a success or a failure in locust's statistics; count conflicts, keep a few error answers."""
        if outcome == OK:
            response.success()
            return
        if outcome == CONFLICT:
            self.load.tally.conflicts[kind] += 1
        else:
            self.load.tally.note_error(kind, repr(response.error) if response.error else
                                      f"{response.status_code} {(response.text or '')[:200]!r}")
        response.failure(outcome)


@events.init_command_line_parser.add_listener
def _options(parser) -> None:
    """The plan to follow and where to write what locust does not keep."""
    parser.add_argument("--plan", help="JSON: seats, think time, seconds, the building and area, server processes")
    parser.add_argument("--result", help="JSON written at the end: window, CPU time, figures before it, the tally")


@events.init.add_listener
def _begin(environment, **_kwargs) -> None:
    """Read the plan once, before any user starts."""
    Person.load = Run(environment)


@events.quitting.add_listener
def _write_result(environment, **_kwargs) -> None:
    """Write the result file, however the run ended."""
    Person.load.result.write_text(json.dumps(Person.load.outcome(environment), default=str))
