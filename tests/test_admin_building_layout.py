"""The building layout page /admin/buildings/<id>/layout: its builders, its forms through the Flask test client on
both databases (each command, a refusal, forged requests) and renaming a unit in the browser."""
from __future__ import annotations

import pytest
from selenium.webdriver.support.ui import Select, WebDriverWait
from sqlalchemy import func, select

from callbacks.admin_building_layout import NOT_CHOSEN
from dashboard import ids
from dashboard.i18n import _
from data.building_plan import DEFAULT_PATTERN
from data.models import Area, Building, Floor, StructureChange, Unit
from layouts import admin_building_layout as layout
from layouts.admin_buildings import saved
from scripts.dash_client import by_id, open_page, post_json
from tests.helpers import CELL, as_read, database, start_signed_in
from tests.references import maintained, referenced

ENTRANCES = [{"id": 7, "name": "1单元", "position": 0}, {"id": 3, "name": "2单元", "position": 1}]
FLOORS = [{"id": 11, "entrance_id": 7, "label": "1", "level": 1}, {"id": 12, "entrance_id": 7, "label": "2",
                                                                   "level": 2},
          {"id": 13, "entrance_id": 3, "label": "1", "level": 1}]
UNITS = [{"id": 1, "entrance_id": 3, "floor_id": 13, "position": 0, "label": "101"},
         {"id": 2, "entrance_id": 7, "floor_id": 11, "position": 1, "label": "102"},
         {"id": 3, "entrance_id": 7, "floor_id": 12, "position": 0, "label": "201"},
         {"id": 4, "entrance_id": 7, "floor_id": 11, "position": 0, "label": "101"}]
USES = [{"code": "home", "label_zh": "住宅", "label_en": "Home"}]
AREAS = [{"id": 5, "name": "北京市 / 鲁谷街道"}]
BUILDING = {"id": 9, "name": "塔楼", "area_id": 5}


def test_choices_name_units_and_floors_by_entrance_top_floor_first():
    choices = layout.choices(ENTRANCES, FLOORS, UNITS, USES, AREAS)
    assert [o["value"] for o in choices["units"]] == ["3", "4", "2", "1"]
    assert choices["units"][0]["label"] == "1单元 · 2 · 201"
    assert [o["value"] for o in choices["floors"]] == ["12", "11", "13"]
    assert choices["entrances"] == [{"label": "1单元", "value": "7"}, {"label": "2单元", "value": "3"}]
    assert [o["value"] for o in choices["uses"]] == ["home"] and choices["areas"][0]["value"] == "5"


def test_the_page_has_a_form_per_action_and_the_building_s_area_chosen(app):
    choices = layout.choices(ENTRANCES, FLOORS, UNITS, USES, AREAS)
    page = as_read(app, lambda: layout.page(BUILDING, choices, {"count": 4}))
    for action in ids.LAYOUT_ACTIONS:
        assert by_id(page, ids.layout_button(action)).id == ids.layout_button(action)
        for name, _text, _kind in layout.FIELDS[action]:
            assert by_id(page, ids.layout_field(action, name)).id == ids.layout_field(action, name)
    assert by_id(page, ids.layout_field("move", "area")).value == "5"
    assert by_id(page, ids.layout_field("add-floor", "pattern")).value == DEFAULT_PATTERN
    assert by_id(page, ids.LAYOUT_GRID_DATA).data == {"count": 4}


def test_the_page_is_for_administrators_only(client, client_as):
    assert by_id(open_page(client, "/admin/buildings/1/layout"), ids.layout_button("rename"))
    with pytest.raises(LookupError):
        by_id(open_page(client, "/admin/buildings/99999/layout"), ids.layout_button("rename"))
    for username in ("staff", "leader", "viewer"):
        with pytest.raises(LookupError):
            by_id(open_page(client_as(username), "/admin/buildings/1/layout"), ids.layout_button("rename"))


def test_the_building_page_links_to_the_layout_for_administrators_only(client, client_as):
    assert by_id(open_page(client, "/building/1"), ids.LAYOUT_LINK)["props"]["href"] == "/admin/buildings/1/layout"
    with pytest.raises(LookupError):
        by_id(open_page(client_as("staff"), "/building/1"), ids.LAYOUT_LINK)


def ask(app, client, action: str, building=1, **fields) -> dict:
    """POST one form's button as dash-renderer does, the other forms empty; returns the JSON answer."""
    pressed = ids.layout_button(action)
    key, entry = next((k, e) for k, e in app.callback_map.items()
                      if e["inputs"][0]["id"] == ids.layout_button(ids.LAYOUT_ACTIONS[0]))
    values = {ids.layout_field(action, name): value for name, value in fields.items()}
    values[ids.LAYOUT_BUILDING] = building
    outputs = [dict(zip(("id", "property"), name.rsplit(".", 1), strict=True)) for name in key[2:-2].split("...")]
    body = {"output": key, "outputs": outputs,
            "inputs": [{**i, "value": int(i["id"] == pressed)} for i in entry["inputs"]],
            "state": [{**s, "value": values.get(s["id"])} for s in entry["state"]],
            "changedPropIds": [f"{pressed}.n_clicks"]}
    response = post_json(client, body)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_json()["response"]


def answered(answer: dict) -> str:
    """The class of the alert the page answers with."""
    return answer[ids.LAYOUT_MESSAGE]["children"]["props"]["className"]


def message_text(answer: dict) -> str:
    """The text of the answer's alert."""
    return answer[ids.LAYOUT_MESSAGE]["children"]["props"]["children"]


def stored(app) -> tuple:
    """What the commands may change: every unit's place and label, the buildings' areas, the records."""
    with database(app).connect() as conn:
        units = conn.execute(select(Unit.id, Unit.label, Unit.floor_id, Unit.position, Unit.retired_at)
                             .order_by(Unit.id)).all()
        areas = conn.execute(select(Building.id, Building.area_id).order_by(Building.id)).all()
        return units, areas, conn.execute(select(func.count()).select_from(StructureChange)).scalar_one()


def neighbours(app) -> tuple[int, int]:
    """Two units side by side on a floor of building 1."""
    with database(app).connect() as conn:
        rows = conn.execute(select(Unit.id, Unit.floor_id, Unit.position).where(
            Unit.building_id == 1, Unit.retired_at.is_(None)).order_by(Unit.floor_id, Unit.position)).all()
    return next((a.id, b.id) for a, b in zip(rows, rows[1:], strict=False) if a.floor_id == b.floor_id)


def a_unit(app, building: int = 1) -> int:
    """The first active unit of a building."""
    with database(app).connect() as conn:
        return conn.execute(select(func.min(Unit.id)).where(Unit.building_id == building,
                                                            Unit.retired_at.is_(None))).scalar_one()


def actions(app) -> list[str]:
    """The recorded structural actions, oldest first."""
    with database(app).connect() as conn:
        return list(conn.execute(select(StructureChange.action).order_by(StructureChange.id)).scalars())


def check_true_counts(app) -> None:
    """The counts and rollups kept equal the ones rebuilt from the units."""
    with database(app).connect() as conn:
        assert maintained(conn) == referenced(conn)


def test_an_administrator_renames_a_unit_and_the_selects_and_grid_follow(app, client):
    unit = a_unit(app)
    answer = ask(app, client, "rename", unit=str(unit), label="9901A")
    assert "layout-done" in answered(answer) and actions(app) == ["unit.rename"]
    with database(app).connect() as conn:
        assert conn.execute(select(Unit.label).where(Unit.id == unit)).scalar_one() == "9901A"
    options = answer[ids.layout_field("rename", "unit")]["options"]
    assert any(o["value"] == str(unit) and o["label"].endswith("9901A") for o in options)
    assert answer[ids.LAYOUT_GRID_DATA]["data"]["count"] == len(options)


def test_an_administrator_merges_two_neighbours(app, client):
    keep, other = neighbours(app)
    answer = ask(app, client, "merge", keep=str(keep), other=str(other), label="合并")
    assert "layout-done" in answered(answer) and actions(app) == ["unit.merge"]
    with database(app).connect() as conn:
        assert conn.execute(select(Unit.label).where(Unit.id == keep)).scalar_one() == "合并"
        assert conn.execute(select(Unit.retired_at).where(Unit.id == other)).scalar_one() is not None
    assert str(other) not in {o["value"] for o in answer[ids.layout_field("merge", "other")]["options"]}
    check_true_counts(app)


def test_an_administrator_splits_a_unit_with_latin_and_chinese_commas(app, client):
    unit = a_unit(app)
    with database(app).connect() as conn:
        floor = conn.execute(select(Unit.floor_id).where(Unit.id == unit)).scalar_one()
    answer = ask(app, client, "split", unit=str(unit), labels="S1, S2，S3")
    assert "layout-done" in answered(answer) and actions(app) == ["unit.split"]
    with database(app).connect() as conn:
        labels = conn.execute(select(Unit.label).where(Unit.floor_id == floor, Unit.retired_at.is_(None))).scalars()
        assert {"S1", "S2", "S3"} <= set(labels)
    check_true_counts(app)


def test_an_administrator_adds_a_floor_and_removes_it(app, client):
    answer = ask(app, client, "add-floor", entrance="1", level="90", label="90", units="3", use="home",
                 pattern=DEFAULT_PATTERN)
    assert "layout-done" in answered(answer)
    with database(app).connect() as conn:
        floor = conn.execute(select(Floor.id).where(Floor.entrance_id == 1, Floor.label == "90")).scalar_one()
        labels = conn.execute(select(Unit.label).where(Unit.floor_id == floor).order_by(Unit.position)).scalars()
        assert list(labels) == ["9001", "9002", "9003"]
    assert str(floor) in {o["value"] for o in answer[ids.layout_field("remove-floor", "floor")]["options"]}
    answer = ask(app, client, "remove-floor", floor=str(floor))
    assert "layout-done" in answered(answer) and actions(app) == ["floor.add", "floor.remove"]
    with database(app).connect() as conn:
        assert conn.execute(select(func.count()).where(Unit.floor_id == floor, Unit.retired_at.is_(None))
                            ).scalar_one() == 0
    assert str(floor) not in {o["value"] for o in answer[ids.layout_field("remove-floor", "floor")]["options"]}
    check_true_counts(app)


def test_an_administrator_moves_the_building(app, client):
    with database(app).connect() as conn:
        now = conn.execute(select(Building.area_id).where(Building.id == 1)).scalar_one()
        target = conn.execute(select(func.max(Area.id)).where(Area.id != now, Area.retired_at.is_(None))
                              ).scalar_one()
    answer = ask(app, client, "move", area=str(target))
    assert "layout-done" in answered(answer) and actions(app) == ["building.move"]
    with database(app).connect() as conn:
        assert conn.execute(select(Building.area_id).where(Building.id == 1)).scalar_one() == target
    check_true_counts(app)


@pytest.mark.parametrize("action, fields", [
    ("rename", {"label": ""}),
    ("merge", {"other": "first"}),
    ("split", {"labels": "only-one"}),
    ("add-floor", {"entrance": "1", "level": "ten", "label": "X", "units": "2", "use": "home",
                   "pattern": DEFAULT_PATTERN}),
    ("add-floor", {"entrance": "1", "level": "91", "label": "91", "units": "2", "use": "castle",
                   "pattern": DEFAULT_PATTERN}),
    ("remove-floor", {"floor": None}),
    ("move", {"area": "99999"}),
])
def test_a_refused_command_changes_nothing_and_says_why(app, client, action, fields):
    unit = str(a_unit(app))
    fields = {"unit": unit, "keep": unit, **fields}
    fields = {name: unit if value == "first" else value for name, value in fields.items()}
    before = stored(app)
    answer = ask(app, client, action, **fields)
    assert "layout-refused" in answered(answer) and message_text(answer)
    assert ids.LAYOUT_GRID_DATA not in answer and stored(app) == before


def test_a_unit_of_another_building_is_not_chosen(app, client):
    before = stored(app)
    answer = ask(app, client, "rename", unit=str(a_unit(app, building=2)), label="X1")
    assert "layout-refused" in answered(answer)
    assert message_text(answer) == as_read(app, lambda: _(NOT_CHOSEN))
    assert stored(app) == before


@pytest.mark.parametrize("username", ["staff", "leader", "viewer"])
def test_forged_requests_from_non_administrators_change_nothing(app, client_as, username):
    forger, unit = client_as(username), str(a_unit(app))
    before = stored(app)
    forged = [("rename", {"unit": unit, "label": "X1"}), ("split", {"unit": unit, "labels": "Y1, Y2"}),
              ("remove-floor", {"floor": "1"}), ("move", {"area": "1"}),
              ("add-floor", {"entrance": "1", "level": "92", "label": "92", "units": "2", "use": "home",
                             "pattern": DEFAULT_PATTERN})]
    for action, fields in forged:
        answer = ask(app, forger, action, **fields)
        assert "layout-refused" in answered(answer), action
        assert ids.LAYOUT_GRID_DATA not in answer
    assert stored(app) == before


def test_an_administrator_renames_a_unit_in_the_browser(browser, sqlite_app):
    start_signed_in(browser, sqlite_app, "admin")
    browser.driver.get(f"{browser.server_url}/building/1")
    browser.wait_for_element(f"#{ids.LAYOUT_LINK}", timeout=15).click()
    browser.wait_for_element(f"#{ids.LAYOUT_GRID_HOST} {CELL}", timeout=15)
    unit = a_unit(sqlite_app)
    Select(browser.find_element(f"#{ids.layout_field('rename', 'unit')}")).select_by_value(str(unit))
    browser.find_element(f"#{ids.layout_field('rename', 'label')}").send_keys("R901")
    browser.find_element(f"#{ids.layout_button('rename')}").click()
    browser.wait_for_element(".layout-done", timeout=15)
    with database(sqlite_app).connect() as conn:
        assert conn.execute(select(Unit.label).where(Unit.id == unit)).scalar_one() == "R901"
    WebDriverWait(browser.driver, 15).until(lambda d: any(
        "R901" in option.text for option in Select(
            d.find_element("id", ids.layout_field("rename", "unit"))).options))


def test_the_saved_answer_of_the_new_building_page_links_to_its_layout(app):
    assert by_id(as_read(app, lambda: saved(42, "塔", 3)), ids.LAYOUT_LINK).href == "/admin/buildings/42/layout"
