"""The page being opened comes with the app's layout, not from a callback after it (SQLite; the browser on SQLite)."""
from __future__ import annotations

import pytest

from dashboard import ids
from scripts.dash_client import by_id
from tests.helpers import CELL, cells_of, open_building, sign_in

LAYOUT = "/_dash-layout"


@pytest.fixture
def admin(sqlite_app):
    """A test client of the SQLite demo app, signed in as an administrator."""
    client = sqlite_app.server.test_client()
    assert sign_in(client, "admin").status_code == 302
    return client


def layout(client, referer: str | None) -> dict:
    """The app's layout as dash-renderer asks for it from a page (its address in the Referer)."""
    answer = client.get(LAYOUT, headers={"Referer": referer} if referer else {})
    assert answer.status_code == 200
    return answer.get_json()


def test_the_layout_asked_from_a_building_page_carries_its_grid_and_address(admin):
    found = layout(admin, "http://localhost/building/1?unit=3")
    cells = cells_of(by_id(found, ids.GRID_DATA)["props"]["data"])
    assert cells and all(cell["unit"] > 0 for cell in cells)
    where = by_id(found, "_pages_location")["props"]
    assert (where["pathname"], where["search"], where["hash"]) == ("/building/1", "?unit=3", "")


def test_a_layout_asked_from_elsewhere_or_nowhere_leaves_the_page_to_the_router(admin):
    for referer in (None, "http://elsewhere.example/building/1", "https://localhost/building/1"):
        found = layout(admin, referer)
        assert "pathname" not in by_id(found, "_pages_location")["props"]
        assert by_id(found, "_pages_content")["props"].get("children") is None


def test_a_layout_asked_from_an_unknown_address_carries_the_not_found_page(admin):
    found = layout(admin, "http://localhost/no/such/page")
    assert by_id(found, "_pages_content")["props"]["children"] is not None
    with pytest.raises(LookupError):
        by_id(found, ids.GRID_DATA)


def test_the_grid_is_drawn_without_a_callback_round_trip_first(browser, sqlite_app):
    open_building(browser, sqlite_app, 1)
    browser.wait_for_element(f"{CELL}", timeout=15)
    before = browser.driver.execute_script(
        "const drawn = Number(document.getElementById(arguments[0]).dataset.drawnAt);"
        "return performance.getEntriesByType('resource')"
        ".filter(r => r.name.includes('_dash-update-component') && r.startTime < drawn).length", ids.GRID_HOST)
    assert before == 0
    assert browser.get_logs() == []
