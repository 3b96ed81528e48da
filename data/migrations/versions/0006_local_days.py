"""Local days: the daily deltas recounted from the history in the local days of TIMEZONE, not in UTC days

Revision ID: 0006
Revises: 0005
"""
import datetime as dt
import functools
import os
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

# The zone the existing history was lived in; a deployment elsewhere sets TIMEZONE, as it does for the app.
DEFAULT_TIMEZONE = "Asia/Shanghai"
# Each change's moves summed per leaf area first, then spread to the ancestors (a LIKE join per change row would test
# every area for each of millions of rows).
RECOUNT = """
    WITH tree AS MATERIALIZED (
        SELECT leaf.id AS leaf_id, ancestor.id AS area_id FROM areas AS leaf
        JOIN areas AS ancestor ON leaf.path LIKE ancestor.path || '%'),
    moves AS MATERIALIZED (
        SELECT buildings.area_id AS leaf_id, changes.day, changes.status, sum(changes.delta) AS delta
        FROM (SELECT building_id, {day} AS day, status_after AS status, 1 AS delta FROM unit_changes
              WHERE status_before IS NULL OR status_before <> status_after
              UNION ALL
              SELECT building_id, {day}, status_before, -1 FROM unit_changes
              WHERE status_before IS NOT NULL AND status_before <> status_after) AS changes
        JOIN buildings ON buildings.id = changes.building_id
        GROUP BY buildings.area_id, changes.day, changes.status)
    INSERT INTO area_daily_deltas (area_id, day, status, delta)
    SELECT tree.area_id, moves.day, moves.status, sum(moves.delta)
    FROM moves JOIN tree ON tree.leaf_id = moves.leaf_id
    GROUP BY tree.area_id, moves.day, moves.status
    HAVING sum(moves.delta) <> 0
"""


def upgrade() -> None:
    """Recount the daily deltas by the local day of each change."""
    timezone = os.environ.get("TIMEZONE") or DEFAULT_TIMEZONE
    ZoneInfo(timezone)  # an unknown zone stops the migration here, before anything is deleted
    _recount(_local_day(timezone), {"timezone": timezone})


def downgrade() -> None:
    """Recount the daily deltas by the UTC day of each change, as before."""
    _recount("date(changed_at)" if op.get_bind().dialect.name == "sqlite" else "CAST(changed_at AS DATE)", {})


def _recount(day: str, params: dict) -> None:
    """Replace the daily deltas with those of the history counted by the day that SQL expression gives."""
    op.execute("DELETE FROM area_daily_deltas")
    op.execute(sa.text(RECOUNT.format(day=day)).bindparams(**params))


def _local_day(timezone: str) -> str:
    """SQL for the local day of changed_at (stored as naive UTC): PostgreSQL converts it itself, SQLite through a
    function registered on the migration's connection."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return "CAST(timezone(:timezone, timezone('UTC', changed_at)) AS DATE)"
    bind.connection.driver_connection.create_function("local_day_0006", 2, _sqlite_local_day, deterministic=True)
    return "local_day_0006(changed_at, :timezone)"


def _sqlite_local_day(stored: str, timezone: str) -> str:
    """The local day (YYYY-MM-DD) of a naive UTC time as SQLite stores it."""
    return _minute_day(stored[:16], timezone)


@functools.lru_cache(maxsize=100_000)
def _minute_day(minute: str, timezone: str) -> str:
    """The local day of a UTC minute (zone offsets are whole minutes since 1972): a history has few distinct ones."""
    at = dt.datetime.fromisoformat(minute).replace(tzinfo=dt.UTC)
    return at.astimezone(ZoneInfo(timezone)).date().isoformat()
