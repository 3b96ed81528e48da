"""Each interface speaks one language: every page, as each role, and every callback's output, read through real HTTP
requests, holds no interface text of the other language (data such as names aside): no Latin words in Chinese, no
Chinese characters in English."""
from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from sqlalchemy import select, update

from dashboard import ids
from data.models import Area, Building, Entrance, Status, Unit, UnitChange
from scripts.dash_client import callback_request, open_page, post_json
from tests.helpers import BUILDING, TEST_USERS, a_home, database, last_batch, press, save, sign_in, undo
from tests.test_ledger_page import GOOD, HEADER, MESSY, TITLE, XLSX, http_apply, http_preview, send, workbook

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
EN = {"Accept-Language": "en-US,en;q=0.9"}
# Properties whose text a person reads (or hears: aria-label), wherever they appear in a layout or a response.
TEXT_KEYS = {"children", "title", "aria-label", "placeholder", "label", "alt", "text", "hovertemplate", "header",
             "words", "summary", "caption", "data-text", "message"}
# Keys under which text is shown when they name a column, a trace or a legend entry (a form field's `name` is not).
NAMED_KEYS = {"columns", "data", "figure", "layout", "options", "statuses", "uses"}
LATIN_WORD = re.compile(r"[A-Za-z_]{2,}")
# Plotly's template syntax inside hover texts (%{y}, <extra></extra>), a placeholder the page's script fills, and
# the unit numbering pattern's fields ({floor}{n:02d}).
TEMPLATE_SYNTAX = re.compile(r"%\{[^}]*\}|</?extra>|%\(\w+\)s|\{\w+(?::\w+)?\}")
# A value quoted back to the user (what they typed into the address) is theirs, not the interface's.
QUOTED = re.compile(r"“[^”]*”")
# What may stay Latin in Chinese text: the address's own parameter names, the date pattern named in a refusal, and
# the keys of the keyboard, the language switch (it names English in English) and the notation of a colour.
TECHNICAL = {"as_of", "from", "to", "waited", "YYYY", "MM", "DD", "NUL", "Tab", "Enter", "Esc", "Shift", "Ctrl",
             "English", "RRGGBB", "xlsx", "csv", "MB", "Excel", "CSV"}
# What the test types into forms (data, whatever the interface's language).
TYPED = ("备注", "某人", "第一次", "过时的修改")
# What the ledgers the test uploads hold (headers, cells, their file's name): data, quoted back in the preview.
LEDGER_TEXTS = {*HEADER, *(cell for row in MESSY for cell in row), TITLE, XLSX, "台账"}
HAN = re.compile(r"[\u3400-\u9fff]")
# What may stay Chinese in English text: the switch to Chinese, and a phone extension as people type it (转123).
CHINESE_TERMS = ("中文", "转123")
FOREIGN = {"zh": lambda text: [w for w in LATIN_WORD.findall(text) if w not in TECHNICAL],
           "en": lambda text: HAN.findall(_without(text, CHINESE_TERMS))}


def _texts(node, key: str = "", named: bool = False):
    """Every string a person reads in a JSON layout or response, with the key it sits under."""
    if isinstance(node, str):
        if key in TEXT_KEYS or (key == "name" and named):
            yield key, node
    elif isinstance(node, list):
        for item in node:
            yield from _texts(item, key, named)
    elif isinstance(node, dict):
        inside_props = "namespace" in node and "props" in node
        for child_key, value in node.items():
            child_named = (named or child_key in NAMED_KEYS) and not inside_props
            yield from _texts(value, child_key if child_key != "props" else key, child_named)


def _foreign(node, data: set[str], language: str) -> list[str]:
    """The texts that still hold words of the other language once data and technical names are taken out."""
    return [f"{key}: {text}" for key, text in _texts(node)
            if FOREIGN[language](_without(QUOTED.sub(" ", TEMPLATE_SYNTAX.sub(" ", text)), data))]


def _without(text: str, values) -> str:
    """A text with every occurrence of some values taken out, longest first (a single character, such as a text code,
    is no word of either language and stays)."""
    for value in sorted((value for value in values if len(value) > 1), key=len, reverse=True):
        text = text.replace(value, " ")
    return text


def _data_names(app) -> set[str]:
    """Data as stored (names, addresses, labels, notes, comments) and the user names: text of either language."""
    columns = (Area.name, Building.name, Building.address, Entrance.name, Unit.label, Unit.occupant_name, Unit.note,
               UnitChange.comment, UnitChange.actor)
    with database(app).connect() as conn:
        stored = {value for column in columns for value in conn.execute(select(column).distinct()).scalars()}
    return {value for value in stored if value} | set(TEST_USERS) | {"root"}


def _catalogue(app) -> set[str]:
    """The status catalogue's codes, labels and text codes in both languages: data on the page that edits them."""
    with database(app).connect() as conn:
        rows = conn.execute(select(Status.code, Status.label_en, Status.label_zh, Status.text_code,
                                   Status.text_code_zh)).all()
    return {value for row in rows for value in row}


def _client(app, username: str, language: str):
    """A client signed in as a user, whose browser asks for a language."""
    client = app.server.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = (ZH if language == "zh" else EN)["Accept-Language"]
    assert sign_in(client, username).status_code == 302
    return client


def _pages(unit_id: int) -> list[tuple[str, str]]:
    """Every page, with the addresses that make it say something (a refusal, a past view, a unit)."""
    return [("/", ""), ("/", "?buildings=all"), ("/areas", ""), ("/area/3", ""), ("/area/3", "?as_of=nonsense"),
            ("/area/4", "?waited=0"), (f"/building/{BUILDING}", ""), (f"/building/{BUILDING}", f"?unit={unit_id}"),
            (f"/building/{BUILDING}", "?as_of=2020-02-30"), (f"/building/{BUILDING}", "?from=2020-01-01&to=2030-01-01"),
            (f"/building/{BUILDING}", "?from=2026-01-01"), ("/admin/access-log", ""), ("/no/such/page", ""),
            ("/building/999999", ""), ("/admin/areas", ""), ("/admin/buildings/new", ""), ("/admin/users", ""),
            ("/admin/statuses", ""), ("/admin/statuses", "?code=quarantined"), ("/admin/statuses", "?code=new"),
            (f"/admin/buildings/{BUILDING}/layout", ""), ("/account", ""), ("/import", "")]


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("username", ["staff", "leader", "viewer", "admin"])
def test_every_page_reads_in_one_language_for_each_role(sqlite_app, username, language):
    app = sqlite_app  # the language of a page does not depend on the database
    client, data = _client(app, username, language), _data_names(app)
    unit = a_home(app, "quarantined")
    left = {"shell": _foreign(json.loads(client.get("/_dash-layout").get_data(as_text=True)), data, language)}
    for path, search in _pages(unit["id"]):
        shown = data | (_catalogue(app) if path == "/admin/statuses" else set())
        left[path + search] = _foreign(open_page(client, path, search), shown, language)
    assert {page: texts for page, texts in left.items() if texts} == {}


@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_callback_answer_reads_in_one_language(sqlite_app, language):
    app = sqlite_app
    client = _client(app, "staff", language)
    answers = [_answer(post_json(client, body), body["output"]) for body in _callback_bodies(app, client)]
    answers += _write_outcomes(app, client) + _import_outcomes(app, client)
    data = _data_names(app) | set(TYPED) | LEDGER_TEXTS
    left = [text for answer in answers for text in _foreign(answer, data, language)]
    assert answers and left == []


def _answer(response, output: str) -> dict:
    """A callback's JSON answer (a 204 "nothing to update" as nothing)."""
    assert response.status_code in (200, 204), (output, response.get_data(as_text=True)[:300])
    return response.get_json() if response.status_code == 200 else {}


def _callback_bodies(app, client) -> list[dict]:
    """One request for every server callback of the app, with values as the building page would send."""
    unit = a_home(app, "quarantined")
    page = open_page(client, f"/building/{BUILDING}", f"?unit={unit['id']}")
    payload = _prop(page, ids.GRID_DATA, "data")
    values = {ids.OVERVIEW_SEARCH: "楼", ids.SELECTED_UNIT: unit["id"], ids.BUILDING_ID: BUILDING,
              ids.GRID_DATA: payload, ids.SELECTION: [unit["id"]], ids.BULK_STATUS: "quarantined",
              ids.BULK_APPLY: 1, ids.edit_field("note"): "备注", ids.REFRESH: 1, ids.REVISION_SEEN: -1}
    bodies = []
    for key, entry in app.callback_map.items():
        if entry.get("callback") is None or "_pages_content" in key:  # the router: pages are read above
            continue
        bodies.append(callback_request(key, entry, lambda i, p, v=values: _value(page, v, i, p)))
    return bodies


def _value(page, values: dict, component: str, prop: str):
    """A value the page would send for a component's property: the test's choice, else the page's own."""
    if component in values:
        return values[component]
    if component.startswith("{"):
        return []
    return _prop(page, component, prop)


def _prop(tree, component: str, prop: str):
    """A property of the component with an id in a JSON layout, or None."""
    if isinstance(tree, dict):
        props = tree.get("props", {})
        if props.get("id") == component:
            return props.get(prop)
        tree = list(tree.values())
    if isinstance(tree, list):
        for item in tree:
            found = _prop(item, component, prop)
            if found is not None:
                return found
    return None


def _write_outcomes(app, client) -> list[dict]:
    """The answers to every kind of write outcome: saved, refused as invalid (each rule), stale, undone, undo
    refused, a confirmation refused."""
    home = a_home(app, "healthy")
    answers = [save(app, client, home, residents=-1, contact_phone="12", quarantine_start="2020-02-30",
                    occupant_name="x" * 300)[1],
               save(app, client, home, status="reopened")[1],
               save(app, client, home, residents=500)[1],
               save(app, client, home, status="quarantined", quarantine_start="2099-01-01")[1],
               save(app, client, home, quarantine_end="2020-01-01")[1],
               save(app, client, home, status="vacant", occupant_name="某人")[1],
               save(app, client, home, note="第一次")[1]]
    answers.append(save(app, client, home, note="过时的修改")[1])
    answers.append(undo(app, client, "no-such-batch")[1])
    batch = last_batch(app, home["id"])
    answers.append(undo(app, client, batch)[1])
    answers.append(undo(app, client, batch)[1])
    answers.append(_confirm_not_ended(app, client))
    return [answer for answer in answers if answer]


def _import_outcomes(app, client) -> list[dict]:
    """The answers of the ledger import page: a preview with problems, one that can be applied, applied, an outdated
    preview refused, undone, an undo refused."""
    messy, good = workbook(MESSY), workbook(GOOD)
    digest = http_preview(app, client, good)[ids.IMPORT_DIGEST]["data"]
    answers = [http_preview(app, client, messy), http_preview(app, client, good), http_apply(app, client, good, digest)]
    batch = answers[-1][ids.IMPORT_BATCH]["data"]
    answers.append(http_apply(app, client, good, digest))
    for _twice in range(2):
        answers.append(send(app, client, ids.IMPORT_UNDO, {ids.IMPORT_UNDO: 1, ids.IMPORT_BATCH: batch}))
    return answers


def _confirm_not_ended(app, client) -> dict:
    """Confirming the end of a quarantine that has not ended."""
    unit = a_home(app, "quarantined")
    with database(app).begin() as conn:
        conn.execute(update(Unit).where(Unit.id == unit["id"]).values(quarantine_end=dt.date(2099, 1, 1)))
    return press(app, client, ids.confirm_button(unit["id"], unit["version"]))[1]


def test_the_sign_in_page_and_its_answers_read_in_chinese(sqlite_app):
    app = sqlite_app
    client = app.server.test_client()
    pages = [client.get("/login", headers=ZH),
             client.post("/login", data={"username": "staff", "password": "wrong"}, headers=ZH)]
    for page in pages:
        text = re.sub(r"<[^>]+>", " ", page.get_data(as_text=True))
        assert not [w for w in LATIN_WORD.findall(text) if w not in {"English", "doctype", "html"}], text
