"""A database that stops answering, and requests that are no callback requests: a clear answer, nothing half-done,
the session kept."""
from __future__ import annotations

import pytest
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy.exc import OperationalError

import callbacks.editing
from dashboard import ids
from dashboard.i18n import _
from dashboard.outage import NOT_A_CALLBACK, UNEXPECTED, UNREACHABLE
from data import queries
from scripts.dash_client import edit_request, post_callback, post_json
from tests.helpers import (
    CELL,
    a_home,
    as_read,
    demo_app,
    open_building,
    part,
    queries_unit,
    save,
    sign_in,
    throwaway_cluster,
)


@pytest.fixture
def own_cluster():
    """A PostgreSQL cluster of this test's own, that it may stop and start."""
    yield from throwaway_cluster()


def problem_of(response) -> dict:
    """The props that a callback answer sets on the app's database-problem banner."""
    return response.get_json()["sideUpdate"][ids.DATABASE_PROBLEM]


def test_a_stopped_database_gets_a_message_and_the_session_survives(own_cluster):
    app = demo_app(own_cluster.new_database())
    staff = app.server.test_client()
    assert sign_in(staff, "staff").status_code == 302
    unit = a_home(app)
    own_cluster.halt()
    try:
        answer = post_json(staff, edit_request(app.callback_map, unit, 1, note="during the outage"))
        shown = as_read(app, lambda: _(UNREACHABLE))
        assert answer.status_code == 200 and problem_of(answer) == {"children": shown, "is_open": True}
        assert answer.get_json()["response"] == {} and shown != UNREACHABLE
        page, api = staff.get("/building/1"), staff.get("/api/areas/3/counts")
        assert page.status_code == 503 and shown in page.get_data(as_text=True)
        assert api.status_code == 503 and api.get_json() == {"error": UNREACHABLE}
        assert staff.get("/health").status_code == 503
    finally:
        own_cluster.resume()
    assert queries_unit(app, unit["id"])["version"] == unit["version"]
    code, response = save(app, staff, unit, note="after the outage")
    assert code == 200 and ids.GRID_DATA in response["response"]
    assert queries_unit(app, unit["id"])["note"] == "after the outage"


def test_a_committed_save_is_reported_saved_when_the_redraw_fails(app, client_as, monkeypatch):
    def unreachable(*_args):
        raise OperationalError("SELECT 1", {}, ConnectionError("server closed the connection"))

    monkeypatch.setattr(callbacks.editing, "_building", unreachable)
    unit = a_home(app)
    code, response = save(app, client_as("staff"), unit, note="kept")
    assert code == 200 and ids.GRID_DATA not in response["response"]
    assert part(response, ids.UNIT_PANEL)["children"]["props"]["color"] == "warning"
    assert queries_unit(app, unit["id"])["note"] == "kept"


@pytest.mark.parametrize(
    "body",
    [
        [],
        {},
        [1, 2],
        "text",
        7,
        {"output": "x"},
        {"output": "x", "outputs": {}, "inputs": "a"},
        {"output": ["x"], "outputs": {}, "inputs": []},
    ],
)
def test_a_body_that_is_no_callback_request_is_refused_with_400(client, body):
    response = post_json(client, body)
    assert response.status_code == 400 and response.get_json() == {"error": NOT_A_CALLBACK}


def test_the_browser_shows_the_outage_where_the_user_looks(browser, sqlite_app, monkeypatch):
    def unreachable(*_args, **_kwargs):
        raise OperationalError("UPDATE units", {}, ConnectionError("server closed the connection"))

    open_building(browser, sqlite_app, 1, username="staff")
    browser.driver.execute_script("arguments[0].click()", browser.find_element(f"{CELL}[data-status=healthy]"))
    browser.wait_for_element(f"#{ids.edit_field('note')}", timeout=10)
    monkeypatch.setattr(callbacks.editing, "apply_edits", unreachable)
    browser.driver.execute_script("arguments[0].click()", browser.find_element(f"#{ids.EDIT_SAVE}"))
    banner = browser.wait_for_element(f"#{ids.DATABASE_PROBLEM}", timeout=10)
    WebDriverWait(browser.driver, 10).until(lambda _d: banner.is_displayed() and banner.text)
    browser.driver.execute_script("window.scrollTo(0, document.body.scrollHeight)")
    assert 0 <= browser.driver.execute_script("return arguments[0].getBoundingClientRect().top", banner) < 100
    browser.driver.save_screenshot("/work/notes/shots/outage.png")


def test_a_bug_is_answered_in_the_reader_s_words_not_a_bare_500(sqlite_app, monkeypatch, caplog):
    def broken(*_args, **_kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(queries, "building_list", broken)
    app, staff = sqlite_app, sqlite_app.server.test_client()
    assert sign_in(staff, "staff").status_code == 302
    answer = post_callback(staff, [(ids.OVERVIEW_LIST, "children")], [(ids.OVERVIEW_SEARCH, "value", "楼")])
    shown = as_read(app, lambda: _(UNEXPECTED))
    assert answer.status_code == 200 and problem_of(answer) == {"children": shown, "is_open": True}
    page = staff.get("/_dash-layout", headers={"Accept-Language": "en", "Referer": "http://localhost/"})
    assert page.status_code == 500 and UNEXPECTED in page.get_data(as_text=True)
    assert '<html lang="en">' in page.get_data(as_text=True).replace("'", '"')
    assert "a bug" in caplog.text and "a bug" not in page.get_data(as_text=True)
