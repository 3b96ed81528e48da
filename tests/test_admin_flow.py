"""The issue's main flow in headless Chromium: on an empty database a new administrator sets up a sub-district, a tower
and a staff member; the staff member signs in, sees the empty grid and updates a unit."""
from __future__ import annotations

import time

from selenium.common.exceptions import ElementClickInterceptedException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.expected_conditions import staleness_of
from selenium.webdriver.support.ui import Select, WebDriverWait
from sqlalchemy import select

from dashboard import create_app, ids
from data import queries
from data.accounts import create_user
from data.building_plan import FloorRange, Template, plan_building
from data.buildings import NEW_UNIT_STATUS
from data.db import writing
from data.models import Unit
from tests.helpers import CELL, TEST_SECRET, database, start_signed_in

ADMIN_NAME, ADMIN_PASSWORD = "first-admin", "a long first password"
# The tower: two entrances over a 3-floor shop podium, floors 1-33 without 4, 13 and 14 (30 floors).
TYPED = {"name": "鲁谷塔", "address": "鲁谷路1号", "entrances": "商业裙楼, 1单元, 2单元", "lowest": "1",
         "highest": "33", "skip": "4, 13, 14", "units": "0",
         "ranges": "1-3 6 firm 商业裙楼\n5-33 4 home 1单元 2单元"}
TOWER = Template("鲁谷塔", address="鲁谷路1号", use="mixed", entrances=("商业裙楼", "1单元", "2单元"), lowest=1,
                 highest=33, skip=(4, 13, 14), units=0,
                 ranges=(FloorRange(1, 3, 6, "firm", ("商业裙楼",)), FloorRange(5, 33, 4, "home", ("1单元", "2单元"))))
TOWER_CELLS = 3 * 6 + 27 * 4 * 2
TOWER_FLOORS = [str(floor) for floor in range(33, 0, -1) if floor not in (4, 13, 14)]
SECONDS = 45
WAIT = 15


def empty_app(tmp_path):
    """An app on a new, empty database (no demo) with one administrator, made as the command line would."""
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}", "SECRET_KEY": TEST_SECRET})
    with writing(database(app)) as conn:
        create_user(conn, ADMIN_NAME, ADMIN_PASSWORD, "admin")
    return app


def admin_page(browser, item: str, ready: str) -> None:
    """Open one administrators' page from the navbar's menu, as a person would, until a control of it is there."""
    browser.wait_for_element(f"#{ids.NAV_ADMIN} .dropdown-toggle", timeout=WAIT).click()
    browser.wait_for_element(f"#{item}", timeout=WAIT).click()
    browser.wait_for_element(f"#{ready}", timeout=WAIT)


def area_depths(driver) -> dict[int, int]:
    """The areas the table of the areas page lists, with their depths (read at once: the table is redrawn)."""
    rows = driver.execute_script("return Array.from(document.querySelectorAll('.admin-area-row'), "
                                 "row => [row.dataset.area, row.dataset.depth]);")
    return {int(area): int(depth) for area, depth in rows}


def area_ids(driver) -> set[int]:
    """The areas the table of the areas page lists."""
    return set(area_depths(driver))


def add_area(browser, name: str, kind: str, parent: int | None = None) -> int:
    """Add an area through the page's add form; its id, once the table lists it."""
    driver, before = browser.driver, area_ids(browser.driver)
    field = browser.find_element(f"#{ids.ADMIN_AREA_NEW_NAME}")
    field.clear()
    field.send_keys(name)
    if parent is not None:
        Select(browser.find_element(f"#{ids.ADMIN_AREA_NEW_PARENT}")).select_by_value(str(parent))
    Select(browser.find_element(f"#{ids.ADMIN_AREA_NEW_KIND}")).select_by_value(kind)
    browser.find_element(f"#{ids.ADMIN_AREA_ADD}").click()
    WebDriverWait(driver, WAIT).until(lambda d: len(area_ids(d) - before) == 1)
    return (area_ids(driver) - before).pop()


def set_up_areas(browser) -> int:
    """A district, a sub-district and two workstations under it; the first workstation's id."""
    admin_page(browser, ids.NAV_AREAS, ids.ADMIN_AREA_ADD)
    district = add_area(browser, "丰台区", "district")
    subdistrict = add_area(browser, "鲁谷街道", "subdistrict", district)
    first = add_area(browser, "第一楼宇工作站", "workstation", subdistrict)
    second = add_area(browser, "第二楼宇工作站", "workstation", subdistrict)
    assert area_depths(browser.driver) == {district: 0, subdistrict: 1, first: 2, second: 2}
    return first


def create_tower(browser, area: int) -> int:
    """Fill the template form, preview the empty grid, save; the new building's id from the answer's link."""
    admin_page(browser, ids.NAV_NEW_BUILDING, ids.BUILDING_NEW_SAVE)
    for name, text in TYPED.items():
        field = browser.find_element(f"#{ids.building_new_field(name)}")
        field.clear()
        field.send_keys(text)
    Select(browser.find_element(f"#{ids.building_new_field('use')}")).select_by_value("mixed")
    Select(browser.find_element(f"#{ids.BUILDING_NEW_AREA}")).select_by_value(str(area))
    browser.find_element(f"#{ids.BUILDING_NEW_PREVIEW}").click()
    preview = f"#{ids.BUILDING_NEW_GRID_HOST} {CELL}"
    WebDriverWait(browser.driver, WAIT).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, preview)) == TOWER_CELLS)
    browser.find_element(f"#{ids.BUILDING_NEW_SAVE}").click()
    link = browser.wait_for_element(".building-new-link", timeout=WAIT)
    return int(link.get_attribute("href").rstrip("/").rsplit("/", 1)[1])


def add_staff(browser, area: int) -> str:
    """Add a staff member covering one area; the one-time password the answer shows."""
    admin_page(browser, ids.NAV_USERS, ids.USER_ADD)
    browser.find_element(f"#{ids.USER_NEW_NAME}").send_keys("wang")
    Select(browser.find_element(f"#{ids.USER_NEW_ROLE}")).select_by_value("staff")
    browser.find_element(f"#{ids.USER_NEW_AREAS} input[value='{area}']").click()
    browser.find_element(f"#{ids.USER_ADD}").click()
    return browser.wait_for_element(".one-time-password", timeout=WAIT).text


def sign_out_and_in(browser, username: str, password: str) -> None:
    """Sign out with the navbar's button, then sign in through the form."""
    browser.find_element("form[action='/logout'] button[type=submit]").click()
    WebDriverWait(browser.driver, WAIT).until(lambda d: "/login" in d.current_url)
    browser.wait_for_element("#username", timeout=WAIT).send_keys(username)
    browser.find_element("#password").send_keys(password)
    browser.find_element("form[action='/login'] button[type=submit]").click()
    browser.wait_for_element("#navbar", timeout=WAIT)


def statuses_on_page(driver) -> list[str]:
    """The data-status of every cell of the building page's grid."""
    return driver.execute_script("return Array.from(document.querySelectorAll(arguments[0]), c => c.dataset.status);",
                                 f"#{ids.GRID_HOST} {CELL}")


def floors_on_page(driver) -> list[str]:
    """The floor numbers heading the rows of the building page's grid, top first."""
    return driver.execute_script("return Array.from(document.querySelectorAll(arguments[0]), f => f.textContent);",
                                 f"#{ids.GRID_HOST} .unit-grid .floor-label")


def floors_of(plan) -> list[str]:
    """The labels of the floors of a plan that have units, top first."""
    levels = {floor.level: floor.label for entrance in plan.entrances for floor in entrance.floors if floor.units}
    return [levels[level] for level in sorted(levels, reverse=True)]


def click_in_view(driver, element) -> None:
    """Scroll an element to the middle of the window and click it, again while something else covers it."""
    def clicked(d) -> bool:
        d.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
        element.click()
        return True
    WebDriverWait(driver, 5, ignored_exceptions=[ElementClickInterceptedException]).until(clicked)


def a_home_of(app, building_id: int) -> int:
    """The first home unit of a building, as stored."""
    with database(app).connect() as conn:
        return conn.execute(select(Unit.id).where(Unit.building_id == building_id, Unit.use == "home")
                            .order_by(Unit.id)).first()[0]


def test_a_new_administrator_sets_up_a_district_and_its_staff_member_updates_the_tower(browser, tmp_path):
    started = time.perf_counter()
    app = empty_app(tmp_path)
    start_signed_in(browser, app, ADMIN_NAME, ADMIN_PASSWORD)
    workstation = set_up_areas(browser)
    building_id = create_tower(browser, workstation)
    password = add_staff(browser, workstation)
    sign_out_and_in(browser, "wang", password)
    driver = browser.driver
    click_in_view(driver, browser.wait_for_element(f"a[href='/building/{building_id}']", timeout=WAIT))
    WebDriverWait(driver, WAIT).until(lambda d: len(statuses_on_page(d)) == TOWER_CELLS)
    plan = plan_building(TOWER, {"home", "firm", "mixed"})
    assert (plan.cells, floors_of(plan)) == (TOWER_CELLS, TOWER_FLOORS)
    assert set(statuses_on_page(driver)) == {NEW_UNIT_STATUS} and floors_on_page(driver) == TOWER_FLOORS
    unit_id = a_home_of(app, building_id)
    click_in_view(driver, browser.find_element(f"{CELL}[data-unit='{unit_id}']"))
    Select(browser.wait_for_element(f"#{ids.edit_field('status')}", timeout=WAIT)).select_by_value("healthy")
    card = driver.find_element(By.CSS_SELECTOR, ".unit-card")
    click_in_view(driver, driver.find_element(By.ID, ids.EDIT_SAVE))
    WebDriverWait(driver, WAIT).until(staleness_of(card))
    WebDriverWait(driver, WAIT).until(lambda d: d.find_element(
        By.CSS_SELECTOR, f"#{ids.GRID_HOST} {CELL}[data-unit='{unit_id}']").get_attribute("data-status") == "healthy")
    with database(app).connect() as conn:
        assert queries.unit(conn, unit_id)["status"] == "healthy"
    assert sorted(set(statuses_on_page(driver))) == ["healthy", NEW_UNIT_STATUS]
    assert browser.get_logs() == []
    seconds = time.perf_counter() - started
    print(f"the whole flow took {seconds:.1f} s")
    assert seconds < SECONDS
