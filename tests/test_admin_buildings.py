"""Creating a building from a plan (data.buildings) on both databases, and the page /admin/buildings/new."""
from __future__ import annotations

import datetime as dt

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait
from sqlalchemy import func, insert, select

from dashboard import ids
from data import queries
from data.building_plan import FloorRange, Template, plan_building
from data.buildings import NEW_UNIT_STATUS, area_choices, create_building
from data.changes import ChangeContext, UnitEdit, apply_edits, recount
from data.db import writing
from data.models import Area, Building, Entrance, Floor, StructureChange, Unit, UnitChange
from data.structure import StructureRefused
from layouts.admin_buildings import FIELD_NAMES
from scripts.dash_client import by_id, open_page, post_json, walk
from tests.helpers import ADMIN, CELL, database, start_signed_in
from tests.references import maintained, referenced

USES = {"home", "firm", "mixed"}
TOWER = Template("塔楼", address="鲁谷路1号", use="mixed", entrances=("商业裙楼", "1单元", "2单元"), lowest=-2,
                 highest=33, skip=(4, 13, 14), units=0,
                 ranges=(FloorRange(-2, -1, 2, "firm", ("商业裙楼",)), FloorRange(1, 3, 6, "firm", ("商业裙楼",)),
                         FloorRange(5, 33, 4, "home", ("1单元", "2单元"))))
AT = dt.datetime(2026, 12, 3, 2, 30)


def context() -> ChangeContext:
    """A change by the test administrator at a fixed moment."""
    return ChangeContext(actor=ADMIN, request_id="req-1", at=AT)


def add_areas(engine) -> tuple[int, int]:
    """A city and a sub-district under it; their ids."""
    with writing(engine) as conn:
        conn.execute(insert(Area), [{"id": 1, "parent_id": None, "kind": "city", "name": "北京市", "path": "/1/",
                                     "depth": 0},
                                    {"id": 2, "parent_id": 1, "kind": "subdistrict", "name": "鲁谷街道",
                                     "path": "/1/2/", "depth": 1}])
    return 1, 2


def count(conn, model) -> int:
    """Rows in a table."""
    return conn.execute(select(func.count()).select_from(model)).scalar_one()


def test_the_issues_tower_is_created_unverified_with_true_counts_and_a_record(engine):
    _city, area = add_areas(engine)
    plan = plan_building(TOWER, USES)
    with writing(engine) as conn:
        building_id = create_building(conn, context(), area, plan)
    with engine.connect() as conn:
        entrances, floors = queries.building_layout(conn, building_id)
        units = queries.building_units(conn, building_id)
        assert [e["name"] for e in entrances] == ["商业裙楼", "1单元", "2单元"]
        assert len(floors) == 5 + 2 * 27 and len(units) == plan.cells == 238
        assert {u["status"] for u in units} == {NEW_UNIT_STATUS} and {u["version"] for u in units} == {1}
        assert {u["label"] for u in units} >= {"B101", "301", "3304", "501"}
        assert queries.status_counts(conn, [building_id])[building_id] == {NEW_UNIT_STATUS: 238}
        assert maintained(conn) == referenced(conn)
        kept = maintained(conn)
        assert kept["areas"][(1, NEW_UNIT_STATUS, "home")] == (216, 0, 0)
        assert kept["days"] == {(1, dt.date(2026, 12, 3), NEW_UNIT_STATUS): 238,
                                (2, dt.date(2026, 12, 3), NEW_UNIT_STATUS): 238}
        records = conn.execute(select(StructureChange)).mappings().all()
        assert [(r["action"], r["subject_id"], r["actor"], r["request_id"]) for r in records] == [
            ("building.create", str(building_id), ADMIN.username, "req-1")]
        assert records[0]["data_after"]["units"] == 238
        firsts = conn.execute(select(UnitChange.status_before, UnitChange.status_after, UnitChange.unit_version)
                              ).all()
        assert len(firsts) == 238 and set(firsts) == {(None, NEW_UNIT_STATUS, 1)}


def test_counts_stay_true_beside_other_buildings_and_after_an_edit(engine):
    _city, area = add_areas(engine)
    with writing(engine) as conn:
        first = create_building(conn, context(), area, plan_building(Template("A", lowest=1, highest=3, units=2), USES))
        create_building(conn, context(), 1, plan_building(Template("B", use="commercial", units=3), USES))
        unit_id = queries.building_units(conn, first)[0]["id"]
        apply_edits(conn, [UnitEdit(unit_id, {"status": "healthy", "residents": 2})], context())
    with engine.connect() as conn:
        assert maintained(conn) == referenced(conn)
    with writing(engine) as conn:
        before = maintained(conn)
        recount(conn)
        assert maintained(conn) == before


@pytest.mark.parametrize("area", [99, "retired"])
def test_a_missing_or_retired_area_is_refused_and_nothing_written(engine, area):
    add_areas(engine)
    if area == "retired":
        with writing(engine) as conn:
            conn.execute(Area.__table__.update().where(Area.id == 2).values(retired_at=AT))
        area = 2
    with pytest.raises(StructureRefused), writing(engine) as conn:
        create_building(conn, context(), area, plan_building(Template("A"), USES))
    with engine.connect() as conn:
        assert [count(conn, m) for m in (Building, Entrance, Floor, Unit, UnitChange, StructureChange)] == [0] * 6


def test_a_plan_made_elsewhere_is_checked_again(engine):
    add_areas(engine)
    plan = plan_building(Template("A", units=2), USES)
    floor = plan.entrances[0].floors[0]
    twins = floor.__class__(floor.label, floor.level, (floor.units[0], floor.units[0]))
    bad = plan.__class__(plan.name, plan.address, plan.use, (plan.entrances[0].__class__("1单元", 0, (twins,)),))
    unknown_use = plan.__class__(plan.name, plan.address, plan.use, (plan.entrances[0].__class__("1单元", 0, (
        floor.__class__("1", 1, (floor.units[0].__class__(0, "101", "castle"),)),)),))
    for wrong in (bad, unknown_use, plan.__class__("A", "", "residential", ())):
        with pytest.raises(StructureRefused), writing(engine) as conn:
            create_building(conn, context(), 2, wrong)
    with engine.connect() as conn:
        assert count(conn, Building) == 0 and count(conn, Unit) == 0


def test_area_choices_name_the_whole_path_and_leave_out_retired_areas(engine):
    add_areas(engine)
    with writing(engine) as conn:
        conn.execute(insert(Area).values(id=3, parent_id=2, kind="workstation", name="旧站", path="/1/2/3/", depth=2,
                                         retired_at=AT))
        assert area_choices(conn) == [{"id": 1, "name": "北京市"}, {"id": 2, "name": "北京市 / 鲁谷街道"}]


FORM = {"name": "新塔", "address": "鲁谷路9号", "use": "residential", "entrances": "2", "lowest": "B1", "highest": "6",
        "skip": "4", "units": "3", "ranges": "", "pattern": ""}


def ask(client, button: str, area=4, **changes):
    """POST the preview or save button of the new-building form as dash-renderer does; returns the JSON answer."""
    values = {**FORM, **changes}
    pressed = ids.BUILDING_NEW_SAVE if button == "save" else ids.BUILDING_NEW_PREVIEW
    outputs = [(ids.BUILDING_NEW_GRID_DATA, "data"), (ids.BUILDING_NEW_GRID_BOX, "className"),
               (ids.BUILDING_NEW_MESSAGE, "children")]
    body = {"output": ".." + "...".join(f"{i}.{p}" for i, p in outputs) + "..",
            "outputs": [{"id": i, "property": p} for i, p in outputs],
            "inputs": [{"id": ids.BUILDING_NEW_PREVIEW, "property": "n_clicks", "value": int(button != "save")},
                       {"id": ids.BUILDING_NEW_SAVE, "property": "n_clicks", "value": int(button == "save")}],
            "state": [{"id": ids.BUILDING_NEW_AREA, "property": "value", "value": area}]
            + [{"id": ids.building_new_field(name), "property": "value", "value": values[name]}
               for name in FIELD_NAMES],
            "changedPropIds": [f"{pressed}.n_clicks"]}
    response = post_json(client, body)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_json()["response"]


def message_class(answer) -> str:
    """The class of the alert the form answers with."""
    return answer[ids.BUILDING_NEW_MESSAGE]["children"]["props"]["className"]


def stored(app) -> tuple[int, int, int]:
    """Buildings, units and structure records in the app's database."""
    with database(app).connect() as conn:
        return count(conn, Building), count(conn, Unit), count(conn, StructureChange)


def test_the_page_is_for_administrators_only(client, client_as):
    assert by_id(open_page(client, "/admin/buildings/new"), ids.BUILDING_NEW_SAVE)
    for username in ("staff", "leader"):
        with pytest.raises(LookupError):
            by_id(open_page(client_as(username), "/admin/buildings/new"), ids.BUILDING_NEW_SAVE)


def test_a_preview_draws_the_grid_and_saves_nothing(app, client):
    before = stored(app)
    answer = ask(client, "preview")
    payload = answer[ids.BUILDING_NEW_GRID_DATA]["data"]
    assert payload["count"] == 2 * 6 * 3 and payload["rows"] == ["6", "5", "3", "2", "1", "B1"]
    assert {payload["statuses"][i]["code"] for i in payload["cells"]["status"]} == {NEW_UNIT_STATUS}
    assert answer[ids.BUILDING_NEW_GRID_BOX]["className"] == ""
    assert "building-new-previewed" in message_class(answer)
    assert stored(app) == before


def test_save_creates_the_building_unverified_and_links_to_it(app, client):
    buildings, units, records = stored(app)
    answer = ask(client, "save")
    assert "building-new-saved" in message_class(answer)
    assert stored(app) == (buildings + 1, units + 36, records + 1)
    with database(app).connect() as conn:
        new = conn.execute(select(func.max(Building.id))).scalar_one()
        assert set(queries.status_counts(conn, [new])[new]) == {NEW_UNIT_STATUS}
        assert maintained(conn) == referenced(conn)
    links = [part for part in walk(answer[ids.BUILDING_NEW_MESSAGE]["children"])
             if isinstance(part, dict) and "building-new-link" in part.get("props", {}).get("className", "")]
    assert [link["props"]["href"] for link in links] == [f"/building/{new}"]


@pytest.mark.parametrize("changes", [{"lowest": "7"}, {"units": "0"}, {"pattern": "{floor}"},
                                     {"highest": "60", "units": "99"},
                                     {"highest": "ten"}, {"name": ""}, {"ranges": "1-3 4 castle"}, {"area": 999},
                                     {"area": None}])
def test_bad_input_gets_a_message_and_changes_nothing(app, client, changes):
    before = stored(app)
    fields = {name: value for name, value in changes.items() if name != "area"}
    answer = ask(client, "save", changes.get("area", 4), **fields)
    assert "building-new-refused" in message_class(answer)
    assert stored(app) == before


@pytest.mark.parametrize("username", ["staff", "leader", "viewer"])
def test_a_forged_save_from_a_non_administrator_changes_nothing(app, client_as, username):
    before = stored(app)
    answer = ask(client_as(username), "save")
    assert "building-new-refused" in message_class(answer)
    assert stored(app) == before


def test_an_administrator_previews_and_saves_the_issues_tower_in_the_browser(browser, sqlite_app):
    start_signed_in(browser, sqlite_app, "admin")
    browser.wait_for_element(f"#{ids.NAV_ADMIN} .dropdown-toggle", timeout=15).click()
    browser.wait_for_element(f"#{ids.NAV_NEW_BUILDING}", timeout=15).click()
    browser.wait_for_element(f"#{ids.BUILDING_NEW_SAVE}", timeout=15)
    typed = {"name": "鲁谷塔", "entrances": "商业裙楼, 1单元, 2单元", "lowest": "B2", "highest": "33",
             "skip": "4, 13, 14", "units": "0",
             "ranges": "B2-B1 2 firm 商业裙楼\n1-3 6 firm 商业裙楼\n5-33 4 home 1单元 2单元"}
    for name, text in typed.items():
        field = browser.find_element(f"#{ids.building_new_field(name)}")
        field.clear()
        field.send_keys(text)
    Select(browser.find_element(f"#{ids.building_new_field('use')}")).select_by_value("mixed")
    browser.find_element(f"#{ids.BUILDING_NEW_PREVIEW}").click()
    preview = f"#{ids.BUILDING_NEW_GRID_HOST} {CELL}"
    WebDriverWait(browser.driver, 15).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, preview)) == 238)
    assert browser.find_elements(".building-new-previewed") and not browser.find_elements(".building-new-saved")
    Select(browser.find_element(f"#{ids.BUILDING_NEW_AREA}")).select_by_value("3")
    browser.find_element(f"#{ids.BUILDING_NEW_SAVE}").click()
    browser.wait_for_element(".building-new-link", timeout=15).click()
    on_page = f"#{ids.GRID_HOST} {CELL}"
    WebDriverWait(browser.driver, 15).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, on_page)) == 238)
    statuses = browser.driver.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0]), cell => cell.dataset.status);", on_page)
    assert set(statuses) == {NEW_UNIT_STATUS} and "/building/" in browser.driver.current_url
