"""The wall chart (楼盘图) at scale (for `python -m bench`): seconds to write a 60 x 40 tower's chart as .xlsx."""
from __future__ import annotations

import statistics
import time

from sqlalchemy import Engine

from data.accounts import SYSTEM
from data.wall_chart import chart_xlsx

TIMEZONE = "Asia/Shanghai"


def chart_figures(engine: Engine, tower: int, runs: int) -> dict:
    """Median seconds to read the tower and write its chart in Chinese, from the queries to the file's bytes."""
    times = []
    with engine.connect() as conn:
        for _ in range(runs):
            started = time.perf_counter()
            chart_xlsx(conn, SYSTEM, tower, "zh_CN", TIMEZONE)
            times.append(time.perf_counter() - started)
    return {"chart_60x40_s": round(statistics.median(times), 2)}
