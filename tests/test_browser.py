"""Main user paths in headless Chromium (dash.testing's dash_duo)."""
from __future__ import annotations

import re

from selenium.common.exceptions import ElementClickInterceptedException, StaleElementReferenceException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.expected_conditions import staleness_of
from selenium.webdriver.support.ui import Select, WebDriverWait
from sqlalchemy import select, update

from dashboard import ids
from dashboard.i18n import translated
from data import access, queries
from data.accounts import SYSTEM
from data.changes import ChangeContext, UnitEdit, apply_edits
from data.db import writing
from data.demo import add_tower
from data.models import Area, Building, Entrance, Floor, Status, Unit, UnitChange
from scripts.demo_server import signed_in_chrome
from tests.helpers import CELL, PASSWORD, as_read, bulk_bar_hidden, open_building, start_signed_in
from tests.helpers import database as app_engine


def active(browser):
    """The element that has keyboard focus."""
    return browser.driver.switch_to.active_element


def test_overview_building_unit_and_shareable_link(browser, sqlite_app):
    start_signed_in(browser, sqlite_app, "staff")
    browser.wait_for_element("#overview-search", timeout=15).send_keys("鲁谷路7号")
    WebDriverWait(browser.driver, 10).until(
        lambda d: "q=" in d.current_url and len(d.find_elements(By.CSS_SELECTOR, ".building-table tbody tr")) == 1
    )
    browser.find_element("a[href='/building/4']").click()
    browser.wait_for_element(CELL, timeout=15)
    cell = browser.find_element(f"{CELL}[data-status=quarantined]")
    unit_id = cell.get_attribute("data-unit")
    cell.click()
    browser.wait_for_element(f".unit-card[data-unit='{unit_id}']", timeout=10)
    panel = browser.find_element(".unit-card")
    assert panel.find_elements(By.CSS_SELECTOR, ".status-chip") and panel.find_elements(By.CSS_SELECTOR, ".history li")
    assert panel.find_elements(By.ID, ids.edit_field("quarantine_end"))
    assert browser.driver.current_url.endswith(f"/building/4?unit={unit_id}")
    browser.driver.get(browser.driver.current_url)
    browser.wait_for_element(f".unit-card[data-unit='{unit_id}']", timeout=15)
    assert "selected" in browser.find_element(f"{CELL}[data-unit='{unit_id}']").get_attribute("class")
    assert browser.get_logs() == []


def test_keyboard_reaches_moves_and_opens_cells(browser, sqlite_app):
    open_building(browser, sqlite_app, 1)
    assert len(browser.driver.find_elements(By.CSS_SELECTOR, f"{CELL}[tabindex='0']")) == 1
    body = browser.driver.find_element(By.TAG_NAME, "body")
    body.click()
    for _ in range(80):
        if "cell" in (active(browser).get_attribute("class") or ""):
            break
        active(browser).send_keys(Keys.TAB)
    first = active(browser)
    assert first.get_attribute("aria-label").startswith(first.text.replace("\n", " "))
    first.send_keys(Keys.ARROW_RIGHT)
    right = active(browser)
    assert right.get_attribute("data-unit") != first.get_attribute("data-unit")
    right.send_keys(Keys.ARROW_DOWN)
    below = active(browser)
    assert below.get_attribute("data-unit") not in (first.get_attribute("data-unit"), right.get_attribute("data-unit"))
    assert len(browser.driver.find_elements(By.CSS_SELECTOR, f"{CELL}[tabindex='0']")) == 1
    below.send_keys(Keys.ENTER)
    browser.wait_for_element(f".unit-card[data-unit='{below.get_attribute('data-unit')}']", timeout=10)


def test_keyboard_reaches_the_podium_from_the_tower_and_the_corners(browser, sqlite_app):
    open_building(browser, sqlite_app, 1)
    cells = browser.driver.find_elements(By.CSS_SELECTOR, CELL)
    top = browser.find_element(f"{CELL}[tabindex='0']")
    top.click()
    for _ in range(len(browser.driver.find_elements(By.CSS_SELECTOR, ".unit-grid tbody tr"))):
        active(browser).send_keys(Keys.ARROW_DOWN)
    assert "商业裙楼" in active(browser).get_attribute("aria-label")
    active(browser).send_keys(Keys.CONTROL, Keys.END)
    assert active(browser).get_attribute("data-unit") == cells[-1].get_attribute("data-unit")
    active(browser).send_keys(Keys.CONTROL, Keys.HOME)
    assert active(browser).get_attribute("data-unit") == cells[0].get_attribute("data-unit")


def test_legend_highlights_one_status(browser, sqlite_app):
    open_building(browser, sqlite_app, 1)
    browser.find_element("#legend button:nth-of-type(2)").click()
    WebDriverWait(browser.driver, 5).until(lambda d: d.find_elements(By.CSS_SELECTOR, f"{CELL}.dim"))
    dimmed = {c.get_attribute("data-status") for c in browser.driver.find_elements(By.CSS_SELECTOR, f"{CELL}.dim")}
    lit = {c.get_attribute("data-status") for c in browser.driver.find_elements(By.CSS_SELECTOR, f"{CELL}:not(.dim)")}
    assert lit == {"quarantined"} and "quarantined" not in dimmed
    assert "active" in browser.find_element("#legend button:nth-of-type(2)").get_attribute("class")
    browser.find_element("#legend button:nth-of-type(2)").click()
    WebDriverWait(browser.driver, 5).until(lambda d: not d.find_elements(By.CSS_SELECTOR, f"{CELL}.dim"))


def test_a_60_by_40_tower_renders_every_cell(browser, sqlite_app):
    db = app_engine(sqlite_app)
    with db.connect() as conn:
        area_id = conn.execute(select(Building.area_id).where(Building.id == 1)).scalar_one()
    tower = add_tower(db, area_id, floors=60, width=40)
    open_building(browser, sqlite_app, tower)
    cells = browser.driver.find_elements(By.CSS_SELECTOR, CELL)
    drawn_ms = browser.find_element("#grid-host").get_attribute("data-drawn-ms")
    print(f"60x40 grid: {len(cells)} cells drawn in {drawn_ms} ms of script time")
    assert len(cells) == 2_400
    assert browser.find_element(".unit-grid tbody tr:first-child th").text == "60"


XSS_CORPUS = [
    '<script>window.__xss=1</script>',
    '<img src=x onerror="window.__xss=2">',
    '"><svg onload=window.__xss=3>',
    "'><iframe src=javascript:parent.__xss=4>",
    '</style></table><script>window.__xss=5</script>',
    '<b onmouseover=window.__xss=6>hover</b>',
]
# Breaks out of an attribute into a new one, making no element: in the label of building 1's first unit.
ATTRIBUTE_PAYLOAD = '" onmouseover=window.__xss=7 x="'
# Elements the corpus would make if markup were parsed: any with an event-handler attribute, frames, its scripts.
INJECTED = (
    "return [...document.querySelectorAll('*')].filter(e => [...e.attributes].some(a => a.name.startsWith('on'))"
    " || e.tagName === 'IFRAME' || (e.tagName === 'SCRIPT' && e.textContent.includes('__xss')))"
    ".map(e => e.outerHTML.slice(0, 200))"
)


def plant_corpus(db) -> int:
    """Store a markup payload in every free-text field that pages show; returns the unit whose label breaks out of
    attributes."""
    with db.begin() as conn:
        for n, payload in enumerate(XSS_CORPUS):
            conn.execute(update(Area).where(Area.id == n + 1).values(name=f"区{payload}"))
        conn.execute(update(Building).where(Building.id == 1).values(name=f"楼{XSS_CORPUS[0]}", address=XSS_CORPUS[1]))
        conn.execute(update(Entrance).where(Entrance.building_id == 1).values(name=f"单元{XSS_CORPUS[2]}"))
        conn.execute(update(Floor).where(Floor.entrance_id.in_(select(Entrance.id).where(Entrance.building_id == 1)))
                     .values(label=XSS_CORPUS[3][:16]))
        conn.execute(update(Unit).where(Unit.building_id == 1).values(
            label=XSS_CORPUS[4][:32], note=XSS_CORPUS[5], occupant_name=XSS_CORPUS[1]))
        first = conn.execute(select(Unit.id).where(Unit.building_id == 1).order_by(Unit.id)).scalars().first()
        conn.execute(update(Unit).where(Unit.id == first).values(label=ATTRIBUTE_PAYLOAD))
        conn.execute(
            update(Status).where(Status.code == "vacant").values(label_en=XSS_CORPUS[0], label_zh=XSS_CORPUS[2])
        )
        conn.execute(
            update(UnitChange).where(UnitChange.building_id == 1).values(actor=XSS_CORPUS[3], comment=XSS_CORPUS[4])
        )
    return first


def assert_no_markup_ran(browser) -> None:
    """On the page shown, before leaving it: no stored script ran, no stored markup became an element or an attribute,
    and the browser refused nothing (a CSP violation is logged)."""
    assert browser.driver.execute_script("return window.__xss === undefined"), "a stored script ran"
    assert browser.driver.execute_script(INJECTED) == []
    assert browser.get_logs() == []


def hover_every(browser, selector: str) -> None:
    """Move the pointer over every element a selector finds, as a person reading them would."""
    for element in browser.driver.find_elements(By.CSS_SELECTOR, selector):
        WebDriverWait(browser.driver, 5).until(lambda d, e=element: hovered(d, e))


def hovered(driver, element) -> bool:
    """Scroll an element clear of the sticky floor labels, move the pointer onto it, and say whether it is under it."""
    driver.execute_script("arguments[0].scrollIntoView({block: 'center', inline: 'end'})", element)
    ActionChains(driver).move_to_element(element).perform()
    return driver.execute_script("return arguments[0].matches(':hover')", element)


def test_stored_markup_is_shown_as_text_everywhere(browser, sqlite_app):
    breaking_out = plant_corpus(app_engine(sqlite_app))
    start_signed_in(browser, sqlite_app, "admin")
    browser.wait_for_element("#overview-list a[href='/building/1']", timeout=15)
    assert XSS_CORPUS[0] in browser.find_element("#overview-list").text
    assert_no_markup_ran(browser)
    browser.driver.get(f"{browser.server_url}/area/3")
    browser.wait_for_element("#area-children a", timeout=15)
    assert f"区{XSS_CORPUS[2]}" in browser.find_element("h1").text
    assert f"区{XSS_CORPUS[3]}" in browser.find_element("#area-children").text
    assert_no_markup_ran(browser)
    browser.driver.get(f"{browser.server_url}/building/1")
    browser.wait_for_element(CELL, timeout=15)
    hover_every(browser, f"{CELL}[data-unit='{breaking_out}'], {CELL}[data-status=vacant], .entrance-head")
    assert_no_markup_ran(browser)
    cell = browser.find_element(f"{CELL}[data-unit='{breaking_out}']")
    assert ATTRIBUTE_PAYLOAD in cell.get_attribute("title") and cell.text.startswith(ATTRIBUTE_PAYLOAD)
    hover_every(browser, f"{CELL}[data-unit='{breaking_out}']")
    cell.click()
    browser.wait_for_element(".unit-card", timeout=10)
    assert XSS_CORPUS[0] in browser.find_element("h1").text
    assert XSS_CORPUS[2] in browser.find_element(".entrance-head").text
    assert XSS_CORPUS[5] in browser.find_element(".unit-card").text
    assert XSS_CORPUS[3] in browser.find_element(".unit-card").text
    assert XSS_CORPUS[4] in browser.find_element(f"#{ids.RECENT_CHANGES}").text
    assert browser.find_element(f"#{ids.edit_field('occupant_name')}").get_attribute("value") == XSS_CORPUS[1]
    hover_every(browser, ".unit-card")
    assert_no_markup_ran(browser)
    browser.driver.get(f"{browser.server_url}/admin/access-log")
    log = browser.wait_for_element("table.access-log", timeout=15).text
    assert XSS_CORPUS[0] in log and ATTRIBUTE_PAYLOAD in log
    assert_no_markup_ran(browser)


# The computed weight and underline of each element in a cell whose own text is the unit's label.
LABEL_STYLES = (
    "return [arguments[0], ...arguments[0].querySelectorAll('*')].filter(e => e.textContent.trim() === arguments[1])"
    ".map(e => [Number(getComputedStyle(e).fontWeight), getComputedStyle(e).textDecorationLine])"
)


def label_marked(browser, unit: dict) -> bool:
    """Whether a unit's cell shows its label bold and underlined (the firm-and-home marking)."""
    cell = browser.find_element(f"{CELL}[data-unit='{unit['id']}']")
    styles = browser.driver.execute_script(LABEL_STYLES, cell, unit["label"])
    assert styles, f"no element of the cell holds the label {unit['label']!r}"
    return any(weight >= 700 and "underline" in line for weight, line in styles)


def test_a_firm_and_home_unit_is_marked_bold_and_underlined_and_others_are_not(browser, sqlite_app):
    db = app_engine(sqlite_app)
    with writing(db) as conn:
        first, second = (
            conn.execute(
                select(Unit.id)
                .where(Unit.building_id == 1, Unit.use == "home", Unit.status == "healthy")
                .order_by(Unit.id)
                .limit(2)
            )
            .scalars()
            .all()
        )
        apply_edits(conn, [UnitEdit(first, {"use": "mixed"})], ChangeContext(actor=SYSTEM))
        mixed, home = queries.unit(conn, first), queries.unit(conn, second)
    assert (mixed["use"], home["use"]) == ("mixed", "home")
    open_building(browser, sqlite_app, 1)
    assert label_marked(browser, mixed)
    assert not label_marked(browser, home)


def test_a_leader_sees_the_grid_but_no_personal_data(browser, sqlite_app):
    open_building(browser, sqlite_app, 2, username="leader")
    browser.find_element(f"{CELL}:not([data-status=vacant])").click()
    browser.wait_for_element(".unit-card", timeout=10)
    panel = browser.find_element(".unit-card").text
    hidden = as_read(sqlite_app, lambda: translated(access.HIDDEN))
    assert hidden in panel and "****" in panel
    assert "leader" in browser.find_element("#navbar").text


def click_in_view(driver, element) -> None:
    """Scroll an element to the middle of the window, as a person would, and click it once the page has settled
    (a redraw or an opening panel can move it between the scroll and the click)."""
    WebDriverWait(driver, 5, ignored_exceptions=[ElementClickInterceptedException]).until(
        lambda d: _scrolled_and_clicked(d, element))


def _scrolled_and_clicked(driver, element) -> bool:
    """Scroll an element to the middle of the window and click it; an intercepted click raises for a retry."""
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()
    return True


def follow_link(driver, link) -> None:
    """Click a table link through the DOM: where the table settles on the page is not what these tests check."""
    driver.execute_script("arguments[0].click()", link)


def press_save(driver) -> None:
    """Scroll the panel's Save button into view and press it."""
    click_in_view(driver, driver.find_element(By.ID, ids.EDIT_SAVE))


def save_and_wait(driver) -> str:
    """Press Save and wait for the panel to be drawn again: "saved" or "conflict"."""
    card = driver.find_element(By.CSS_SELECTOR, ".unit-card")
    press_save(driver)
    WebDriverWait(driver, 10).until(staleness_of(card))
    WebDriverWait(driver, 10).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, f"#{ids.UNIT_PANEL} .alert-success, .conflict-choices")
    )
    return "conflict" if driver.find_elements(By.CSS_SELECTOR, ".conflict-choices") else "saved"


def set_field(driver, name: str, value) -> None:
    """Type a value into a field of the open edit form."""
    field = driver.find_element(By.ID, ids.edit_field(name))
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", field)
    field.clear()
    field.send_keys(str(value))


def test_two_people_edit_one_unit_and_nothing_is_lost(browser, sqlite_app):
    open_building(browser, sqlite_app, 1, username="staff")
    unit_id = int(browser.find_element(f"{CELL}[data-status=healthy]").get_attribute("data-unit"))
    with app_engine(sqlite_app).connect() as conn:
        residents = queries.unit(conn, unit_id)["residents"]
    browser.find_element(f"{CELL}[data-unit='{unit_id}']").click()
    browser.wait_for_element(f"#{ids.edit_field('note')}", timeout=10)
    other = signed_in_chrome(browser.server_url, "admin", PASSWORD)
    try:
        other.get(f"{browser.server_url}/building/1?unit={unit_id}")
        WebDriverWait(other, 15).until(lambda d: d.find_elements(By.ID, ids.edit_field("residents")))
        set_field(other, "residents", residents + 1)
        assert save_and_wait(other) == "saved"
        set_field(browser.driver, "note", "staff: delivered groceries")
        assert save_and_wait(browser.driver) == "saved", "a field only one of them changed is merged"
        assert save_and_wait(browser.driver) == "saved"
        set_field(other, "note", "admin: called the family")
        assert save_and_wait(other) == "conflict"
        assert other.find_element(By.ID, ids.edit_field("note")).get_attribute("value") == "admin: called the family"
        assert other.find_element(By.ID, ids.edit_field("residents")).get_attribute("value") == str(residents + 1)
        other.find_element(By.CSS_SELECTOR, ".conflict-choice input[value='yours']").click()
        assert save_and_wait(other) == "saved"
    finally:
        other.quit()
    with app_engine(sqlite_app).connect() as conn:
        after = queries.unit(conn, unit_id)
        notes = [c["data_after"].get("note") for c in queries.unit_history(conn, unit_id)[:2]]
    assert (after["residents"], after["note"]) == (residents + 1, "admin: called the family")
    assert notes == ["admin: called the family", "staff: delivered groceries"]


def test_another_open_page_shows_a_change_within_seconds(browser, sqlite_app):
    open_building(browser, sqlite_app, 1, username="leader")
    unit = browser.find_element(f"{CELL}[data-status=healthy]").get_attribute("data-unit")
    with writing(app_engine(sqlite_app)) as conn:
        apply_edits(conn, [UnitEdit(int(unit), {"status": "unverified"})], ChangeContext(actor=SYSTEM))
    WebDriverWait(browser.driver, 8, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda d: (
            d.find_element(By.CSS_SELECTOR, f"{CELL}[data-unit='{unit}']").get_attribute("data-status") == "unverified"
        )
    )


def says_number(browser, element_id: str, number: int) -> None:
    """Wait until an element's text gives this number and no other, whatever the language around it."""
    WebDriverWait(browser.driver, 5).until(
        lambda d: re.findall(r"[0-9]+", d.find_element(By.ID, element_id).text) == [str(number)])


def test_staff_select_many_units_and_set_them_at_once(browser, sqlite_app):
    open_building(browser, sqlite_app, 1, username="staff")
    homes = browser.driver.find_elements(By.CSS_SELECTOR, f"{CELL}[data-status=healthy]")
    before = homes[1].location
    ActionChains(browser.driver).key_down(Keys.CONTROL).click(homes[0]).key_up(Keys.CONTROL).perform()
    says_number(browser, ids.BULK_COUNT, 1)
    assert homes[1].location == before, "the bulk bar must not push the grid under the pointer"
    ActionChains(browser.driver).key_down(Keys.CONTROL).click(homes[1]).key_up(Keys.CONTROL).perform()
    says_number(browser, ids.BULK_COUNT, 2)
    assert "d-none" not in browser.find_element(f"#{ids.BULK_BAR}").get_attribute("class")
    homes[1].send_keys(Keys.ESCAPE)
    bulk_bar_hidden(browser)
    top_row = browser.driver.find_elements(By.CSS_SELECTOR, ".unit-grid tbody tr")[0]
    row_cells = top_row.find_elements(By.CSS_SELECTOR, ".cell")
    ActionChains(browser.driver).drag_and_drop(row_cells[0], row_cells[-1]).perform()
    says_number(browser, ids.BULK_COUNT, len(row_cells))
    top_row.find_element(By.CSS_SELECTOR, ".pick-floor").click()
    bulk_bar_hidden(browser)
    top_row.find_element(By.CSS_SELECTOR, ".pick-floor").click()
    picked = [c.get_attribute("data-unit") for c in browser.driver.find_elements(By.CSS_SELECTOR, f"{CELL}.picked")]
    Select(browser.find_element(f"#{ids.BULK_STATUS}")).select_by_value("vacant")
    browser.wait_for_element(f"#{ids.BULK_CLEAR_OCCUPANTS}", timeout=5).click()
    browser.find_element(f"#{ids.BULK_COMMENT}").send_keys("moved out in January")
    browser.find_element(f"#{ids.BULK_APPLY}").click()
    browser.wait_for_element(f"#{ids.ACTION_MESSAGE} .outcome-done", timeout=10)
    WebDriverWait(browser.driver, 5).until(
        lambda d: all(
            d.find_element(By.CSS_SELECTOR, f"{CELL}[data-unit='{u}']").get_attribute("data-status") == "vacant"
            for u in picked
        )
    )
    assert "moved out in January" in browser.find_element(f"#{ids.RECENT_CHANGES}").text
    assert not browser.driver.find_elements(By.CSS_SELECTOR, f"{CELL}.picked")
    assert browser.get_logs() == []


def test_a_leader_finds_quarantined_households_in_three_clicks(browser, sqlite_app):
    start_signed_in(browser, sqlite_app, "leader")
    browser.wait_for_contains_text("h1", "鲁谷街道", timeout=15)
    assert browser.find_element(".kpis .kpi-residents-quarantined .h4").text.strip() != ""
    follow_link(browser.driver, browser.find_element("#area-children a"))
    browser.wait_for_contains_text("h1", "楼宇工作站", timeout=15)
    follow_link(browser.driver, browser.find_element("#area-buildings a"))
    browser.wait_for_element(f"{CELL}", timeout=15)
    browser.find_element("#legend button:nth-of-type(2)").click()
    WebDriverWait(browser.driver, 5).until(lambda d: d.find_elements(By.CSS_SELECTOR, f"{CELL}:not(.dim)"))
    assert {
        c.get_attribute("data-status") for c in browser.driver.find_elements(By.CSS_SELECTOR, f"{CELL}:not(.dim)")
    } <= {"quarantined"}
    assert browser.get_logs() == []


def test_undo_asks_first_and_answers_beside_the_list(browser, sqlite_app):
    db = app_engine(sqlite_app)
    with db.connect() as conn:
        unit = conn.execute(select(Unit.id, Unit.note).where(Unit.building_id == 1).order_by(Unit.id)).first()
    with writing(db) as conn:
        apply_edits(conn, [UnitEdit(unit.id, {"note": "a note to take back"})], ChangeContext(actor=SYSTEM))
    open_building(browser, sqlite_app, 1, username="staff")
    step = browser.find_element(f"#{ids.RECENT_CHANGES} .batch .undo-step")
    confirm = step.find_element(By.CSS_SELECTOR, ".undo-confirm")
    assert not confirm.is_displayed()
    click_in_view(browser.driver, step.find_element(By.TAG_NAME, "summary"))
    WebDriverWait(browser.driver, 5).until(lambda d: confirm.is_displayed())
    assert SYSTEM.username in confirm.text and "1" in confirm.text
    with db.connect() as conn:
        assert queries.unit(conn, unit.id)["note"] == "a note to take back"
    click_in_view(browser.driver, confirm.find_element(By.TAG_NAME, "button"))
    browser.wait_for_element(f"#{ids.UNDO_MESSAGE} .alert-success", timeout=10)
    answer = browser.find_element(f"#{ids.UNDO_MESSAGE} .alert")
    assert browser.driver.execute_script(
        "const r = arguments[0].getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight", answer)
    with db.connect() as conn:
        assert queries.unit(conn, unit.id)["note"] == unit.note
    assert browser.get_logs() == []


def test_the_form_counts_the_note_and_clears_a_vacant_units_occupant(browser, sqlite_app):
    open_building(browser, sqlite_app, 1, username="staff")
    unit_id = browser.find_element(f"{CELL}[data-status=healthy]").get_attribute("data-unit")
    browser.find_element(f"{CELL}[data-unit='{unit_id}']").click()
    note = browser.wait_for_element(f"#{ids.edit_field('note')}", timeout=10)
    limit = int(browser.find_element(f"#{ids.EDIT_NOTE_LEFT}").get_attribute("data-limit"))
    note.clear()
    note.send_keys("x" * 25)
    says_number(browser, ids.EDIT_NOTE_LEFT, limit - 25)
    Select(browser.find_element(f"#{ids.edit_field('status')}")).select_by_value("vacant")
    press_save(browser.driver)
    click_in_view(browser.driver, browser.wait_for_element(f"#{ids.EDIT_CLEAR_OCCUPANT}", timeout=10))
    WebDriverWait(browser.driver, 5).until(
        lambda d: d.find_element(By.ID, ids.edit_field("occupant_name")).get_attribute("value") == "")
    assert browser.find_element(f"#{ids.edit_field('residents')}").get_attribute("value") == "0"
    assert save_and_wait(browser.driver) == "saved"
    with app_engine(sqlite_app).connect() as conn:
        after = queries.unit(conn, int(unit_id))
    assert (after["status"], after["occupant_name"], after["residents"], after["note"]) == ("vacant", "", 0, "x" * 25)
    assert browser.get_logs() == []
