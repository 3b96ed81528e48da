"""Pages and callbacks through the Flask test client, as the browser calls them (both backends)."""
from __future__ import annotations

from sqlalchemy import select

from dashboard import ids
from dashboard.extensions import engine
from dashboard.i18n import _, label, text_code
from data import queries
from data.models import Unit
from data.vocabulary import SOURCES
from layouts import unit_panel
from scripts.dash_client import by_id, open_page, post_callback, text_of
from tests.helpers import STATUSES, as_read, cells_of


def some_unit(app, building_id: int) -> dict:
    """A unit of a building, read straight from the database."""
    with app.server.app_context(), engine().connect() as conn:
        unit_id = conn.execute(select(Unit.id).where(Unit.building_id == building_id).order_by(Unit.id)).first()[0]
        return queries.unit(conn, unit_id)


def test_index_serves_local_assets_only(client):
    page = client.get("/").get_data(as_text=True)
    assert "楼盘图" in page and "/assets/grid.js" in page and "/assets/bootstrap.min.css" in page
    assert "cdn" not in page.lower()
    assert client.get("/assets/bootstrap.min.css").status_code == 200


def test_overview_lists_every_building_with_counts(app, client):
    layout = open_page(client, "/")
    words = text_of(layout)
    assert words.count("鲁谷路") == 33
    assert "第一楼宇工作站" in words and f"{as_read(app, lambda: text_code(STATUSES[0]))} " in words


def test_overview_search_from_url_and_from_the_box(client):
    assert text_of(open_page(client, "/", "?q=第二楼宇")).count("鲁谷路") == 9
    response = post_callback(client, [(ids.OVERVIEW_LIST, "children")], [(ids.OVERVIEW_SEARCH, "value", "鲁谷路1号")])
    found = text_of(response.get_json()["response"][ids.OVERVIEW_LIST]["children"])
    assert "鲁谷路1号" in found and "鲁谷路3号" not in found


def test_building_page_carries_the_whole_grid(app, client):
    layout = open_page(client, "/building/1")
    payload = by_id(layout, ids.GRID_DATA)["props"]["data"]
    with app.server.app_context(), engine().connect() as conn:
        units = queries.building_units(conn, 1)
    assert [cell["unit"] for cell in cells_of(payload)] == [unit["id"] for unit in units]
    assert by_id(layout, ids.SELECTED_UNIT)["props"]["data"] is None
    assert text_of(by_id(layout, ids.UNIT_PANEL)) == as_read(app, lambda: text_of(unit_panel.empty()))


def test_building_link_with_unit_reopens_its_panel(app, client):
    unit = some_unit(app, 2)
    layout = open_page(client, "/building/2", f"?unit={unit['id']}")
    assert by_id(layout, ids.SELECTED_UNIT)["props"]["data"] == unit["id"]
    panel = text_of(by_id(layout, ids.UNIT_PANEL))
    history, imported = as_read(app, lambda: (_("History"), label(SOURCES["import"])))
    assert unit["label"] in panel and history in panel and imported in panel


def test_unknown_pages_say_so(app, client):
    missing = as_read(app, lambda: _("Building not found"))
    assert missing in text_of(open_page(client, "/building/999999"))
    assert missing in text_of(open_page(client, "/building/abc"))
    assert as_read(app, lambda: _("Page not found")) in text_of(open_page(client, "/no/such/page"))


def show_unit(client, unit_id, building_id):
    """The unit panel callback's response text."""
    response = post_callback(client, [(ids.UNIT_PANEL, "children")], [(ids.SELECTED_UNIT, "data", unit_id)],
                             [(ids.BUILDING_ID, "data", building_id)])
    assert response.status_code == 200
    return text_of(response.get_json()["response"][ids.UNIT_PANEL]["children"])


def test_unit_panel_callback_shows_the_unit(app, client):
    unit = some_unit(app, 3)
    panel = show_unit(client, unit["id"], 3)
    assert unit["label"] in panel and unit["entrance_name"] in panel and as_read(app, lambda: _("History")) in panel


def test_unit_panel_callback_refuses_units_of_another_building(app, client):
    unit = some_unit(app, 3)
    assert as_read(app, lambda: _("Unit not found")) in show_unit(client, unit["id"], 4)
    assert unit["occupant_name"] not in show_unit(client, unit["id"], 4)


def test_unit_panel_callback_survives_forged_values(app, client):
    missing, empty = as_read(app, lambda: (_("Unit not found"), text_of(unit_panel.empty())))
    assert missing in show_unit(client, "1 OR 1=1", 1)
    assert missing in show_unit(client, {"$ne": 0}, 1)
    assert missing in show_unit(client, 1, "x")
    assert show_unit(client, None, 1) == empty
