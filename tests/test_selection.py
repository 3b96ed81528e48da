"""Selecting units on the grid: Escape from anywhere, only for editors, and the bulk bar's dates only when they
apply."""

from __future__ import annotations

import json

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

from dashboard import ids
from data import queries
from layouts.bulk import bulk_bar
from tests.helpers import CELL, bulk_bar_hidden, open_building
from tests.helpers import database as app_engine

PICKED = f"{CELL}.picked"
STATUSES = [{"code": "healthy", "text_code": "H", "label_en": "Healthy", "label_zh": "健康", "requires_dates": False},
            {"code": "isolated", "text_code": "I", "label_en": "Isolated", "label_zh": "隔离", "requires_dates": True}]


def picked(browser) -> list:
    """The cells picked for a bulk change."""
    return browser.driver.find_elements(By.CSS_SELECTOR, PICKED)


def ctrl_click(browser, cell) -> None:
    """Ctrl-click a cell, as a person adding it to a selection."""
    ActionChains(browser.driver).key_down(Keys.CONTROL).click(cell).key_up(Keys.CONTROL).perform()


def select_two(browser) -> None:
    """Ctrl-click two cells and wait for the bulk bar."""
    for cell in browser.driver.find_elements(By.CSS_SELECTOR, CELL)[:2]:
        ctrl_click(browser, cell)
    WebDriverWait(browser.driver, 5).until(
        lambda d: "d-none" not in d.find_element(By.ID, ids.BULK_BAR).get_attribute("class"))
    assert len(picked(browser)) == 2


def press_escape_on_the_page(browser) -> None:
    """Leave every input and press Escape with the focus on the page itself."""
    browser.driver.execute_script("document.activeElement.blur()")
    assert browser.driver.execute_script("return document.activeElement === document.body")
    ActionChains(browser.driver).send_keys(Keys.ESCAPE).perform()


def test_escape_clears_the_selection_wherever_the_focus_is(browser, sqlite_app):
    open_building(browser, sqlite_app, 1, username="staff")
    select_two(browser)
    browser.find_element(f"#{ids.BULK_COMMENT}").send_keys(Keys.ESCAPE)
    bulk_bar_hidden(browser)
    assert picked(browser) == []
    select_two(browser)
    press_escape_on_the_page(browser)
    bulk_bar_hidden(browser)
    assert picked(browser) == []
    select_two(browser)
    browser.driver.execute_script(
        "document.body.insertAdjacentHTML('beforeend', '<div role=\"dialog\"><input id=\"probe\"></div>')")
    browser.find_element("#probe").send_keys(Keys.ESCAPE)
    assert len(picked(browser)) == 2, "Escape in a dialog closes the dialog, not the selection"
    browser.driver.execute_script(
        "document.addEventListener('keydown', function (e) { if (e.key === 'Escape') { e.preventDefault(); } }, true)")
    press_escape_on_the_page(browser)
    assert len(picked(browser)) == 2, "an Escape that an open list already handled must not clear the selection"
    assert browser.get_logs() == []


def test_a_leader_cannot_select_units_but_opens_them(browser, sqlite_app):
    open_building(browser, sqlite_app, 2, username="leader")
    assert browser.driver.find_elements(By.ID, ids.BULK_BAR) == []
    cells = browser.driver.find_elements(By.CSS_SELECTOR, CELL)
    ctrl_click(browser, cells[0])
    ActionChains(browser.driver).key_down(Keys.SHIFT).click(cells[3]).key_up(Keys.SHIFT).perform()
    ActionChains(browser.driver).drag_and_drop(cells[0], cells[2]).perform()
    browser.find_element(".unit-grid tbody .floor-label").click()
    browser.find_element(".unit-grid .entrance-head").click()
    cells[1].send_keys(" ")
    assert picked(browser) == []
    cells[2].click()
    browser.wait_for_element(f".unit-card[data-unit='{cells[2].get_attribute('data-unit')}']", timeout=10)
    assert picked(browser) == []
    assert browser.get_logs() == []


def dated_and_undated(app) -> tuple[str, str]:
    """A status of the catalogue that carries quarantine dates and one that does not."""
    with app_engine(app).connect() as conn:
        statuses = queries.statuses(conn)
    return (
        next(s["code"] for s in statuses if s["requires_dates"]),
        next(s["code"] for s in statuses if not s["requires_dates"]),
    )


def test_the_bulk_bar_asks_for_dates_only_for_a_dated_status(browser, sqlite_app):
    dated, undated = dated_and_undated(sqlite_app)
    open_building(browser, sqlite_app, 1, username="staff")
    select_two(browser)
    start = browser.find_element(f"#{ids.BULK_START}")
    assert not start.is_displayed()
    status = Select(browser.find_element(f"#{ids.BULK_STATUS}"))
    status.select_by_value(dated)
    WebDriverWait(browser.driver, 5).until(
        lambda d: start.is_displayed() and d.find_element(By.ID, ids.BULK_END).is_displayed()
    )
    status.select_by_value(undated)
    WebDriverWait(browser.driver, 5).until(lambda d: not start.is_displayed())
    assert browser.get_logs() == []


def test_the_bulk_bar_carries_the_dated_statuses_of_the_catalogue():
    dates = next(c for c in bulk_bar(STATUSES).children if getattr(c, "id", None) == ids.BULK_DATES)
    assert json.loads(getattr(dates, "data-statuses")) == ["isolated"]
    assert "d-none" in dates.className.split()
