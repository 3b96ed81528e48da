"""The language in a real browser: a Chinese browser gets Chinese, the top bar's switch gives English and keeps it
after signing out and in again; the grid shows the language's text codes."""
from __future__ import annotations

import re

from selenium.webdriver.support.ui import WebDriverWait

from dashboard import ids
from tests.helpers import CELL, PASSWORD, open_building

HAN = re.compile(r"[\u4e00-\u9fff]")


def _lang(browser) -> str:
    """The page's <html lang>."""
    return browser.driver.find_element("css selector", "html").get_attribute("lang")


def _navbar_text(browser) -> str:
    """The top bar's text but the switch's (which names the other language in that language)."""
    switch = browser.find_element(f"#{ids.LANGUAGE_SWITCH}").text
    return browser.find_element(f"#{ids.NAVBAR}").text.replace(switch, "")


def _switch(browser) -> None:
    """Press the top bar's language switch and wait for the page to come back."""
    old = browser.find_element(f"#{ids.LANGUAGE_SWITCH}")
    old.click()
    WebDriverWait(browser.driver, 15).until(lambda d: not _still_there(old))
    browser.wait_for_element(CELL, timeout=15)


def _still_there(element) -> bool:
    """True while an element is still attached to the page."""
    try:
        element.is_enabled()
        return True
    except Exception:  # noqa: BLE001 - any staleness error means the page was replaced
        return False


def _sign_in_again(browser, username: str) -> None:
    """Open the building in a browser without cookies: sign in through the form, as a person would."""
    browser.driver.delete_all_cookies()
    browser.driver.get(f"{browser.server_url}/building/1")
    browser.wait_for_element("#username", timeout=15).send_keys(username)
    browser.find_element("#password").send_keys(PASSWORD)
    browser.find_element("form[action='/login'] button[type=submit]").click()
    browser.wait_for_element(CELL, timeout=15)


def _code(cell) -> str:
    """The status text code a cell shows."""
    return cell.find_element("css selector", ".cell-code").text.strip()


def test_a_chinese_browser_gets_chinese_and_the_switch_gives_english_for_good(browser, sqlite_app):
    open_building(browser, sqlite_app, 1, "staff")
    assert _lang(browser) == "zh-CN" and HAN.search(_navbar_text(browser))
    quarantined = browser.find_element(f"{CELL}[data-status=quarantined]")
    assert _code(quarantined).endswith("隔")
    _switch(browser)
    assert _lang(browser) == "en" and not HAN.search(_navbar_text(browser))
    assert _code(browser.find_element(f"{CELL}[data-status=quarantined]")).endswith("Q")
    _sign_in_again(browser, "staff")
    assert _lang(browser) == "en"
    _switch(browser)
    assert _lang(browser) == "zh-CN"
