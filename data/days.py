"""Local days: the days of the configured time zone, over the naive UTC times that the database stores."""
from __future__ import annotations

import datetime as dt
import functools
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Date, cast, func

DEFAULT_TIMEZONE = "Asia/Shanghai"


def local_day(at: dt.datetime, timezone: str) -> dt.date:
    """The local day of a stored (naive UTC) time."""
    return at.replace(tzinfo=dt.UTC).astimezone(ZoneInfo(timezone)).date()


def day_start(day: dt.date, timezone: str, plus_days: int = 0) -> dt.datetime:
    """The stored (naive UTC) time at which a local day, or the day some days later, begins."""
    midnight = dt.datetime.combine(day + dt.timedelta(days=plus_days), dt.time(), ZoneInfo(timezone))
    return midnight.astimezone(dt.UTC).replace(tzinfo=None)


def local_day_sql(conn: Connection, column, timezone: str):
    """SQL for the local day of a stored time column: PostgreSQL converts it itself, SQLite through a function
    registered on the connection."""
    if conn.dialect.name != "sqlite":
        return cast(func.timezone(timezone, func.timezone("UTC", column)), Date)
    conn.connection.driver_connection.create_function("local_day", 2, _sqlite_local_day, deterministic=True)
    return func.local_day(column, timezone, type_=Date)


def _sqlite_local_day(stored: str, timezone: str) -> str:
    """The local day (YYYY-MM-DD) of a time as SQLite stores it."""
    return _minute_day(stored[:16], timezone)


@functools.lru_cache(maxsize=100_000)
def _minute_day(minute: str, timezone: str) -> str:
    """The local day of a UTC minute (zone offsets are whole minutes since 1972): a history has few distinct ones."""
    return local_day(dt.datetime.fromisoformat(minute), timezone).isoformat()
