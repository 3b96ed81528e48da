"""One database connection per request, and reads and writes that share it without a stale snapshot (both backends)."""
from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event, select, update

from dashboard.extensions import engine
from data import queries
from data.db import read_transaction, write_transaction, writing
from data.models import Unit
from scripts.dash_client import edit_request, post_json

BUILDING = 1
# What one Save costs today: the session, the building, the write, the panel and the redrawn building (BEGINs counted).
SAVE_STATEMENTS = 34


@contextmanager
def counted(db):
    """Pool checkouts and statements sent while the block runs."""
    seen = {"checkouts": 0, "statements": []}

    def checkout(*_):
        seen["checkouts"] += 1

    def statement(_conn, _cursor, sql, *_):
        seen["statements"].append(sql)

    event.listen(db.pool, "checkout", checkout)
    event.listen(db, "before_cursor_execute", statement)
    try:
        yield seen
    finally:
        event.remove(db.pool, "checkout", checkout)
        event.remove(db, "before_cursor_execute", statement)


def app_engine(app):
    """The app's engine, outside a request."""
    with app.server.app_context():
        return engine()


def a_home(db) -> dict:
    """A home of the building, as stored."""
    with db.connect() as conn:
        homes = select(Unit.id).where(Unit.building_id == BUILDING, Unit.use == "home").order_by(Unit.id)
        unit_id = conn.execute(homes).scalar()
        return queries.unit(conn, unit_id)


def test_a_save_takes_one_connection_and_a_bounded_number_of_statements(app, client_as):
    db, client = app_engine(app), client_as("staff")
    unit = a_home(db)
    with counted(db) as seen:
        answer = post_json(client, edit_request(app.callback_map, unit, BUILDING, status="unverified", note="knocked"))
    assert answer.status_code == 200 and "grid-data" in answer.get_json()["response"]
    assert seen["checkouts"] == 1
    assert len(seen["statements"]) <= SAVE_STATEMENTS, "\n".join(seen["statements"])
    assert a_home(db)["version"] == unit["version"] + 1


def test_the_connection_goes_back_to_the_pool_after_each_request(app, client_as):
    db, client = app_engine(app), client_as("admin")
    before = db.pool.checkedout()
    for _ in range(3):
        assert client.get("/api/areas/1/counts").status_code == 200
    assert db.pool.checkedout() == before


def test_a_write_after_a_read_on_one_connection_starts_from_the_latest_commit(demo_engine):
    unit = a_home(demo_engine)
    with demo_engine.connect() as mine:
        assert queries.unit(mine, unit["id"])["note"] == unit["note"]
        with writing(demo_engine) as colleague:
            colleague.execute(update(Unit).where(Unit.id == unit["id"]).values(note="a colleague's note"))
        with write_transaction(mine):
            assert queries.unit(mine, unit["id"])["note"] == "a colleague's note"
            mine.execute(update(Unit).where(Unit.id == unit["id"]).values(residents=3))
    after = a_home(demo_engine)
    assert (after["note"], after["residents"]) == ("a colleague's note", 3)


def test_a_write_inside_a_write_on_one_connection_is_refused(demo_engine):
    with demo_engine.connect() as conn, write_transaction(conn):
        with pytest.raises(RuntimeError), write_transaction(conn):
            pass


def test_a_read_block_ends_its_transaction_but_not_a_write_around_it(demo_engine):
    with demo_engine.connect() as conn:
        with read_transaction(conn):
            queries.statuses(conn)
        assert not conn.in_transaction()
        with write_transaction(conn):
            with read_transaction(conn):
                queries.statuses(conn)
            assert conn.in_transaction()
