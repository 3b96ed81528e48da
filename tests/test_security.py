"""Accounts, roles and privacy through real HTTP requests (both backends)."""
from __future__ import annotations

import datetime as dt
import json
import logging
import re
import threading

import pytest
from sqlalchemy import func, select, update

from dashboard import create_app, i18n, ids
from dashboard.extensions import engine
from data import access, queries
from data.accounts import SYSTEM
from data.changes import ChangeContext, UnitEdit, apply_edits
from data.db import writing
from data.models import Building, PersonalDataView, Unit, UnitChange, UserSession
from scripts.dash_client import callback_request, open_page, post_callback, post_json, text_of
from tests.helpers import PASSWORD, TEST_SECRET, as_read, demo_app, press, save, sign_in, undo

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
        for building in (OUTSIDE_STAFF_AREA, 1):
            body = callback_request(
                key, entry, lambda i, p, b=building: b if (i, p) == (ids.BUILDING_ID, "data") else values.get((i, p))
            )
            text = post_json(staff, body).get_data(as_text=True)
            assert leaks_of_a_building(text, name, units, OUTSIDE_STAFF_AREA) == [], key
    assert len(server_callbacks) >= 3


READ_ONLY_CALLBACKS = {"filter_buildings", "show_unit", "refresh"}
# The administrators' pages, a user's own account and the ledger import: each refuses everyone else, tested in its own
# file (tests/test_admin_areas.py, test_admin_buildings.py, test_admin_catalogue.py, test_admin_users.py,
# test_ledger_page.py).
OWN_PAGE_CALLBACKS = {"callbacks.admin_areas.change_areas", "callbacks.admin_buildings.preview_or_save",
                      "callbacks.admin_statuses.act", "callbacks.admin_statuses.show_preview",
                      "callbacks.admin_users.add", "callbacks.admin_users.change", "callbacks.admin_users.pick",
                      "callbacks.account.change_password", "callbacks.admin_building_layout.act",
                      "callbacks.ledger_import.show_preview", "callbacks.ledger_import.correct_columns",
                      "callbacks.ledger_import.apply", "callbacks.ledger_import.undo"}
WRITTEN_NOTE = "written by the request"
ENDED_QUARANTINE = {"status": "quarantined", "quarantine_start": "2020-02-01"}


def callback_names(app) -> set[str]:
    """The names of the app's own server-side callback functions of the building pages (Dash's page router is not
    the app's; the administrators' pages are OWN_PAGE_CALLBACKS)."""
    return {name.rsplit(".", 1)[1] for name in qualified_callbacks(app) - OWN_PAGE_CALLBACKS}


def qualified_callbacks(app) -> set[str]:
    """The module and name of every server-side callback function of the app's own."""
    functions = [
        getattr(e["callback"], "__wrapped__", e["callback"]) for e in app.callback_map.values() if "callback" in e
    ]
    return {f"{f.__module__}.{f.__name__}" for f in functions if f.__module__.startswith("callbacks.")}


def a_foreign_building(app) -> int:
    """A building outside the staff user's workstation with enough healthy homes for one request of each kind."""
    with database(app).connect() as conn:
        return (
            conn.execute(
                select(Unit.building_id)
                .join(Building, Building.id == Unit.building_id)
                .where(Building.area_id != 4, Unit.use == "home", Unit.status == "healthy")
                .group_by(Unit.building_id)
                .having(func.count() >= 5)
                .order_by(Unit.building_id)
            )
            .scalars()
            .first()
        )


def post_bulk(app, client, picks: list, building: int) -> str:
    """POST the bulk bar's Apply setting "unverified" on [unit id, version seen] pairs; returns the answer's text."""
    key, entry = next((k, e) for k, e in app.callback_map.items() if e["inputs"][0]["id"] == ids.BULK_APPLY)
    values = {ids.BULK_APPLY: 1, ids.SELECTION: picks, ids.BUILDING_ID: building, ids.BULK_STATUS: "unverified"}
    return post_json(client, callback_request(key, entry, lambda i, p: values.get(i))).get_data(as_text=True)


def answer_text(answer: tuple) -> str:
    """The text of a (status code, JSON or None) answer."""
    return json.dumps(answer[1], ensure_ascii=False)


def write_requests(app, building_id: int) -> dict[str, tuple]:
    """For each write callback, a request on healthy homes of a building that acts when its sender may edit there, as
    (send(client, building id) -> answer text, acted(connection) -> bool); undo and confirm get a batch and an ended
    quarantine made for them."""
    with writing(database(app)) as conn:
        homes = (
            conn.execute(
                select(Unit.id)
                .where(Unit.building_id == building_id, Unit.use == "home", Unit.status == "healthy")
                .order_by(Unit.id)
                .limit(5)
            )
            .scalars()
            .all()
        )
        original_note = queries.unit(conn, homes[3])["note"]
        batch = ChangeContext(actor=SYSTEM)
        apply_edits(conn, [UnitEdit(homes[3], {"note": "to be undone"})], batch)
        apply_edits(conn, [UnitEdit(homes[4], ENDED_QUARANTINE)], ChangeContext(actor=SYSTEM))
        unit, picks = queries.unit(conn, homes[0]), [[u, queries.unit(conn, u)["version"]] for u in homes[1:3]]
        due = queries.unit(conn, homes[4])
    return {
        "save_unit": (
            lambda client, b: answer_text(save(app, client, unit, building=b, note=WRITTEN_NOTE)),
            lambda conn: queries.unit(conn, unit["id"])["note"] == WRITTEN_NOTE,
        ),
        "apply_bulk": (
            lambda client, b: post_bulk(app, client, picks, b),
            lambda conn: {queries.unit(conn, u)["status"] for u, _ in picks} == {"unverified"},
        ),
        "undo": (
            lambda client, b: answer_text(undo(app, client, batch.batch_id, b)),
            lambda conn: queries.unit(conn, homes[3])["note"] == original_note != "to be undone",
        ),
        "confirm_due": (
            lambda client, b: answer_text(press(app, client, ids.confirm_button(due["id"], due["version"]), b)),
            lambda conn: queries.unit(conn, due["id"])["status"] == "healthy",
        ),
    }


def everything(app) -> dict:
    """What a write could change: every field of every unit and the size of the history."""
    with database(app).connect() as conn:
        return {"units": [dict(row._mapping) for row in conn.execute(select(Unit.__table__).order_by(Unit.id))],
                "changes": conn.execute(select(func.count()).select_from(UnitChange)).scalar_one()}


def acted(app, check) -> bool:
    """Whether a request's effect is in the database."""
    with database(app).connect() as conn:
        return check(conn)


def test_every_write_callback_acts_where_its_sender_may_edit_and_changes_nothing_elsewhere(app, client_as):
    staff, leader, admin, outside = client_as("staff"), client_as("leader"), client_as("admin"), a_foreign_building(app)
    own, foreign = write_requests(app, 1), write_requests(app, outside)
    assert callback_names(app) == READ_ONLY_CALLBACKS | set(own), "a new callback: say whether it writes"
    assert OWN_PAGE_CALLBACKS <= qualified_callbacks(app)
    with database(app).connect() as conn:
        name = queries.building(conn, outside)["name"]
    for callback, (send, effect) in foreign.items():
        before = everything(app)
        for building in (outside, 1):
            assert leaks_of_a_building(send(staff, building), name, units_of(app, outside), outside) == [], callback
        send(leader, outside)
        assert everything(app) == before, f"{callback}: a refused request changed the database"
        send_own, effect_own = own[callback]
        send_own(leader, 1)
        assert everything(app) == before, f"{callback}: a leader (who may see but not edit) changed the database"
        send_own(staff, 1)
        assert acted(app, effect_own), f"{callback}: the request on staff's own building did not act"
        assert not acted(app, effect)
        send(admin, outside)
        assert acted(app, effect), f"{callback}: the request refused to staff does not act even for an administrator"


def leaks_of_a_building(text: str, name: str, units: list[dict], building_id: int) -> list[str]:
    """What of a building an answer shows: its name, occupants' names and phones, its units' ids and its id."""
    secrets = [v for u in units for v in (u["occupant_name"], u["contact_phone"]) if v]
    found = [v for v in [name, *secrets] if v in text]
    if re.search(r'"data-unit":\s*(%s)\b' % "|".join(str(u["id"]) for u in units), text):
        found.append("a unit id")
    if re.search(r'"building":\s*%d\b' % building_id, text):
        found.append("the building id")
    return found


def test_staff_see_only_their_areas(app, client_as):
    staff = client_as("staff")
    assert text_of(open_page(staff, "/")).count("鲁谷路") == 9
    missing, refused = as_read(app, lambda: (i18n._("Building not found"), i18n._("Not allowed")))
    assert missing in text_of(open_page(staff, f"/building/{OUTSIDE_STAFF_AREA}"))
    assert refused in text_of(open_page(staff, "/admin/access-log"))


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
            responses.append(
                post_callback(
                    leader,
                    [(ids.UNIT_PANEL, "children")],
                    [(ids.SELECTED_UNIT, "data", unit["id"])],
                    [(ids.BUILDING_ID, "data", building_id)],
                ).get_data(as_text=True)
            )
    responses.append(
        post_callback(leader, [(ids.OVERVIEW_LIST, "children")], [(ids.OVERVIEW_SEARCH, "value", "鲁谷")]).get_data(
            as_text=True
        )
    )
    tick = {ids.REFRESH: 1, ids.BUILDING_ID: 1, ids.REVISION_SEEN: -1}
    for key, entry in app.callback_map.items():
        if entry["inputs"][0]["id"] == ids.REFRESH:
            responses.append(
                post_json(leader, callback_request(key, entry, lambda i, p: tick.get(i))).get_data(as_text=True)
            )
    seen = "\n".join(responses)
    assert "测试张三丰" not in seen and "测试李四光" not in seen and "87654321" not in seen and "010****4321" in seen
    with database(app).connect() as conn:
        names = set(conn.execute(select(Unit.occupant_name).where(Unit.occupant_name != "")).scalars())
        views = conn.execute(select(PersonalDataView.id)).all()
    hidden = json.dumps(as_read(app, lambda: i18n.translated(access.HIDDEN)))[1:-1]
    assert hidden in seen and "****" in seen
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
    tick = {
        "output": "x",
        "outputs": {"id": "x", "property": "y"},
        "inputs": [{"id": ids.REFRESH, "property": "n_intervals", "value": 9}],
        "state": [],
        "changedPropIds": [f"{ids.REFRESH}.n_intervals"],
    }
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
