"""The compact per-building grid payload that assets/grid.js draws (about 20 bytes a cell)."""
from __future__ import annotations

import datetime as dt

from layouts.common import USE_LABELS, ink, safe_colour

USES = tuple(USE_LABELS)


def grid_payload(building: dict, statuses: list[dict], entrances: list[dict], floors: list[dict], units: list[dict],
                 today: dt.date) -> dict:
    """Encode a building's layout and units: rows top floor first, one short array per unit, and the units due a check."""
    levels = sorted({floor["level"] for floor in floors}, reverse=True)
    row_labels = _row_labels(floors, entrances)
    row_of_floor = {floor["id"]: levels.index(floor["level"]) for floor in floors}
    column_of_entrance = {entrance["id"]: i for i, entrance in enumerate(entrances)}
    status_index = {status["code"]: i for i, status in enumerate(statuses)}
    epoch = min((u["status_since"].date() for u in units), default=dt.date.today())
    base_id = min((u["id"] for u in units), default=0)
    cells = [
        [u["id"] - base_id, row_of_floor[u["floor_id"]], column_of_entrance[u["entrance_id"]], u["position"],
         _label_or_zero(u, row_labels[levels[row_of_floor[u["floor_id"]]]]), status_index[u["status"]],
         USES.index(u["use"]), u["residents"] + u["staff"], (u["status_since"].date() - epoch).days, u["version"]]
        for u in units
    ]
    return {
        "building": building["id"], "name": building["name"], "revision": building["revision"],
        "statuses": [_status(s) for s in statuses], "uses": [USE_LABELS[use] for use in USES],
        "rows": [row_labels[level] for level in levels], "entrances": _entrances(entrances, units),
        "epoch": epoch.isoformat(), "base": base_id, "cells": cells,
        "due": [u["id"] - base_id for u in due_units(units, statuses, today)],
        "changed": [],
    }


def as_of(units: list[dict], statuses_then: dict[int, str]) -> list[dict]:
    """The units as they stood at a past date: their status then; units not yet recorded are left out."""
    return [{**unit, "status": statuses_then[unit["id"]], "quarantine_end": None} for unit in units if unit["id"] in statuses_then]


def mark_changed(payload: dict, unit_ids: set[int]) -> dict:
    """The payload with the units that changed in a period marked for highlighting."""
    return {**payload, "changed": sorted(unit_id - payload["base"] for unit_id in unit_ids)}


def due_units(units: list[dict], statuses: list[dict], today: dt.date) -> list[dict]:
    """Units in a dated status (home quarantine) whose end date has passed: someone must confirm what follows."""
    dated = {status["code"] for status in statuses if status["requires_dates"] and status["expires_to"]}
    return [u for u in units if u["status"] in dated and u["quarantine_end"] is not None and u["quarantine_end"] < today]


def _row_labels(floors: list[dict], entrances: list[dict]) -> dict[int, str]:
    """The label of each level, as the first entrance that has it names it."""
    order = {entrance["id"]: entrance["position"] for entrance in entrances}
    labels: dict[int, str] = {}
    for floor in sorted(floors, key=lambda f: order[f["entrance_id"]]):
        labels.setdefault(floor["level"], floor["label"])
    return labels


def _label_or_zero(unit: dict, row_label: str) -> str | int:
    """0 when the label is the usual floor label + two-digit position (1502), else the label itself."""
    return 0 if unit["label"] == f"{row_label}{unit['position'] + 1:02d}" else unit["label"]


def _status(status: dict) -> dict:
    """What the drawing needs of a status."""
    return {"code": status["code"], "label": status["label_en"], "zh": status["label_zh"], "color": safe_colour(status["color"]),
            "ink": ink(status["color"]), "text": status["text_code"], "pattern": status["pattern"]}


def _entrances(entrances: list[dict], units: list[dict]) -> list[dict]:
    """Entrance names with the number of unit columns each needs."""
    widths = {entrance["id"]: 0 for entrance in entrances}
    for unit in units:
        widths[unit["entrance_id"]] = max(widths[unit["entrance_id"]], unit["position"] + 1)
    return [{"name": entrance["name"], "width": widths[entrance["id"]]} for entrance in entrances]
