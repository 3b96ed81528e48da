"""Bulk loading: COPY on PostgreSQL, executemany on SQLite."""
from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, Table

SQLITE_BATCH = 50_000


def load_rows(conn: Connection, table: Table, columns: Sequence[str], rows: Iterable[tuple]) -> None:
    """Insert many rows of plain values into a table, as fast as the database allows."""
    if conn.dialect.name == "postgresql":
        _copy(conn, table.name, columns, rows)
    else:
        _executemany(conn, table.name, columns, rows)


def _copy(conn: Connection, name: str, columns: Sequence[str], rows: Iterable[tuple]) -> None:
    """PostgreSQL COPY FROM STDIN through the connection's psycopg driver."""
    cursor = conn.connection.driver_connection.cursor()
    with cursor.copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _executemany(conn: Connection, name: str, columns: Sequence[str], rows: Iterable[tuple]) -> None:
    """SQLite executemany in batches, so that memory stays flat."""
    sql = f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == SQLITE_BATCH:
            conn.exec_driver_sql(sql, batch)
            batch = []
    if batch:
        conn.exec_driver_sql(sql, batch)


def reset_sequences(conn: Connection, tables: Iterable[Table]) -> None:
    """After loading explicit ids on PostgreSQL, move each id sequence past the largest id."""
    if conn.dialect.name != "postgresql":
        return
    for table in tables:
        conn.exec_driver_sql(
            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), COALESCE(MAX(id), 0) + 1, false) "
            f"FROM {table.name}"
        )
