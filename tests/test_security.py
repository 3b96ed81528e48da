"""Accounts, roles and privacy through real HTTP requests (both backends)."""
from __future__ import annotations

import datetime as dt
import json
import logging
import re
import threading

import pytest
from sqlalchemy import select, update

from dashboard import create_app, ids
from dashboard.extensions import engine
from data import queries
from data.accounts import SYSTEM
from data.changes import ChangeContext, UnitEdit, apply_edits
from data.db import writing
from data.models import Building, PersonalDataView, Unit, UserSession
from tests.conftest import PASSWORD, TEST_SECRET, demo_app, sign_in
from scripts.dash_client import callback_request, open_page, post_callback, post_json, text_of

PHONE = re.compile(r"1[3-9]\d{9}")
OUTSIDE_STAFF_AREA = 12  # a building of the second workstation; "staff" covers only the first (area 4)


def database(app):
    """The app's engine, outside a request."""
    with app.server.app_context():
        return engine()


def units_of(app, building_id: int) -> list[dict]:
    """Every field of every unit of a building."""
    with database(app).connect() as conn:
        unit_ids = conn.execute(select(Unit.id).where(Unit.building_id == building_id).order_by(Unit.id)).scalars()
        return [queries.unit(conn, unit_id) for unit_id in unit_ids]


def test_anonymous_users_get_only_the_sign_in_page(anonymous):
    for path in ("/", "/building/1", "/building/1?unit=3", "/admin/access-log"):
        response = anonymous.get(path)
        assert response.status_code == 302 and response.location.startswith("/login?next=")
    assert anonymous.get("/_dash-layout").status_code == 401
    assert anonymous.get("/login").status_code == 200
    assert anonymous.get("/health").get_json()["status"] == "ok"


def test_every_callback_refuses_an_anonymous_post(app, anonymous):
    anonymous.get("/login")
    assert len(app.callback_map) >= 5
    for key, entry in app.callback_map.items():
        response = post_json(anonymous, callback_request(key, entry, lambda i, p: 1))
        assert response.status_code == 401, key
        assert "sign in" in response.get_data(as_text=True)


def test_staff_get_nothing_of_another_workstations_building_from_any_callback(app, client_as):
    staff = client_as("staff")
    units = units_of(app, OUTSIDE_STAFF_AREA)
    with database(app).connect() as conn:
        name = queries.building(conn, OUTSIDE_STAFF_AREA)["name"]
    values = {("_pages_location", "pathname"): f"/building/{OUTSIDE_STAFF_AREA}",
              ("_pages_location", "search"): f"?unit={units[0]['id']}",
              (ids.SELECTED_UNIT, "data"): units[0]["id"], (ids.BUILDING_ID, "data"): OUTSIDE_STAFF_AREA,
              (ids.OVERVIEW_SEARCH, "value"): name}
    server_callbacks = {k: e for k, e in app.callback_map.items() if "callback" in e}
    for key, entry in server_callbacks.items():
        for own_building in (OUTSIDE_STAFF_AREA, 1):
            body = callback_request(key, entry, lambda i, p: own_building if (i, p) == (ids.BUILDING_ID, "data") else values.get((i, p)))
            text = post_json(staff, body).get_data(as_text=True)
            assert name not in text, key
            secrets_of_b = [v for u in units for v in (u["occupant_name"], u["contact_phone"]) if v]
            assert [v for v in secrets_of_b if v in text] == [], key
            assert not re.search(r'"data-unit":\s*(%s)\b' % "|".join(str(u["id"]) for u in units), text), key
            assert not re.search(r'"building":\s*%d\b' % OUTSIDE_STAFF_AREA, text), key
    assert len(server_callbacks) >= 3


def test_staff_see_only_their_areas(client_as):
    staff = client_as("staff")
    assert text_of(open_page(staff, "/")).count("鲁谷路") == 9
    assert "Building not found" in text_of(open_page(staff, f"/building/{OUTSIDE_STAFF_AREA}"))
    assert "Not allowed" in text_of(open_page(staff, "/admin/access-log"))


def test_a_leader_sees_no_phone_number_and_no_name_anywhere(app, client_as):
    unit = units_of(app, 1)[0]
    with writing(database(app)) as conn:
        apply_edits(conn, [UnitEdit(unit["id"], {"occupant_name": "测试张三丰", "contact_phone": "010-87654321"})],
                    ChangeContext(actor=SYSTEM))
        apply_edits(conn, [UnitEdit(unit["id"], {"occupant_name": "测试李四光", "contact_phone": "13900001111"})],
                    ChangeContext(actor=SYSTEM))
    leader = client_as("leader")
    responses = [json.dumps(open_page(leader, path)) for path in ("/", "/areas", "/area/3", "/area/4", "/area/5")]
    responses.append(json.dumps(open_page(leader, "/", "?buildings=all")))
    for building_id in range(1, 34):
        units = units_of(app, building_id)
        responses.append(json.dumps(open_page(leader, f"/building/{building_id}", f"?unit={units[0]['id']}")))
        for unit in units[:: 1 if building_id <= 3 else 10]:
            responses.append(post_callback(leader, [(ids.UNIT_PANEL, "children")], [(ids.SELECTED_UNIT, "data", unit["id"])],
                                           [(ids.BUILDING_ID, "data", building_id)]).get_data(as_text=True))
    responses.append(post_callback(leader, [(ids.OVERVIEW_LIST, "children")], [(ids.OVERVIEW_SEARCH, "value", "鲁谷")]).get_data(as_text=True))
    for key, entry in app.callback_map.items():
        if entry["inputs"][0]["id"] == ids.REFRESH:
            values = {ids.REFRESH: 1, ids.BUILDING_ID: 1, ids.REVISION_SEEN: -1}
            responses.append(post_json(leader, callback_request(key, entry, lambda i, p: values.get(i))).get_data(as_text=True))
    seen = "\n".join(responses)
    assert "测试张三丰" not in seen and "测试李四光" not in seen and "87654321" not in seen and "010****4321" in seen
    with database(app).connect() as conn:
        names = set(conn.execute(select(Unit.occupant_name).where(Unit.occupant_name != "")).scalars())
        views = conn.execute(select(PersonalDataView.id)).all()
    assert "(hidden)" in seen and "****" in seen
    assert PHONE.findall(seen) == []
    assert [name for name in names if name in seen] == []
    assert views == []


def test_staff_views_of_personal_data_are_logged_for_admins(app, client_as, client):
    unit = units_of(app, 2)[0]
    staff = client_as("staff")
    panel = post_callback(staff, [(ids.UNIT_PANEL, "children")], [(ids.SELECTED_UNIT, "data", unit["id"])],
                          [(ids.BUILDING_ID, "data", 2)]).get_data(as_text=True)
    assert unit["contact_phone"] in panel
    log = text_of(open_page(client, "/admin/access-log"))
    assert "staff" in log and unit["label"] in log


def test_callbacks_refuse_foreign_origins_and_non_json(client):
    body = callback_request(f"{ids.UNIT_PANEL}.children", {"inputs": [{"id": ids.SELECTED_UNIT, "property": "data"}],
                                                           "state": [{"id": ids.BUILDING_ID, "property": "data"}]},
                            lambda i, p: 1)
    assert post_json(client, body, Origin="http://localhost").status_code == 200
    assert post_json(client, body, Origin="https://evil.example").status_code == 403
    assert post_json(client, body, Referer="https://evil.example/page").status_code == 403
    plain = client.post("/_dash-update-component", data=json.dumps(body), headers={"Content-Type": "text/plain"})
    assert plain.status_code == 415
    form = client.post("/_dash-update-component", data={"payload": json.dumps(body)})
    assert form.status_code == 415


def test_sign_in_from_a_foreign_origin_is_refused(anonymous):
    response = anonymous.post("/login", data={"username": "admin", "password": PASSWORD},
                              headers={"Origin": "https://evil.example"})
    assert response.status_code == 403


def test_wrong_password_and_unknown_user_get_the_same_answer_and_are_logged(anonymous, caplog):
    with caplog.at_level(logging.WARNING):
        wrong = anonymous.post("/login", data={"username": "staff", "password": "not the password"})
        unknown = anonymous.post("/login", data={"username": "nobody", "password": "not the password"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_data(as_text=True).replace("staff", "nobody") == unknown.get_data(as_text=True)
    assert "'staff'" in caplog.text and "'nobody'" in caplog.text and "not the password" not in caplog.text


def test_session_cookie_flags(app):
    plain = app.server.test_client()
    cookie = sign_in(plain, "staff").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    secure = app.server.test_client()
    response = secure.post("/login", base_url="https://localhost", data={"username": "staff", "password": PASSWORD})
    assert "Secure" in response.headers["Set-Cookie"]


def test_behind_a_trusted_proxy_https_cookies_are_secure(database_url):
    proxied = demo_app(database_url, TRUSTED_PROXIES=1).server.test_client()
    response = proxied.post("/login", data={"username": "staff", "password": PASSWORD},
                            headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "10.0.0.7"})
    assert response.status_code == 302 and "Secure" in response.headers["Set-Cookie"]


def test_a_cookie_replayed_after_sign_out_is_refused(app, client_as):
    staff = client_as("staff")
    cookie = staff.get_cookie("session")
    assert staff.post("/logout").status_code == 302
    replay = app.server.test_client()
    replay.set_cookie("session", cookie.value)
    assert replay.get("/_dash-layout").status_code == 401
    assert replay.get("/").status_code == 302


def test_the_refresh_timer_does_not_keep_a_session_alive(app, client_as):
    staff = client_as("staff")
    with database(app).begin() as conn:
        last_seen = conn.execute(select(UserSession.last_seen_at)).scalar_one() - dt.timedelta(minutes=20)
        conn.execute(update(UserSession).values(last_seen_at=last_seen))
    tick = {"output": "x", "outputs": {"id": "x", "property": "y"}, "inputs": [{"id": ids.REFRESH, "property": "n_intervals", "value": 9}],
            "state": [], "changedPropIds": [f"{ids.REFRESH}.n_intervals"]}
    post_json(staff, tick)
    with database(app).connect() as conn:
        assert conn.execute(select(UserSession.last_seen_at)).scalar_one() == last_seen
    staff.get("/_dash-layout")
    with database(app).connect() as conn:
        assert conn.execute(select(UserSession.last_seen_at)).scalar_one() > last_seen


def test_an_idle_session_expires(app, client_as):
    staff = client_as("staff")
    assert staff.get("/_dash-layout").status_code == 200
    with database(app).begin() as conn:
        last_seen = conn.execute(select(UserSession.last_seen_at)).scalar_one()
        conn.execute(update(UserSession).values(last_seen_at=last_seen - dt.timedelta(minutes=31)))
    assert staff.get("/_dash-layout").status_code == 401


def test_sign_ins_are_rate_limited_per_account(anonymous):
    for _ in range(10):
        assert anonymous.post("/login", data={"username": "staff", "password": "wrong password!"}).status_code == 401
    assert anonymous.post("/login", data={"username": "staff", "password": PASSWORD}).status_code == 429
    assert anonymous.post("/login", data={"username": "leader", "password": PASSWORD}).status_code == 302


def test_a_burst_of_parallel_guesses_is_cut_at_the_limit(app):
    answers, barrier = [], threading.Barrier(16)

    def guess():
        client = app.server.test_client()
        barrier.wait()
        answers.append(client.post("/login", data={"username": "viewer", "password": "wrong password!"}).status_code)

    threads = [threading.Thread(target=guess) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [401] * 10 + [429] * 6


def test_failed_sign_ins_are_rate_limited_per_address(database_url):
    app = demo_app(database_url, LOGIN_LIMIT_ADDRESS="3 per minute")
    client = app.server.test_client()
    for name in ("a", "b", "c"):
        assert client.post("/login", data={"username": name, "password": "wrong password!"}).status_code == 401
    assert client.post("/login", data={"username": "staff", "password": PASSWORD}).status_code == 429


def test_next_only_leads_to_local_pages(anonymous):
    for target, expected in (("/building/2", "/building/2"), ("//evil.example", "/"), ("https://evil.example", "/"),
                             ("/\t/evil.example", "/"), ("/\n/evil.example", "/"), ("/\\evil.example", "/")):
        response = anonymous.post("/login", data={"username": "staff", "password": PASSWORD, "next": target})
        assert response.location == expected


def test_secret_key_is_required_outside_demo_and_debug(tmp_path):
    url = f"sqlite:///{tmp_path / 'prod.db'}"
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"DATABASE_URL": url})
    assert create_app({"DATABASE_URL": url, "DEBUG": True}).server.config["SECRET_KEY"]
    production = create_app({"DATABASE_URL": url, "SECRET_KEY": TEST_SECRET})
    assert production.server.config["DEBUG"] is False and production.server.debug is False


def test_building_query_carries_the_area_path(app):
    with database(app).connect() as conn:
        building = queries.building(conn, 1)
        path = conn.execute(select(Building.area_id).where(Building.id == 1)).scalar_one()
    assert building["area_path"].endswith(f"/{path}/")
