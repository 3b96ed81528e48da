"""The compact per-building grid payload that assets/grid.js draws (under 20 bytes a cell: README, Speed)."""
from __future__ import annotations

import datetime as dt

from dashboard.i18n import _, label, ngettext, number, text_code
from data.colours import ink, safe_colour
from data.quarantine import ended_units
from data.vocabulary import MIXED_USE

# The fields of a cell: the keys of the payload's "cells", each a list with one value per unit (in unit id order), read
# by these names in assets/grid.js. "unit" is the difference from the previous unit's id (the first unit's from
# "base"), "floor" an index into "floors" (each a [row, entrance column] pair), "days" the days from "epoch" to the
# start of the status; a label other than the floor's label and the two-digit position is in "labels" by cell index.
CELL_FIELDS = ("unit", "floor", "position", "status", "use", "people", "days", "version")


def grid_payload(building: dict, statuses: list[dict], uses: list[dict], entrances: list[dict], floors: list[dict],
                 units: list[dict], today: dt.date) -> dict:
    """Encode a building's layout and units: rows top floor first, a list per cell field, and the units due a check."""
    levels = sorted({floor["level"] for floor in floors}, reverse=True)
    row_labels = _row_labels(floors, entrances)
    column_of_entrance = {entrance["id"]: i for i, entrance in enumerate(entrances)}
    epoch = min((u["status_since"] for u in units), default=dt.datetime.now()).date()
    base_id = min((u["id"] for u in units), default=0)
    return {
        "building": building["id"],
        "name": building["name"],
        "revision": building["revision"],
        "statuses": [_status(s) for s in statuses],
        "uses": [_use(use) for use in uses],
        "rows": [row_labels[level] for level in levels],
        "entrances": _entrances(entrances, units),
        "floors": [[levels.index(floor["level"]), column_of_entrance[floor["entrance_id"]]] for floor in floors],
        "epoch": epoch.isoformat(),
        "base": base_id,
        "count": len(units),
        "cells": _cells(units, floors, statuses, uses, epoch, base_id),
        "labels": _unusual_labels(units, floors, row_labels),
        "due": [u["id"] - base_id for u in ended_units(units, statuses, today)],
        "changed": [],
        "words": grid_words(building["name"], len(units), len(levels)),
    }


def grid_words(name: str, units: int, floors: int) -> dict[str, str]:
    """The text grid.js writes, in the reader's language; %(name)s placeholders are filled in the browser."""
    return {
        "summary": ngettext(
            "%(count)s unit on %(floors)s floors · Tab into the grid, arrow keys to move, Enter to open",
            "%(count)s units on %(floors)s floors · Tab into the grid, arrow keys to move, Enter to open",
            units, count=number(units), floors=number(floors)),
        "grid": _("%(building)s: units by floor and entrance", building=name),
        "floor": _("Floor"),
        "pick_entrance": _("Select this entrance"),
        "pick_floor": _("Select this floor"),
        "cell": _("%(unit)s · %(use)s · people: %(people)s · %(status)s · since %(since)s"),
        "cell_name": _("%(unit)s %(code)s, %(entrance)s, %(status)s, %(use)s"),
        "due": _("quarantine ended — confirm"),
        "changed": _("changed in the period"),
        "selected": _("Units selected: %(count)s"),
    }


def _cells(units: list[dict], floors: list[dict], statuses: list[dict], uses: list[dict], epoch: dt.date,
           base_id: int) -> dict:
    """One list per cell field (CELL_FIELDS), one value per unit."""
    floor_index = {floor["id"]: i for i, floor in enumerate(floors)}
    status_index = {status["code"]: i for i, status in enumerate(statuses)}
    use_index = {use["code"]: i for i, use in enumerate(uses)}
    previous, start = [base_id, *(u["id"] for u in units)][:len(units)], dt.datetime.combine(epoch, dt.time())
    return {
        "unit": [u["id"] - before for u, before in zip(units, previous, strict=True)],
        "floor": [floor_index[u["floor_id"]] for u in units],
        "position": [u["position"] for u in units],
        "status": [status_index[u["status"]] for u in units],
        "use": [use_index[u["use"]] for u in units],
        "people": [u["residents"] + u["staff"] for u in units],
        "days": [(u["status_since"] - start).days for u in units],
        "version": [u["version"] for u in units],
    }


def _unusual_labels(units: list[dict], floors: list[dict], row_labels: dict[int, str]) -> dict[str, str]:
    """The labels that are not the usual floor label + two-digit position (1502), by cell index."""
    level_of_floor = {floor["id"]: floor["level"] for floor in floors}
    usual = (f"{row_labels[level_of_floor[u['floor_id']]]}{u['position'] + 1:02d}" for u in units)
    return {str(i): u["label"] for i, (u, label) in enumerate(zip(units, usual, strict=True)) if u["label"] != label}


def mark_changed(payload: dict, unit_ids: set[int]) -> dict:
    """The payload with the units that changed in a period marked for highlighting."""
    return {**payload, "changed": sorted(unit_id - payload["base"] for unit_id in unit_ids)}


def _row_labels(floors: list[dict], entrances: list[dict]) -> dict[int, str]:
    """The label of each level, as the first entrance that has it names it."""
    order = {entrance["id"]: entrance["position"] for entrance in entrances}
    labels: dict[int, str] = {}
    for floor in sorted(floors, key=lambda f: order[f["entrance_id"]]):
        labels.setdefault(floor["level"], floor["label"])
    return labels


def _use(use: dict) -> dict:
    """What the drawing needs of a unit use: its label, and whether it is both firm and home."""
    return {"label": label(use), "mixed": use["code"] == MIXED_USE}


def _status(status: dict) -> dict:
    """What the drawing needs of a status."""
    return {"code": status["code"], "label": label(status),
            "color": safe_colour(status["color"]),
            "ink": ink(status["color"]), "text": text_code(status), "pattern": status["pattern"]}


def _entrances(entrances: list[dict], units: list[dict]) -> list[dict]:
    """Entrance names with the number of unit columns each needs."""
    widths = {entrance["id"]: 0 for entrance in entrances}
    for unit in units:
        widths[unit["entrance_id"]] = max(widths[unit["entrance_id"]], unit["position"] + 1)
    return [{"name": entrance["name"], "width": widths[entrance["id"]]} for entrance in entrances]
