"""An accessibility audit of every page (axe-core's WCAG 2.0/2.1 A and AA rules) as each role and anonymously, wide
and narrow: no serious or critical violation."""
from __future__ import annotations

from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.expected_conditions import staleness_of
from selenium.webdriver.support.ui import WebDriverWait

from dashboard import ids
from scripts.net import free_port
from tests.helpers import CELL, start_signed_in

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}
WIDTHS = [1400, 390]
# A workstation's area page and a building in it: every test user's areas cover both.
PAGES = ["/", "/?buildings=all", "/areas", "/area/4", "/import", "/no-such-page", "/building/1/print"]
BUILDING = "/building/1"
RUN_AXE = """
const done = arguments[arguments.length - 1];
axe.run(document, {runOnly: {type: "tag", values: arguments[0]}, resultTypes: ["violations"]})
  .then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary}))}))))
  .catch(e => done([{id: "axe-error", impact: "critical", help: String(e), nodes: []}]));
"""


def settled(driver) -> bool:
    """Whether the page has its heading and Dash is not waiting for any callback."""
    return bool(driver.find_elements(By.TAG_NAME, "h1")) and not driver.find_elements(
        By.CSS_SELECTOR, "[data-dash-is-loading='true']")


def audit(driver, where: str) -> list[str]:
    """The serious and critical violations on the page shown now, described."""
    WebDriverWait(driver, 15).until(settled)
    driver.execute_script(AXE)
    found = driver.execute_async_script(RUN_AXE, TAGS)
    return [described(where, v) for v in found if v["impact"] in BLOCKING]


def described(where: str, violation: dict) -> str:
    """A violation: its rule and impact, then a line per offending node, its target and why it fails."""
    nodes = violation["nodes"] or [{"target": "-", "summary": ""}]
    targets = "".join(f"\n    {node['target']}: {node['summary'].strip().splitlines()[-1:]}" for node in nodes)
    return f"{where}: {violation['id']} ({violation['impact']}) {violation['help']}{targets}"


def visit(driver, url: str, where: str) -> list[str]:
    """Open an address and audit it."""
    driver.get(url)
    return audit(driver, where)


def sized(browser, width: int):
    """The test's browser at a window width, with time for axe's asynchronous run."""
    driver = browser.driver
    driver.set_window_size(width, 1000)
    driver.set_script_timeout(60)
    assert driver.execute_script("return window.innerWidth") == width
    return driver


def open_unit(driver, base: str) -> list[str]:
    """Open a building, audit it, open a quarantined unit and audit the page with its panel (and edit form) open."""
    found = visit(driver, base + BUILDING, BUILDING)
    driver.find_element(By.CSS_SELECTOR, f"{CELL}[data-status=quarantined]").send_keys(Keys.ENTER)
    WebDriverWait(driver, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".unit-card"))
    return found + audit(driver, f"{BUILDING} with a unit open")


def pick_units(driver) -> list[str]:
    """Pick two units with Space (as an editor) and audit the page with the bulk bar shown."""
    for cell in driver.find_elements(By.CSS_SELECTOR, f"{CELL}[data-status=healthy]")[:2]:
        cell.send_keys(Keys.SPACE)
    WebDriverWait(driver, 10).until(
        lambda d: "d-none" not in d.find_element(By.ID, ids.BULK_BAR).get_attribute("class"))
    return audit(driver, f"{BUILDING} with units picked")


def report(found: list[str]) -> None:
    """Fail listing every violation found."""
    assert not found, f"{len(found)} serious or critical accessibility violations:\n" + "\n".join(found)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("role", ["staff", "leader", "viewer", "admin"])
def test_every_page_passes_the_audit_signed_in(browser, sqlite_app, role, width):
    driver = sized(browser, width)
    start_signed_in(browser, sqlite_app, role)
    base = browser.server_url
    found = [line for page in PAGES for line in visit(driver, base + page, page)] + open_unit(driver, base)
    if role == "staff":
        assert driver.find_elements(By.ID, ids.edit_field("note")), "staff audit the unit panel with its edit form"
        found += pick_units(driver)
    if role == "admin":
        found += visit(driver, base + "/admin/access-log", "/admin/access-log")
    report(found)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_sign_in_and_not_found_pages_pass_the_audit_anonymously(browser, sqlite_app, width):
    driver = sized(browser, width)
    browser.start_server(sqlite_app, navigate=False, port=free_port())
    base = browser.server.url
    found = visit(driver, base + "/login", "/login") + visit(driver, base + "/no-such-page", "/no-such-page")
    driver.find_element(By.ID, "username").send_keys("nobody")
    password = driver.find_element(By.ID, "password")
    password.send_keys("wrong")
    password.submit()
    WebDriverWait(driver, 15).until(staleness_of(password))
    report(found + audit(driver, "/login after a wrong password"))
