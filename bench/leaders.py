"""Leaders' questions at scale: area figures from the maintained rollups against a plain GROUP BY over the units, the
90-day trend, a 60 x 40 grid as of a past day, and the whole city page's server work."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, select, text

from bench.common import median_ms
from callbacks.area import area_page
from data import queries, summary
from data.accounts import SYSTEM
from data.changes import ChangeContext, UnitEdit, apply_edits
from data.db import writing
from data.demo import add_tower
from data.models import Unit
from layouts import grid

TOP_AREA = 1
# The question the area figures and the API answer (units, residents and staff by status), asked of the units
# themselves.
PLAIN_GROUP_BY = ("SELECT status, count(*) AS units, sum(residents) AS residents, sum(staff) AS staff "
                  "FROM units GROUP BY status")


def tower_with_history(engine: Engine, area_id: int) -> int:
    """A 60 x 40 tower whose units have a month of history (so that a past day has a grid)."""
    tower = add_tower(engine, area_id, floors=60, width=40, status="unverified")
    with engine.connect() as conn:
        unit_ids = conn.execute(select(Unit.id).where(Unit.building_id == tower)).scalars().all()
    month_ago = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(days=30)
    steps = (({"status": "vacant", "residents": 0}, month_ago), ({"status": "healthy", "residents": 2}, None))
    for values, at in steps:
        with writing(engine) as conn:
            context = ChangeContext(actor=SYSTEM, source="import", **({"at": at} if at else {}))
            apply_edits(conn, [UnitEdit(unit_id, values) for unit_id in unit_ids], context)
    return tower


def leaders_figures(engine: Engine, app, tower: int, runs: int) -> dict:
    """Medians (ms) of the leaders' questions about the whole city, and of a past grid of the tower."""
    today, past = dt.date.today(), dt.date.today() - dt.timedelta(days=10)
    with engine.connect() as conn, app.server.test_request_context():
        statuses, city = queries.statuses(conn), queries.area(conn, TOP_AREA)
        figures = {
            "summary_counts_ms": median_ms(
                lambda: summary.kpis(queries.area_rollups(conn, [TOP_AREA])[TOP_AREA], statuses), runs),
            "summary_groupby_ms": median_ms(lambda: conn.execute(text(PLAIN_GROUP_BY)).all(), runs),
            "trend_90d_ms": median_ms(lambda: _trend(conn, today), runs),
            "as_of_grid_ms": median_ms(lambda: _grid_as_of(conn, tower, statuses, past, today), runs),
            "city_page_ms": median_ms(lambda: area_page(conn, SYSTEM, city), max(3, runs // 2)),
        }
    figures["summary_ratio"] = round(figures["summary_groupby_ms"] / max(figures["summary_counts_ms"], 0.01))
    return figures


def _trend(conn, today: dt.date) -> dict:
    """The city's counts by status on each of the last 90 days."""
    current = summary.by_status(queries.area_rollups(conn, [TOP_AREA])[TOP_AREA])
    start = today - dt.timedelta(days=90)
    days = [start + dt.timedelta(days=n) for n in range(1, 91)]
    return summary.counts_by_day(current, queries.area_daily_deltas(conn, [TOP_AREA], start)[TOP_AREA], days)


def _grid_as_of(conn, tower: int, statuses: list[dict], past: dt.date, today: dt.date) -> dict:
    """The tower's grid payload as it stood on a past day."""
    found = queries.building(conn, tower)
    entrances, floors = queries.building_layout(conn, tower)
    units_then = queries.units_as_of(queries.building_units(conn, tower), queries.statuses_as_of(conn, tower, past))
    assert len(units_then) == 2_400, len(units_then)
    return grid.grid_payload(found, statuses, queries.unit_uses(conn), entrances, floors, units_then, today)
