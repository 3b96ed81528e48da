"""The requests of the load and how their answers are judged: by component ids and JSON keys, never by shown text."""
from __future__ import annotations

import json
import random

from dashboard import ids
from scripts.dash_client import walk

SIGN_IN, CALLBACK_LIST, OPEN_UNIT, SAVE = "sign-in", "callback list", "open unit", "save"
AREA_PAGE, BUILDING_PAGE = "area page", "building page"
KINDS = (SIGN_IN, CALLBACK_LIST, OPEN_UNIT, SAVE, AREA_PAGE, BUILDING_PAGE)
OK, CONFLICT, ERROR = "ok", "conflict", "error"
TIMEOUT_S = 30
ARRIVAL_LIMIT_S = 120
PAGES_ROUTER = "_pages_location"
SHARED_FIELDS = ("note", "occupant_name", "residents", "staff", "contact_phone")
# New head counts are drawn from 1 to this, so a count is shared only on units whose use allows that many.
COUNT_TOPS = {"residents": 9, "staff": 999}
VALUE_TRIES = 100
FORM_IDS = {ids.edit_field(name): name for name in ids.EDIT_FIELDS}


def server_callbacks(dependencies) -> dict[str, dict]:
    """The server callbacks by the id of their first input: the pages router, the unit panel, the Save button."""
    wanted = (PAGES_ROUTER, ids.SELECTED_UNIT, ids.EDIT_SAVE)
    if not isinstance(dependencies, list):
        return {}
    return {entry["inputs"][0]["id"]: entry for entry in dependencies
            if entry["inputs"][0]["id"] in wanted and not entry.get("clientside_function")}


def parsed(status: int, body: bytes | None):
    """The JSON of a 200 answer; None for any other answer or a body that is not JSON."""
    if status != 200 or body is None:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None


def callback_answer(status: int, body: bytes | None) -> dict | None:
    """The outputs of a callback's 200 answer, by component id; None for any other answer."""
    found = parsed(status, body)
    answer = found.get("response") if isinstance(found, dict) else None
    return answer if isinstance(answer, dict) else None


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


def unit_form(answer: dict | None) -> dict | None:
    """The edit form of the unit panel an answer carries, when it has its version store; None otherwise."""
    panel = answer.get(ids.UNIT_PANEL) if answer else None
    form = form_state(panel.get("children")) if isinstance(panel, dict) else {}
    return form if isinstance(form.get(ids.EDIT_SEEN), dict) else None


def panel_seen(answer: dict | None) -> dict:
    """The version store (unit, version, conflicts) of the unit panel an answer carries; empty without one."""
    form = unit_form(answer)
    return form[ids.EDIT_SEEN] if form else {}


def save_outcome(answer: dict | None) -> str:
    """Saved (the answer carries the refreshed grid), refused as a conflict (the form asks to choose on some fields),
    or anything else (an error)."""
    if answer is None:
        return ERROR
    if ids.GRID_DATA in answer:
        return OK
    return CONFLICT if panel_seen(answer).get("conflicts") else ERROR


def page_outcome(answer: dict | None, wanted: str) -> str:
    """A page the router drew: ok when its layout holds the component with the wanted id."""
    layout = (answer or {}).get("_pages_content")
    found = isinstance(layout, dict) and any(isinstance(node, dict) and node.get("props", {}).get("id") == wanted
                                             for node in walk(layout.get("children")))
    return OK if found else ERROR


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
