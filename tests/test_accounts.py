"""Users, passwords, sessions and the access log on SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from data import accounts
from data.accounts import AccountError
from data.db import writing
from data.models import User

PASSWORD = "a long enough password"


@pytest.fixture
def db(demo_engine):
    """The demo database, with one staff user of the first workstation (area 4)."""
    with writing(demo_engine) as conn:
        accounts.create_user(conn, "wang", PASSWORD, "staff", [4])
    return demo_engine


def test_passwords_are_argon2id_and_long(db):
    with db.connect() as conn:
        stored = conn.execute(select(User.password_hash).where(User.username == "wang")).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    with writing(db) as conn, pytest.raises(AccountError, match="12 characters"):
        accounts.create_user(conn, "li", "short pass", "staff", [4])


@pytest.mark.parametrize("name, role, areas, message", [
    ("WANG", "staff", [4], "exists"), ("li", "boss", [4], "unknown role"), ("li", "leader", [], "at least one area"),
])
def test_bad_users_are_refused(db, name, role, areas, message):
    with writing(db) as conn, pytest.raises(AccountError, match=message):
        accounts.create_user(conn, name, PASSWORD, role, areas)


def test_check_password_answers_alike_for_unknown_and_wrong(db):
    with db.connect() as conn:
        assert accounts.check_password(conn, "Wang", PASSWORD) is not None
        assert accounts.check_password(conn, "wang", PASSWORD + "x") is None
        assert accounts.check_password(conn, "nobody", PASSWORD) is None
    with writing(db) as conn:
        accounts.disable_user(conn, "wang")
        assert accounts.check_password(conn, "wang", PASSWORD) is None


def sign_in(db, now: dt.datetime) -> str:
    """Start a session for wang at a given time."""
    with writing(db) as conn:
        return accounts.start_session(conn, accounts.check_password(conn, "wang", PASSWORD), now)


def test_session_carries_role_and_area_paths(db):
    token = sign_in(db, accounts.utcnow())
    with db.connect() as conn:
        account = accounts.session_account(conn, token)
    assert (account.username, account.role, account.area_paths) == ("wang", "staff", ("/1/2/3/4/",))


def test_sessions_expire_when_idle_and_absolutely(db):
    start = dt.datetime(2026, 1, 1, 8)
    token = sign_in(db, start)
    with db.connect() as conn:
        assert accounts.session_account(conn, token, start + dt.timedelta(minutes=29)) is not None
        assert accounts.session_account(conn, token, start + dt.timedelta(minutes=31)) is None
    moment = start
    while moment < start + dt.timedelta(hours=11, minutes=50):
        moment += dt.timedelta(minutes=20)
        with writing(db) as conn:
            assert accounts.needs_touch(conn, token, moment)
            accounts.touch_session(conn, token, moment)
    with db.connect() as conn:
        assert accounts.session_account(conn, token, moment) is not None
        assert accounts.session_account(conn, token, start + dt.timedelta(hours=12, minutes=1)) is None
        assert not accounts.needs_touch(conn, token, moment + dt.timedelta(seconds=30))


@pytest.mark.parametrize("change", [
    lambda conn, token: accounts.end_session(conn, token),
    lambda conn, token: accounts.set_role(conn, "wang", "leader"),
    lambda conn, token: accounts.set_password(conn, "wang", PASSWORD + "!"),
    lambda conn, token: accounts.set_areas(conn, "wang", [5]),
    lambda conn, token: accounts.disable_user(conn, "wang"),
], ids=["sign-out", "role", "password", "areas", "disable"])
def test_account_changes_end_sessions(db, change):
    token = sign_in(db, accounts.utcnow())
    with writing(db) as conn:
        change(conn, token)
    with db.connect() as conn:
        assert accounts.session_account(conn, token) is None


def test_areas_resolve_by_id_or_unique_name(db):
    with db.connect() as conn:
        assert accounts.resolve_areas(conn, ["3", "鲁谷街道"]) == [3, 3]
        with pytest.raises(AccountError, match="matches 0"):
            accounts.resolve_areas(conn, ["nowhere"])


def test_access_log_lists_views_newest_first(db):
    with writing(db) as conn:
        user_id = accounts.check_password(conn, "wang", PASSWORD)
        accounts.log_personal_view(conn, user_id, 5)
        accounts.log_personal_view(conn, user_id, 7)
        rows = accounts.access_log(conn)
    assert [(r["username"], r["unit_id"]) for r in rows] == [("wang", 7), ("wang", 5)]


def test_list_users_shows_areas(db):
    with db.connect() as conn:
        users = {u["username"]: u for u in accounts.list_users(conn)}
    assert users["wang"]["areas"] == ["第一楼宇工作站"] and users["wang"]["role"] == "staff"
