"""Security headers on every response, the origin check, what /health tells whom, and numbers typed into free text
(through the Flask test client on both backends; the policy in headless Chromium)."""
from __future__ import annotations

import base64
import hashlib
import json
import re

from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import select

from dashboard import ids
from dashboard.extensions import engine
from data.accounts import SYSTEM
from data.changes import ChangeContext, UnitEdit, apply_edits
from data.db import writing
from data.models import Unit
from scripts.dash_client import open_page, post_callback
from tests.helpers import CELL, demo_app, start_signed_in

FIXED = {"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}
# Where each directive may load from: the app itself, script hashes, and inline styles and data: images only.
ALLOWED = {"'self'", "'none'"}
EXTRA = {"style-src": {"'unsafe-inline'"}, "img-src": {"data:"}}
STAFF_BUILDING = 2  # a building of the first workstation: "staff" covers it, "leader" covers the whole sub-district
MOBILE, LANDLINE, ID_NUMBER = "139 0011 2233", "010-6888 1234", "11010519491231002X"
BULK_MOBILE, BULK_ID = "13712345678", "110101199003071234"


def policy(response) -> dict[str, list[str]]:
    """The Content-Security-Policy of a response, directive by directive."""
    return {part.split()[0]: part.split()[1:] for part in response.headers["Content-Security-Policy"].split(";")}


def inline_scripts(page: str) -> list[str]:
    """The bodies of the inline scripts a browser would run (not those in comments, not JSON data)."""
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", re.sub(r"<!--.*?-->", "", page, flags=re.S), re.S)
    return [body for attributes, body in scripts if "src=" not in attributes and "application/json" not in attributes]


def sha256(script: str) -> str:
    """A script's CSP hash source."""
    return f"'sha256-{base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()}'"


def test_every_kind_of_response_carries_the_headers(client, anonymous):
    answers = {
        "page": (client.get("/"), 200),
        "callback": (post_callback(client, [(ids.UNIT_PANEL, "children")], [(ids.SELECTED_UNIT, "data", None)],
                                   [(ids.BUILDING_ID, "data", 1)]), 200),
        "sign-in": (anonymous.get("/login"), 200),
        "redirect to sign in": (anonymous.get("/building/1"), 302),
        "health": (anonymous.get("/health"), 200),
        "api": (client.get("/api/areas/3/counts"), 200),
        "api, anonymous": (anonymous.get("/api/areas/3/counts"), 401),
        "asset": (anonymous.get("/assets/bootstrap.min.css"), 200),
        "dash script": (client.get("/_dash-component-suites/dash/deps/polyfill@7.v4_4_1m1.12.1.min.js"), 200),
        "not found": (anonymous.get("/assets/no-such-file.css"), 404),
    }
    for name, (response, status) in answers.items():
        assert response.status_code == status, name
        assert {key: response.headers.get(key) for key in FIXED} == FIXED, name
        directives = policy(response)
        assert directives["frame-ancestors"] == ["'none'"] and directives["default-src"] == ["'self'"], name
        for directive, sources in directives.items():
            strange = [
                s for s in sources if s not in ALLOWED | EXTRA.get(directive, set()) and not s.startswith("'sha256-")
            ]
            assert strange == [], (name, directive)
    static = {"asset", "dash script", "not found"}
    kept = {name for name, (response, _) in answers.items() if response.headers.get("Cache-Control") != "no-store"}
    assert kept == static
    layout = client.get("/_dash-layout", headers={"Referer": "http://localhost/building/1"})
    assert layout.headers["Cache-Control"] == "no-store"


def test_the_policy_allows_exactly_the_inline_scripts_dash_renders(client):
    page = client.get("/")
    scripts = inline_scripts(page.get_data(as_text=True))
    allowed = [s for s in policy(page)["script-src"] if s.startswith("'sha256-")]
    assert len(scripts) >= 2 and sorted(map(sha256, scripts)) == sorted(allowed)


def test_writes_must_come_from_the_same_scheme_host_and_port(anonymous):
    for origin, status in (("http://localhost", 302), ("http://localhost:80", 302), ("https://localhost", 403),
                           ("http://localhost:8050", 403), ("http://evil.example", 403), ("null", 403),
                           ("http://localhost:99999", 403)):
        assert anonymous.post("/logout", headers={"Origin": origin}).status_code == status, origin
    assert anonymous.post("/logout", headers={"Referer": "https://localhost/login"}).status_code == 403
    assert anonymous.post("/logout", headers={"Referer": "http://localhost/login"}).status_code == 302


def test_behind_an_https_proxy_writes_from_the_https_origin_pass(database_url):
    proxied = demo_app(database_url, TRUSTED_PROXIES=1).server.test_client()
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.7"}
    assert proxied.post("/logout", headers={**forwarded, "Origin": "https://localhost"}).status_code == 302
    assert proxied.post("/logout", headers={**forwarded, "Origin": "http://localhost"}).status_code == 403


def test_health_tells_the_schema_revision_to_administrators_only(anonymous, client_as):
    assert anonymous.get("/health").get_json() == {"status": "ok"}
    for role in ("staff", "leader", "viewer"):
        assert client_as(role).get("/health").get_json() == {"status": "ok"}, role
    assert set(client_as("admin").get("/health").get_json()) == {"status", "migration"}


def type_numbers_into_free_text(app) -> int:
    """A note with a mobile, a landline and an ID number, then a bulk edit whose comment holds another mobile and ID
    (and which replaces that note); returns the unit whose note it was."""
    with app.server.app_context(), writing(engine()) as conn:
        first, second = conn.execute(
            select(Unit.id).where(Unit.building_id == STAFF_BUILDING).order_by(Unit.id).limit(2)
        ).scalars()
        apply_edits(
            conn, [UnitEdit(first, {"note": f"tel {MOBILE} / {LANDLINE}, ID {ID_NUMBER}"})], ChangeContext(actor=SYSTEM)
        )
        apply_edits(conn, [UnitEdit(first, {"note": f"moved; ID {ID_NUMBER}"}), UnitEdit(second, {"note": "checked"})],
                    ChangeContext(actor=SYSTEM, comment=f"owner {BULK_MOBILE}, ID {BULK_ID}"))
    return first


def seen_by(client, unit_id: int) -> str:
    """Everything a user gets of the building page opened at a unit, and of the unit panel callback."""
    page = json.dumps(open_page(client, f"/building/{STAFF_BUILDING}", f"?unit={unit_id}"), ensure_ascii=False)
    panel = post_callback(client, [(ids.UNIT_PANEL, "children")], [(ids.SELECTED_UNIT, "data", unit_id)],
                          [(ids.BUILDING_ID, "data", STAFF_BUILDING)]).get_data(as_text=True)
    return page + panel


def digits(text: str) -> str:
    """Only the digits (and X) of a text, to find a number however it is spaced."""
    return re.sub(r"[^\dX]", "", text)


def test_numbers_typed_into_notes_and_comments_are_masked_for_leaders(app, client_as):
    unit_id = type_numbers_into_free_text(app)
    leader = seen_by(client_as("leader"), unit_id)
    secret_digits = [digits(number) for number in (MOBILE, LANDLINE, ID_NUMBER, BULK_MOBILE, BULK_ID)]
    assert [number for number in secret_digits if number in digits(leader)] == []
    assert "139****2233" in leader and "010****1234" in leader and "137****5678" in leader
    assert "110***********002X" in leader and "110***********1234" in leader
    staff = seen_by(client_as("staff"), unit_id)
    for number in (MOBILE, LANDLINE, ID_NUMBER, BULK_MOBILE, BULK_ID):
        assert number in staff, number


def test_a_leader_sees_the_rest_of_a_note_as_typed(app, client_as):
    with app.server.app_context(), writing(engine()) as conn:
        unit_id = conn.execute(select(Unit.id).where(Unit.building_id == STAFF_BUILDING).order_by(Unit.id)).first()[0]
        note = "3 residents since 2020-03-01, room 1201"
        apply_edits(conn, [UnitEdit(unit_id, {"note": note})], ChangeContext(actor=SYSTEM))
    assert note in seen_by(client_as("leader"), unit_id)


def test_the_sign_in_area_and_building_pages_run_under_the_policy_without_a_violation(browser, sqlite_app):
    start_signed_in(browser, sqlite_app, "admin")
    browser.driver.get(f"{browser.server_url}/area/3")
    browser.wait_for_element(".js-plotly-plot .main-svg", timeout=15)
    browser.driver.get(f"{browser.server_url}/building/{STAFF_BUILDING}")
    browser.wait_for_element(CELL, timeout=15)
    cell = browser.find_element(CELL)
    cell.click()
    browser.wait_for_element(f".unit-card[data-unit='{cell.get_attribute('data-unit')}']", timeout=10)
    assert browser.get_logs() == []
    browser.driver.execute_script("const s = document.createElement('script'); s.textContent = 'window.injected = 1';"
                                  "document.body.appendChild(s);")
    logs = []
    WebDriverWait(browser.driver, 5).until(lambda d: logs.extend(browser.get_logs()) or logs)
    assert "Content Security Policy" in logs[0]["message"]
    assert browser.driver.execute_script("return window.injected") is None

