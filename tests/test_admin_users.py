"""Users managed in the app (data/users.py, /admin/users, /account): the rules of data/accounts.py, one-time passwords
that sign in once, a record of every change without any password, and nothing done for anyone but administrators."""
from __future__ import annotations

import json

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import func, select, update

from dashboard import ids
from data import accounts, structure, users
from data.changes import ChangeContext
from data.models import Area, StructureChange, User, UserSession
from data.structure import StructureRefused
from layouts.access_log import changes_text
from scripts.dash_client import callback_request, open_page, post_json, text_of
from tests.helpers import PASSWORD, database, sign_in, start_signed_in
from tests.test_accessibility import audit, report, sized, visit

WORKSTATION, SECOND_WORKSTATION = 4, 5  # demo areas (tests/helpers.py TEST_USERS)


def admin_context(conn, name: str = "root") -> ChangeContext:
    """A change by an administrator who exists."""
    if not accounts.user_exists(conn, name):
        accounts.create_user(conn, name, PASSWORD, "admin")
    return ChangeContext(actor=accounts.active_account(conn, name), request_id="test")


def records(conn) -> list[dict]:
    """Every structural record, oldest first."""
    return [dict(row._mapping) for row in conn.execute(select(StructureChange.__table__).order_by(StructureChange.id))]


def live_sessions(conn, user_id: int) -> int:
    """How many sessions of a user have not ended."""
    return conn.execute(select(func.count()).select_from(UserSession)
                        .where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))).scalar_one()


def test_a_new_user_signs_in_once_with_the_one_time_password_and_it_is_recorded_without_it(demo_engine):
    with demo_engine.begin() as conn:
        user_id, password = users.add_user(conn, admin_context(conn), " ana ", "staff", [WORKSTATION, WORKSTATION])
    assert len(password) >= accounts.MIN_PASSWORD_LENGTH
    with demo_engine.begin() as conn:
        assert accounts.check_password(conn, "ana", password) == user_id
        token = accounts.start_session(conn, user_id)
        assert accounts.session_account(conn, token).area_paths == ("/1/2/3/4/",)
        assert accounts.check_password(conn, "ana", password) is None
        assert accounts.password_matches(conn, user_id, password)
        record = records(conn)[-1]
        stored = conn.execute(select(User.password_hash).where(User.id == user_id)).scalar()
    assert (record["action"], record["subject_id"], record["data_before"]) == ("user.add", str(user_id), {})
    assert record["data_after"] == {"username": "ana", "role": "staff", "areas": [WORKSTATION], "active": True,
                                    "password": "one-time"}
    kept = json.dumps(record, default=str)
    assert password not in kept and stored.split("$")[-1] not in kept and "argon2" not in kept


def test_a_one_time_password_opens_one_session_even_when_two_sign_ins_checked_it(demo_engine):
    with demo_engine.begin() as conn:
        user_id, password = users.add_user(conn, admin_context(conn), "ana", "viewer", [WORKSTATION])
        assert accounts.check_password(conn, "ana", password) == user_id
        first, second = accounts.start_session(conn, user_id), accounts.start_session(conn, user_id)
        assert accounts.session_account(conn, first) is not None
        assert accounts.session_account(conn, second) is None


@pytest.mark.parametrize(("name", "role", "areas"), [
    ("STAFF", "viewer", [WORKSTATION]), ("", "viewer", [WORKSTATION]), ("x" * 101, "viewer", [WORKSTATION]),
    ("new", "boss", [WORKSTATION]), ("new", "staff", []), ("new", "staff", [999]), ("new", "staff", ["4"]),
    ("new", "staff", [True]), ("new", "staff", "4"), ("new", "staff", [WORKSTATION, 999]), ("new", "staff", [2**40]),
    (["new"], "staff", [WORKSTATION]), ("new", ["staff"], [WORKSTATION]), ("new\n", "staff", None),
])
def test_refused_additions_change_nothing(demo_engine, name, role, areas):
    with demo_engine.begin() as conn:
        context = admin_context(conn)
        accounts.create_user(conn, "staff", PASSWORD, "staff", [WORKSTATION])
        count = conn.execute(select(func.count()).select_from(User)).scalar_one()
        with pytest.raises(StructureRefused):
            users.add_user(conn, context, name, role, areas)
        assert conn.execute(select(func.count()).select_from(User)).scalar_one() == count
        assert records(conn) == []


def test_a_retired_area_is_not_given(demo_engine):
    with demo_engine.begin() as conn:
        conn.execute(update(Area).where(Area.id == SECOND_WORKSTATION).values(retired_at=accounts.utcnow()))
        assert SECOND_WORKSTATION not in [area["id"] for area in users.area_choices(conn)]
        with pytest.raises(StructureRefused):
            users.add_user(conn, admin_context(conn), "new", "staff", [SECOND_WORKSTATION])


def test_role_and_area_changes_end_the_users_sessions_and_are_recorded(demo_engine):
    with demo_engine.begin() as conn:
        context = admin_context(conn)
        user_id = accounts.create_user(conn, "bo", PASSWORD, "staff", [WORKSTATION])
        accounts.start_session(conn, user_id)
        users.change_role(conn, context, user_id, "leader")
        assert live_sessions(conn, user_id) == 0
        accounts.start_session(conn, user_id)
        users.change_areas(conn, context, user_id, [SECOND_WORKSTATION, WORKSTATION])
        assert live_sessions(conn, user_id) == 0
        assert users.user_state(conn, user_id) == {"username": "bo", "role": "leader", "active": True,
                                                   "areas": [WORKSTATION, SECOND_WORKSTATION]}
        role, areas = records(conn)
        assert [record["action"] for record in structure.recent(conn)] == ["user.areas", "user.role"]
    assert (role["action"], role["data_before"]["role"], role["data_after"]["role"]) == ("user.role", "staff", "leader")
    assert (areas["data_before"]["areas"], areas["data_after"]["areas"]) == ([WORKSTATION], [4, 5])
    assert role["actor"] == "root" and role["request_id"] == "test"


def test_changes_that_would_lock_out_or_do_nothing_are_refused(demo_engine):
    with demo_engine.begin() as conn:
        context = admin_context(conn)
        admin_id, staff_id = context.actor.id, accounts.create_user(conn, "bo", PASSWORD, "staff", [WORKSTATION])
        refused = [lambda: users.disable(conn, context, admin_id), lambda: users.change_role(conn, context, admin_id,
                   "staff"), lambda: users.change_role(conn, context, staff_id, "staff"),
                   lambda: users.change_areas(conn, context, staff_id, []), lambda: users.disable(conn, context, 999),
                   lambda: users.change_areas(conn, context, staff_id, [WORKSTATION])]
        for change in refused:
            with pytest.raises(StructureRefused):
                change()
        users.disable(conn, context, staff_id)
        with pytest.raises(StructureRefused):
            users.give_one_time_password(conn, context, staff_id)
        assert [record["action"] for record in records(conn)] == ["user.disable"]
        assert accounts.check_password(conn, "bo", PASSWORD) is None


def test_the_last_active_administrator_stays(demo_engine):
    with demo_engine.begin() as conn:
        only = accounts.create_user(conn, "only", PASSWORD, "admin")
        context = ChangeContext(actor=accounts.SYSTEM, request_id="test")
        with pytest.raises(StructureRefused):
            users.disable(conn, context, only)
        accounts.create_user(conn, "second", PASSWORD, "admin")
        users.disable(conn, context, only)


def test_an_own_password_change_needs_the_current_one_and_ends_every_session(demo_engine):
    with demo_engine.begin() as conn:
        user_id, once = users.add_user(conn, admin_context(conn), "ana", "staff", [WORKSTATION])
        accounts.start_session(conn, user_id)
        context = ChangeContext(actor=accounts.active_account(conn, "ana"), request_id="own")
        for current, new in ((PASSWORD, "a new long password"), (once, "short"), (once, once), (None, "x" * 12)):
            with pytest.raises(StructureRefused):
                users.change_own_password(conn, context, current, new)
        users.change_own_password(conn, context, once, "a new long password")
        assert live_sessions(conn, user_id) == 0
        assert accounts.check_password(conn, "ana", "a new long password") == user_id
        assert accounts.check_password(conn, "ana", once) is None
        record = records(conn)[-1]
    assert record["action"] == "user.password" and record["actor"] == "ana"
    assert "a new long password" not in json.dumps(record, default=str)


def test_the_access_log_says_what_changed_in_words():
    before = {"username": "bo", "role": "staff", "areas": [4], "active": True}
    names = {4: "First", 5: "Second"}
    assert changes_text(before, {**before, "role": "leader"}, names) == "user: bo; role: workstation staff → leader"
    assert changes_text(before, {**before, "areas": [4, 5]}, names) == "user: bo; areas: First → First, Second"
    assert changes_text(None, {"username": "bo", "password": "one-time"}, names) == "user: bo; password: one-time"


def action_body(app, button: str, value, user_id=None, role=None, areas=None, prop: str = "n_clicks") -> dict:
    """A press of one of the users page's buttons, as dash-renderer sends it."""
    key, entry = next((k, e) for k, e in app.callback_map.items()
                      if any(i["id"] == button for i in e["inputs"]))
    values = {(button, prop): value, (ids.USER_PICK, "value"): user_id, (ids.USER_ROLE, "value"): role,
              (ids.USER_AREAS, "value"): areas, (ids.USER_NEW_NAME, "value"): user_id,
              (ids.USER_NEW_ROLE, "value"): role, (ids.USER_NEW_AREAS, "value"): areas}
    body = callback_request(key, entry, lambda i, p: values.get((i, p)))
    return {**body, "changedPropIds": [f"{button}.{prop}"]}


def user_row(app, name: str):
    """A user's row, as stored."""
    with database(app).connect() as conn:
        return conn.execute(select(User).where(User.username == name)).first()


def test_forged_callbacks_from_staff_change_nothing(app, client_as):
    staff = client_as("staff")
    admin_id = user_row(app, "admin").id
    before = user_row(app, "admin")
    for body in (action_body(app, ids.USER_ADD, 1, "intruder", "admin", []),
                 action_body(app, ids.USER_SAVE_ROLE, 1, str(admin_id), "viewer"),
                 action_body(app, ids.USER_SAVE_AREAS, 1, str(admin_id), None, [WORKSTATION]),
                 action_body(app, ids.USER_ONE_TIME, 1, str(admin_id)),
                 action_body(app, ids.USER_DISABLE, 1, str(admin_id), prop="submit_n_clicks")):
        assert post_json(staff, body).status_code == 204
    assert user_row(app, "intruder") is None and user_row(app, "admin") == before
    with database(app).connect() as conn:
        assert records(conn) == []
    assert "user-row" not in json.dumps(open_page(staff, "/admin/users"))


def test_an_administrator_adds_a_user_whose_password_is_shown_once_and_signs_in_once(app, client):
    response = post_json(client, action_body(app, ids.USER_ADD, 1, "ana", "viewer", [WORKSTATION]))
    assert response.status_code == 200
    shown = response.get_json()["response"]
    password = next(part["props"]["children"] for part in shown[ids.USER_MESSAGE]["children"]["props"]["children"]
                    if "one-time-password" in part["props"].get("className", ""))
    assert "ana" in text_of(shown[ids.USERS_TABLE]["children"]) and shown[ids.USER_NEW_NAME]["value"] == ""
    assert password not in json.dumps(open_page(client, "/admin/users"))
    assert password not in json.dumps(open_page(client, "/admin/access-log"))
    assert "ana" in text_of(open_page(client, "/admin/access-log"))
    first, second = app.server.test_client(), app.server.test_client()
    assert sign_in(first, "ana", password).status_code == 302
    assert sign_in(second, "ana", password).status_code == 401
    assert first.get("/account").status_code == 200


def test_an_administrators_changes_through_the_page_end_the_users_sessions(app, client, client_as):
    staff = client_as("staff")
    staff_id = user_row(app, "staff").id
    response = post_json(client, action_body(app, ids.USER_SAVE_AREAS, 1, str(staff_id), None, [SECOND_WORKSTATION]))
    assert response.status_code == 200 and "outcome-done" in json.dumps(response.get_json())
    assert staff.get("/_dash-layout").status_code == 401
    refused = post_json(client, action_body(app, ids.USER_SAVE_ROLE, 1, str(staff_id), "nobody"))
    assert "outcome-refused" in json.dumps(refused.get_json())
    disabled = post_json(client, action_body(app, ids.USER_DISABLE, 1, str(staff_id), prop="submit_n_clicks"))
    assert disabled.status_code == 200 and not user_row(app, "staff").active
    with database(app).connect() as conn:
        assert [record["action"] for record in records(conn)] == ["user.areas", "user.disable"]


def account_body(app, current, new, again) -> dict:
    """A press of the account page's button with the three password fields."""
    key, entry = next((k, e) for k, e in app.callback_map.items() if e["inputs"][0]["id"] == ids.ACCOUNT_SAVE)
    values = {ids.ACCOUNT_SAVE: 1, ids.ACCOUNT_CURRENT: current, ids.ACCOUNT_NEW: new, ids.ACCOUNT_AGAIN: again}
    return callback_request(key, entry, lambda i, _p: values[i])


def test_every_user_changes_their_own_password_on_the_account_page(app, client_as):
    viewer = client_as("viewer")
    for current, new, again in ((PASSWORD, "another password", "another passwort"), ("wrong", "x" * 12, "x" * 12)):
        response = post_json(viewer, account_body(app, current, new, again))
        assert "outcome-refused" in json.dumps(response.get_json())
    response = post_json(viewer, account_body(app, PASSWORD, "another password", "another password"))
    assert "outcome-done" in json.dumps(response.get_json())
    assert viewer.get("/_dash-layout").status_code == 401
    assert sign_in(app.server.test_client(), "viewer").status_code == 401
    assert sign_in(app.server.test_client(), "viewer", "another password").status_code == 302


def test_the_navbar_links_users_for_administrators_and_the_account_for_everyone(app, client, client_as):
    assert ids.NAV_USERS in client.get("/_dash-layout").get_data(as_text=True)
    layout = client_as("viewer").get("/_dash-layout").get_data(as_text=True)
    assert ids.NAV_ACCOUNT in layout and ids.NAV_USERS not in layout


def test_an_administrator_adds_a_user_in_the_browser(browser, sqlite_app):
    start_signed_in(browser, sqlite_app, "admin")
    browser.driver.get(f"{browser.server_url}/admin/users")
    browser.wait_for_element(f"#{ids.USER_NEW_NAME}", timeout=15).send_keys("ana")
    browser.driver.find_element(By.CSS_SELECTOR, f"#{ids.USER_NEW_AREAS} input[value='{WORKSTATION}']").click()
    browser.find_element(f"#{ids.USER_ADD}").click()
    password = browser.wait_for_element(".one-time-password", timeout=15).text
    assert len(password) == accounts.ONE_TIME_LENGTH
    WebDriverWait(browser.driver, 10).until(
        lambda d: any(row.text.startswith("ana") for row in d.find_elements(By.CSS_SELECTOR, "tr.user-row")))
    browser.driver.get(f"{browser.server_url}/admin/users")
    browser.wait_for_element(f"#{ids.USERS_TABLE}", timeout=15)
    assert password not in browser.driver.page_source


def test_the_users_and_account_pages_pass_the_accessibility_audit(browser, sqlite_app):
    driver = sized(browser, 1400)
    start_signed_in(browser, sqlite_app, "admin")
    found = [line for page in ("/account", "/admin/users") for line in visit(driver, browser.server_url + page, page)]
    driver.find_element(By.ID, ids.USER_ADD).click()
    WebDriverWait(driver, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".outcome-refused"))
    report(found + audit(driver, "/admin/users with a refusal"))
