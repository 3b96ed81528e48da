"""The status catalogue editor (issue #14): its commands on both backends, their refusals, the readable ink of any
colour, retired statuses left out of the choices but kept where units have them, the pages following at once, and the
admin-only page and callbacks."""
from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import func, select, update

from callbacks.admin_statuses import DONE, FIELDS
from dashboard import ids
from data import catalogue, queries
from data.changes import ChangeContext, UnitEdit, apply_edits
from data.colours import contrast_ratio, ink
from data.models import Building, Status, StructureChange, Unit
from data.structure import StructureRefused
from layouts import admin_statuses, building, bulk, edit_form
from scripts.dash_client import by_id, open_page, post_json, walk
from tests.helpers import ADMIN, as_read, database, start_signed_in
from tests.test_accessibility import report, sized, visit

NEW = {"label_zh": "核酸待检", "label_en": "Awaiting test", "color": "#FFEB3B", "text_code": "T", "text_code_zh": "检",
       "pattern": "dotted", "door_knock": True, "requires_dates": False, "default_days": None, "expires_to": None,
       "applies_to": ["home", "mixed"], "sort_order": 70}
AA = 4.5


def context() -> ChangeContext:
    """An administrator's change context."""
    return ChangeContext(actor=ADMIN, request_id="test-request")


def records(conn) -> list[tuple]:
    """The structure changes recorded, oldest first: (action, subject id, before, after)."""
    return [tuple(row) for row in conn.execute(select(
        StructureChange.action, StructureChange.subject_id, StructureChange.data_before, StructureChange.data_after,
    ).order_by(StructureChange.id))]


def status_of(conn, code: str) -> dict:
    """A status as stored."""
    return next(s for s in queries.statuses(conn) if s["code"] == code)


def editable(status: dict, **changes) -> dict:
    """A status's editable fields with some changed, as the form sends them."""
    return {**{name: status[name] for name in catalogue.EDITABLE}, **changes}


# The readable ink --------------------------------------------------------------------------------------------------

def test_ink_reaches_aa_on_every_colour_of_a_grid():
    """Every #RGB-step colour (4,096 of them, the extremes included) gets an ink of at least 4.5:1."""
    for red, green, blue in itertools.product("0123456789ABCDEF", repeat=3):
        colour = f"#{red * 2}{green * 2}{blue * 2}"
        assert contrast_ratio(ink(colour), colour) >= AA, colour


@given(st.integers(0, 0xFFFFFF))
def test_ink_reaches_aa_on_any_colour(value):
    """Any #RRGGBB an administrator types gets an ink of at least 4.5:1."""
    colour = f"#{value:06X}"
    assert contrast_ratio(ink(colour), colour) >= AA


@pytest.mark.parametrize("colour", ["#FFEB3B", "#777777", "#0000FF", "#00FF00", "#E91E63"])
def test_the_form_previews_the_chip_in_its_readable_ink(app, colour):
    """The form's preview draws the chip with the ink chosen for the colour typed, and that ink reaches AA."""
    preview = as_read(app, lambda: admin_statuses.preview({**NEW, "color": colour}))
    chip = next(part for part in walk(preview) if "status-chip" in (getattr(part, "className", "") or ""))
    assert chip.style["backgroundColor"] == colour
    assert chip.style["color"] == ink(colour)
    assert contrast_ratio(chip.style["color"], colour) >= AA


# The commands ------------------------------------------------------------------------------------------------------

def test_a_status_is_added_changed_retired_offered_again_and_deleted_each_recorded(engine):
    """Each command writes what it says and records it with who, the request, and the data before and after."""
    with engine.begin() as conn:
        added = catalogue.add_status(conn, context(), "awaiting_test", NEW)
        changed = catalogue.change_status(conn, context(), "awaiting_test",
                                          editable(added, label_en="Awaiting a test", color="#1565c0"))
        retired = catalogue.retire_status(conn, context(), "awaiting_test")
        restored = catalogue.restore_status(conn, context(), "awaiting_test")
        catalogue.delete_status(conn, context(), "awaiting_test")
        assert [a for a, *_ in records(conn)] == ["status.add", "status.change", "status.retire", "status.restore",
                                                  "status.delete"]
        assert records(conn)[1][2:] == ({"label_en": "Awaiting test", "color": "#FFEB3B"},
                                       {"label_en": "Awaiting a test", "color": "#1565C0"})
        assert {row[1] for row in records(conn)} == {"awaiting_test"}
        actors = conn.execute(select(StructureChange.actor, StructureChange.request_id).distinct()).all()
        assert actors == [(ADMIN.username, "test-request")]
        assert "awaiting_test" not in {s["code"] for s in queries.statuses(conn)}
    assert (added["label_zh"], added["door_knock"], added["applies_to"]) == ("核酸待检", True, ["home", "mixed"])
    assert changed["color"] == "#1565C0" and changed["label_en"] == "Awaiting a test"
    assert retired["retired_at"] is not None and restored["retired_at"] is None


def test_a_change_that_changes_nothing_records_nothing(engine):
    """Saving a status as it is writes no record."""
    with engine.begin() as conn:
        catalogue.change_status(conn, context(), "healthy", editable(status_of(conn, "healthy")))
        assert records(conn) == []


def test_a_dated_status_keeps_its_rules(engine):
    """A dated status for another campaign has default days and expires to an undated status."""
    with engine.begin() as conn:
        dated = catalogue.add_status(conn, context(), "observed_7",
                                     {**NEW, "requires_dates": True, "default_days": "7", "expires_to": "healthy"})
    assert (dated["requires_dates"], dated["default_days"], dated["expires_to"]) == (True, 7, "healthy")


def test_every_catalogue_change_makes_open_building_pages_redraw(app):
    """Open pages poll their building's revision: a label change bumps every building's."""
    with database(app).begin() as conn:
        before = dict(conn.execute(select(Building.id, Building.revision)).all())
        catalogue.change_status(conn, context(), "healthy", editable(status_of(conn, "healthy"), label_en="Fine"))
        after = dict(conn.execute(select(Building.id, Building.revision)).all())
    assert before and all(after[number] == revision + 1 for number, revision in before.items())


REFUSED_ADDITIONS = {
    "code with capitals": ("Awaiting", NEW),
    "code with a space": ("awaiting test", NEW),
    "empty code": ("", NEW),
    "code too long": ("a" * 33, NEW),
    "code taken": ("healthy", NEW),
    "no Chinese label": ("t1", {**NEW, "label_zh": "  "}),
    "label too long": ("t1", {**NEW, "label_en": "x" * 101}),
    "label of another status": ("t1", {**NEW, "label_en": "Vacant"}),
    "label is another status's code": ("t1", {**NEW, "label_en": "vacant"}),
    "colour without #": ("t1", {**NEW, "color": "FFEB3B"}),
    "colour by name": ("t1", {**NEW, "color": "yellow"}),
    "text code too long": ("t1", {**NEW, "text_code": "TTTTT"}),
    "no Chinese text code": ("t1", {**NEW, "text_code_zh": ""}),
    "text code taken": ("t1", {**NEW, "text_code": "H"}),
    "Chinese text code taken": ("t1", {**NEW, "text_code_zh": "健"}),
    "unknown pattern": ("t1", {**NEW, "pattern": "striped"}),
    "no use": ("t1", {**NEW, "applies_to": []}),
    "unknown use": ("t1", {**NEW, "applies_to": ["home", "shop"]}),
    "sort order not a number": ("t1", {**NEW, "sort_order": "first"}),
    "dated without days": ("t1", {**NEW, "requires_dates": True, "default_days": None}),
    "dated for no days": ("t1", {**NEW, "requires_dates": True, "default_days": 0}),
    "dated for too long": ("t1", {**NEW, "requires_dates": True, "default_days": 367}),
    "expires to an unknown status": ("t1", {**NEW, "requires_dates": True, "default_days": 7, "expires_to": "x"}),
    "expires to a dated status": ("t1", {**NEW, "requires_dates": True, "default_days": 7,
                                         "expires_to": "quarantined"}),
    "expires to a status not for its uses": ("t1", {**NEW, "requires_dates": True, "default_days": 7,
                                                    "expires_to": "reopened"}),
}


@pytest.mark.parametrize("code, values", REFUSED_ADDITIONS.values(), ids=REFUSED_ADDITIONS.keys())
def test_a_bad_status_is_refused_and_nothing_is_written(engine, code, values):
    """Each bad value is refused with a message, and the catalogue and the record stay as they were."""
    with engine.begin() as conn:
        before = queries.statuses(conn)
        with pytest.raises(StructureRefused) as refused:
            catalogue.add_status(conn, context(), code, values)
        assert str(refused.value.message)
        assert queries.statuses(conn) == before and records(conn) == []


def test_a_retired_status_cannot_be_the_one_a_dated_status_expires_to(engine):
    """Units whose quarantine ended would wait for a status no longer offered."""
    with engine.begin() as conn:
        catalogue.add_status(conn, context(), "all_clear", {**NEW, "label_en": "All clear", "label_zh": "解除"})
        catalogue.retire_status(conn, context(), "all_clear")
        with pytest.raises(StructureRefused):
            catalogue.add_status(conn, context(), "t1", {**NEW, "text_code": "X", "text_code_zh": "X",
                                                         "requires_dates": True, "default_days": 7,
                                                         "expires_to": "all_clear"})


def test_a_status_another_expires_to_is_neither_retired_nor_deleted(engine):
    """Quarantine expires to healthy: healthy stays offered."""
    with engine.begin() as conn:
        for command in (catalogue.retire_status, catalogue.delete_status):
            with pytest.raises(StructureRefused):
                command(conn, context(), "healthy")
        assert status_of(conn, "healthy")["retired_at"] is None and records(conn) == []


def test_the_last_status_of_a_use_is_not_retired(engine):
    """Every use keeps a status to choose: retiring all firm statuses stops at the last one."""
    with engine.begin() as conn:
        firm = [s["code"] for s in queries.statuses(conn) if "firm" in s["applies_to"]]
        with pytest.raises(StructureRefused):
            for code in firm:
                catalogue.retire_status(conn, context(), code)
        assert [s["code"] for s in queries.statuses(conn)
                if "firm" in s["applies_to"] and s["retired_at"] is None] == [firm[-1]]


def test_a_status_retired_twice_or_offered_when_offered_is_refused(engine):
    """Retiring a retired status and offering an offered one are refused."""
    with engine.begin() as conn:
        with pytest.raises(StructureRefused):
            catalogue.restore_status(conn, context(), "vacant")
        catalogue.retire_status(conn, context(), "vacant")
        with pytest.raises(StructureRefused):
            catalogue.retire_status(conn, context(), "vacant")


def test_an_unknown_status_is_refused(engine):
    """A code that names no status is refused by every command."""
    with engine.begin() as conn:
        for command in (catalogue.retire_status, catalogue.restore_status, catalogue.delete_status):
            with pytest.raises(StructureRefused):
                command(conn, context(), "nothing_such")
        with pytest.raises(StructureRefused):
            catalogue.change_status(conn, context(), "nothing_such", NEW)


def test_a_status_units_have_is_never_deleted(app):
    """Healthy is used by the demo's units: deleting it is refused and it stays."""
    with database(app).begin() as conn:
        with pytest.raises(StructureRefused):
            catalogue.delete_status(conn, context(), "vacant")
        assert status_of(conn, "vacant")


def test_a_status_only_history_names_is_never_deleted(app):
    """A status set on a unit and then replaced is still in its history: it can only be retired."""
    with database(app).begin() as conn:
        catalogue.add_status(conn, context(), "awaiting_test", NEW)
        unit = conn.execute(select(Unit).where(Unit.use == "home", Unit.status == "healthy")).first()
        for status, version in (("awaiting_test", unit.version), ("healthy", unit.version + 1)):
            apply_edits(conn, [UnitEdit(unit.id, {"status": status}, version)], context())
        assert not conn.execute(select(func.count()).where(Unit.status == "awaiting_test")).scalar()
        with pytest.raises(StructureRefused):
            catalogue.delete_status(conn, context(), "awaiting_test")
        assert catalogue.retire_status(conn, context(), "awaiting_test")["retired_at"] is not None


@pytest.mark.parametrize("changes", [{"requires_dates": True, "default_days": 14}, {"applies_to": ["firm"]}],
                         ids=["dates rule", "uses"])
def test_a_status_units_have_keeps_fitting_them(app, changes):
    """Healthy homes would no longer fit healthy: dating it or taking homes off it is refused."""
    with database(app).begin() as conn:
        with pytest.raises(StructureRefused):
            catalogue.change_status(conn, context(), "healthy", editable(status_of(conn, "healthy"), **changes))


# Retired statuses and the pages following ---------------------------------------------------------------------------

def retired(statuses: list[dict], code: str) -> list[dict]:
    """The catalogue with one status retired."""
    return [{**s, "retired_at": dt.datetime(2020, 3, 1) if s["code"] == code else s["retired_at"]} for s in statuses]


def test_a_retired_status_is_not_offered_in_the_bulk_bar_or_the_edit_form(app):
    """Vacant retired: the bulk bar and the form of a healthy unit do not offer it; a vacant unit's form keeps it."""
    with database(app).connect() as conn:
        statuses, uses = retired(queries.statuses(conn), "vacant"), queries.unit_uses(conn)
        healthy = queries.unit(conn, conn.execute(select(Unit.id).where(Unit.status == "healthy")).first()[0])
        vacant = queries.unit(conn, conn.execute(select(Unit.id).where(Unit.status == "vacant")).first()[0])
    bar = as_read(app, lambda: bulk.bulk_bar(statuses))
    assert "vacant" not in {option["value"] for option in by_id(bar, ids.BULK_STATUS).options}
    for unit, offered in ((healthy, False), (vacant, True)):
        form = as_read(app, lambda unit=unit: edit_form.form(unit, statuses, uses))
        assert ("vacant" in {o["value"] for o in by_id(form, ids.edit_field("status")).options}) is offered


def test_a_retired_status_stays_in_the_legend_while_units_have_it(app):
    """The legend shows a retired status with units, and leaves out one without."""
    with database(app).connect() as conn:
        statuses = retired(retired(queries.statuses(conn), "vacant"), "reopened")
    items = as_read(app, lambda: building.legend_items(statuses, {"vacant": 3, "healthy": 5}))
    shown = {item.id["status"] for item in items if isinstance(getattr(item, "id", None), dict)}
    assert "vacant" in shown and "reopened" not in shown and "healthy" in shown


def grid_and_legend(client, building_id: int = 1) -> tuple[dict, str]:
    """The building page's grid payload statuses by code, and its legend's text."""
    layout = open_page(client, f"/building/{building_id}")
    payload = by_id(layout, ids.GRID_DATA)["props"]["data"]
    legend = " ".join(str(p) for p in walk(by_id(layout, ids.LEGEND)) if isinstance(p, str))
    return {s["code"]: s for s in payload["statuses"]}, legend


def test_the_building_page_follows_a_label_and_colour_change_at_once(app, client):
    """Nothing caches the catalogue: the next page load draws the new label, colour and ink in grid and legend."""
    statuses, legend = grid_and_legend(client)
    with database(app).begin() as conn:
        catalogue.change_status(conn, context(), "healthy", editable(
            status_of(conn, "healthy"), label_zh="平安户", label_en="Safe home", color="#FFEB3B"))
    after, new_legend = grid_and_legend(client)
    assert after["healthy"]["label"] in {"平安户", "Safe home"}
    assert statuses["healthy"]["label"] not in {"平安户", "Safe home"}
    assert (after["healthy"]["color"], after["healthy"]["ink"]) == ("#FFEB3B", "#000000")
    assert after["healthy"]["label"] in new_legend and after["healthy"]["label"] not in legend


# The page and its callbacks -----------------------------------------------------------------------------------------

SAVE_OUTPUTS = [(ids.STATUS_FEEDBACK, "children"), (ids.STATUS_FEEDBACK, "color"), (ids.STATUS_FEEDBACK, "is_open"),
                (ids.STATUS_LIST, "children"), (ids.STATUS_EDITING, "data"), (ids.status_field("code"), "disabled"),
                (ids.STATUS_ACTIONS, "children")]


def press(client, button: str, editing, values: dict):
    """POST a press of one of the form's buttons with the form's values, as dash-renderer does."""
    inputs = [{"id": other, "property": "n_clicks", "value": int(other == button)} for other in DONE]
    state = [{"id": ids.STATUS_EDITING, "property": "data", "value": editing}] + [
        {"id": ids.status_field(name), "property": "value", "value": values.get(name)} for name in FIELDS]
    outputs = [{"id": i, "property": p} for i, p in SAVE_OUTPUTS]
    body = {"output": ".." + "...".join(f"{i}.{p}" for i, p in SAVE_OUTPUTS) + "..", "outputs": outputs,
            "inputs": inputs, "state": state, "changedPropIds": [f"{button}.n_clicks"]}
    return post_json(client, body)


def test_an_administrator_saves_a_status_through_the_form(app, client):
    """The form's save changes the label, answers with the new list, and records the change."""
    with database(app).connect() as conn:
        values = {"code": "vacant", **editable(status_of(conn, "vacant"), label_en="Empty")}
    response = press(client, ids.STATUS_SAVE, "vacant", values)
    assert response.status_code == 200
    answer = response.get_json()["response"]
    assert answer[ids.STATUS_FEEDBACK]["color"] == "success" and answer[ids.STATUS_EDITING]["data"] == "vacant"
    with database(app).connect() as conn:
        assert status_of(conn, "vacant")["label_en"] == "Empty"
        assert [r[0] for r in records(conn)] == ["status.change"]


def test_an_administrator_adds_a_status_and_a_refusal_is_shown(app, client):
    """Saving a new code adds it; a bad colour answers with the reason and writes nothing."""
    response = press(client, ids.STATUS_SAVE, None, {"code": "awaiting_test", **NEW, "color": "yellow"})
    assert response.get_json()["response"][ids.STATUS_FEEDBACK]["color"] == "danger"
    response = press(client, ids.STATUS_SAVE, None, {"code": "awaiting_test", **NEW})
    assert response.get_json()["response"][ids.STATUS_EDITING]["data"] == "awaiting_test"
    with database(app).connect() as conn:
        assert [r[:2] for r in records(conn)] == [("status.add", "awaiting_test")]


@pytest.mark.parametrize("username", ["staff", "leader", "viewer"])
def test_a_forged_save_from_a_non_administrator_changes_nothing(app, client_as, username):
    """Through the Flask test client, a non-administrator's save, retire and delete are all refused."""
    client = client_as(username)
    with database(app).connect() as conn:
        values = {"code": "vacant", **editable(status_of(conn, "vacant"), label_en="Empty")}
    for button in (ids.STATUS_SAVE, ids.STATUS_RETIRE, ids.STATUS_DELETE):
        response = press(client, button, "vacant", values)
        assert response.status_code == 200
        assert response.get_json()["response"][ids.STATUS_FEEDBACK]["color"] == "danger"
    with database(app).connect() as conn:
        assert status_of(conn, "vacant")["label_en"] != "Empty" and status_of(conn, "vacant")["retired_at"] is None
        assert records(conn) == []


def test_the_page_is_for_administrators_only(client_as):
    """An administrator gets the catalogue and a status's form; staff get the not-allowed page."""
    layout = open_page(client_as("admin"), "/admin/statuses", "?code=healthy")
    assert by_id(layout, ids.STATUS_LIST) and by_id(layout, ids.STATUS_EDITING)["props"]["data"] == "healthy"
    with pytest.raises(LookupError):
        by_id(open_page(client_as("staff"), "/admin/statuses"), ids.STATUS_LIST)


def test_the_page_marks_retired_statuses(app, client):
    """A retired status is still listed, marked, with a button to offer it again."""
    with database(app).begin() as conn:
        conn.execute(update(Status).where(Status.code == "reopened").values(retired_at=dt.datetime(2020, 3, 1)))
    layout = open_page(client, "/admin/statuses", "?code=reopened")
    rows = [p for p in walk(by_id(layout, ids.STATUS_LIST)) if isinstance(p, dict)
            and p.get("props", {}).get("data-status") == "reopened"]
    assert "status-retired" in rows[0]["props"]["className"]
    assert "d-none" not in (by_id(layout, ids.STATUS_RESTORE)["props"].get("className") or "")
    assert "d-none" in by_id(layout, ids.STATUS_RETIRE)["props"]["className"]


def retype(field, text: str) -> None:
    """Replace a text field's value as a person would: select all, type."""
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys(text)


def test_an_administrator_renames_a_status_in_the_browser(browser, sqlite_app):
    """Open a status's form, type a new English label and colour, see the preview's ink, save, see the list follow."""
    start_signed_in(browser, sqlite_app, "admin")
    browser.driver.get(f"{browser.server_url}/admin/statuses?code=vacant")
    retype(browser.wait_for_element(f"#{ids.status_field('label_en')}", timeout=15), "Empty flat")
    retype(browser.find_element(f"#{ids.status_field('color')}"), "#FFEB3B")
    WebDriverWait(browser.driver, 15).until(lambda d: browser.find_element(
        f"#{ids.STATUS_PREVIEW} .status-preview-chip").get_attribute("data-ink") == "#000000")
    browser.find_element(f"#{ids.STATUS_SAVE}").click()
    browser.wait_for_element(f"#{ids.STATUS_FEEDBACK}.alert-success", timeout=15)
    WebDriverWait(browser.driver, 15).until(lambda d: "Empty flat" in browser.find_element(
        f"#{ids.STATUS_LIST} tr[data-status=vacant]").text)
    with database(sqlite_app).connect() as conn:
        assert (status_of(conn, "vacant")["label_en"], status_of(conn, "vacant")["color"]) == ("Empty flat", "#FFEB3B")


@pytest.mark.parametrize("width", [1400, 390])
def test_the_catalogue_and_its_form_pass_the_accessibility_audit(browser, sqlite_app, width):
    """axe-core finds no serious or critical WCAG 2.1 AA violation on the list and a dated status's form."""
    driver = sized(browser, width)
    start_signed_in(browser, sqlite_app, "admin")
    report(visit(driver, f"{browser.server_url}/admin/statuses?code=quarantined", "/admin/statuses"))
