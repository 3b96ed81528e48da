"""Engine creation and schema upgrades for SQLite and PostgreSQL."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, make_url, text

MIGRATIONS = Path(__file__).parent / "migrations"
# An arbitrary constant naming this application's migration lock among PostgreSQL advisory locks.
MIGRATION_LOCK = 0x4C505401
SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=10000",
    "PRAGMA synchronous=NORMAL",
)


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite files get WAL, foreign keys and a busy timeout."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    event.listen(engine, "connect", _configure_sqlite)
    event.listen(engine, "begin", _begin_sqlite)
    return engine


def _configure_sqlite(dbapi_connection, _record) -> None:
    """Apply the pragmas and let SQLAlchemy, not pysqlite, open transactions."""
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(pragma)
    cursor.close()


def _begin_sqlite(connection) -> None:
    """Open transactions explicitly; writers take the write lock at once, so that the busy timeout applies."""
    connection.exec_driver_sql("BEGIN IMMEDIATE" if connection.get_execution_options().get("writing") else "BEGIN")


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """A write transaction on a connection of its own (on SQLite BEGIN IMMEDIATE)."""
    with engine.connect() as conn, write_transaction(conn):
        yield conn


@contextmanager
def write_transaction(conn: Connection) -> Iterator[Connection]:
    """A write transaction on a connection that may have read already: the read transaction ends first, so that the
    write starts from the latest commit (on SQLite a deferred transaction that read first fails instead of waiting
    for the lock, and on any database an old snapshot would merge against stale rows); committed at the end."""
    if conn.get_execution_options().get("writing"):
        raise RuntimeError("a write transaction is already open on this connection")
    if conn.in_transaction():
        conn.rollback()
    conn.execution_options(writing=True)
    try:
        with conn.begin():
            yield conn
    finally:
        conn.execution_options(writing=False)


@contextmanager
def read_transaction(conn: Connection) -> Iterator[Connection]:
    """Reads as one transaction, ended with the block so that no snapshot outlives it; inside a write, part of it."""
    started = not conn.in_transaction()
    try:
        yield conn
    finally:
        if started and conn.in_transaction():
            conn.rollback()


def alembic_config(engine: Engine) -> Config:
    """An Alembic configuration bound to this engine."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine) -> None:
    """Bring the database to the latest migration (one process at a time: see migrations/env.py)."""
    command.upgrade(alembic_config(engine), "head")


def lock_for_migrations(conn: Connection) -> None:
    """Make processes that migrate at once take turns: the write transaction itself on SQLite, a transaction-scoped
    advisory lock on PostgreSQL (released at commit, so nothing can hold it after a crash)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
