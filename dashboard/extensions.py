"""The app's engine, and each request's one database connection (opened on first use, closed when the request ends)."""
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, current_app, g
from sqlalchemy import Connection, Engine

from data.db import read_transaction, write_transaction

ENGINE_KEY = "units_engine"


def attach_engine(server: Flask, engine: Engine) -> None:
    """Make the engine reachable through the Flask app, and give its connection back after each request."""
    server.extensions[ENGINE_KEY] = engine
    server.teardown_appcontext(close_connection)


def engine() -> Engine:
    """The engine of the app serving the current request."""
    return current_app.extensions[ENGINE_KEY]


def connection() -> Connection:
    """The current request's connection, checked out of the pool on first use."""
    if "db" not in g:
        g.db = engine().connect()
    return g.db


@contextmanager
def reading() -> Iterator[Connection]:
    """Reads on the request's connection, in one transaction that ends with the block (part of a write inside one)."""
    with read_transaction(connection()) as conn:
        yield conn


@contextmanager
def writing() -> Iterator[Connection]:
    """A write transaction on the request's connection (on SQLite BEGIN IMMEDIATE), committed with the block."""
    with write_transaction(connection()) as conn:
        yield conn


def close_connection(_error: BaseException | None = None) -> None:
    """Give the request's connection back to the pool (rolling back whatever it left open)."""
    conn = g.pop("db", None)
    if conn is not None:
        conn.close()
