"""The PDF booklet at scale (for `python -m bench`): seconds to make a 33-building sub-district's booklet."""
from __future__ import annotations

import time

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from dashboard.print_pages import booklet_for
from data.accounts import SYSTEM
from data.models import Area, Building

DEMO_BUILDINGS = 33


def booklet_figures(app, engine) -> dict:
    """Seconds to read a sub-district of the demo and write its booklet in Chinese, from the queries to the bytes."""
    with engine.connect() as conn:
        area_id = booklet_area(conn)
    started = time.perf_counter()
    booklet_for(app.server, SYSTEM, area_id, "zh_CN")
    return {"booklet_33_s": round(time.perf_counter() - started, 1)}


def booklet_area(conn) -> int:
    """The first sub-district with the demo's 33 buildings (the benchmarks add a tower to the first one), else the
    first sub-district."""
    home = aliased(Area)
    counts = conn.execute(
        select(Area.id, func.count(Building.id))
        .join(home, home.path.startswith(Area.path)).join(Building, Building.area_id == home.id)
        .where(Area.kind == "subdistrict").group_by(Area.id).order_by(Area.id)
    ).all()
    return next((area for area, buildings in counts if buildings == DEMO_BUILDINGS), counts[0][0])
