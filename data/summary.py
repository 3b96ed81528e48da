"""Area summaries from maintained rollups; what counts as a household or a firm comes from the catalogue."""
from __future__ import annotations

import datetime as dt


def household_statuses(statuses: list[dict]) -> set[str]:
    """Statuses that only homes can have: a unit in one is a known household."""
    return {s["code"] for s in statuses if "home" in s["applies_to"] and "firm" not in s["applies_to"]}


def firm_statuses(statuses: list[dict]) -> set[str]:
    """Statuses that only firms can have: a unit in one is a known firm."""
    return {s["code"] for s in statuses if "firm" in s["applies_to"] and "home" not in s["applies_to"]}


def by_status(rows: list[dict], measure: str = "units") -> dict[str, int]:
    """Units (or residents, or staff) by status."""
    totals: dict[str, int] = {}
    for row in rows:
        totals[row["status"]] = totals.get(row["status"], 0) + row[measure]
    return totals


def kpis(rows: list[dict], statuses: list[dict]) -> dict:
    """The leader's headline figures for an area: units, households, firms, residents and staff, residents in dated
    statuses (only household members count there), firm shares."""
    counts, homes, firms = by_status(rows), household_statuses(statuses), firm_statuses(statuses)
    firm_total = sum(counts.get(code, 0) for code in firms)
    return {
        "units": sum(counts.values()),
        "households": sum(counts.get(code, 0) for code in homes),
        "firms": firm_total,
        "residents": {
            s["code"]: sum(r["residents"] for r in rows if r["status"] == s["code"])
            for s in statuses
            if s["requires_dates"]
        },
        "people": {"residents": sum(r["residents"] for r in rows), "staff": sum(r["staff"] for r in rows)},
        "firm_shares": {code: counts.get(code, 0) / firm_total for code in sorted(firms)} if firm_total else {},
        "by_status": counts,
    }


def counts_by_day(current: dict[str, int], deltas: list[dict], days: list[dt.date]) -> dict[dt.date, dict[str, int]]:
    """Counts by status at the end of each local day: today's counts minus every change made after that day."""
    later: dict[str, int] = {}
    by_day: dict[dt.date, dict[str, int]] = {}
    pending = sorted(deltas, key=lambda d: d["day"], reverse=True)
    for day in sorted(days, reverse=True):
        while pending and pending[0]["day"] > day:
            change = pending.pop(0)
            later[change["status"]] = later.get(change["status"], 0) + change["delta"]
        by_day[day] = {status: current.get(status, 0) - later.get(status, 0) for status in set(current) | set(later)}
    return dict(sorted(by_day.items()))
