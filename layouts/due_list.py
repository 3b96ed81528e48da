"""Units whose home quarantine has ended: one click confirms the status that follows."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from dashboard import ids
from layouts.common import when


def due_list(units: list[dict], statuses: dict[str, dict], can_confirm: bool) -> html.Div:
    """The list, or nothing when no unit is due."""
    if not units:
        return html.Div()
    return dbc.Alert([
        html.B(f"Quarantine ended — confirm ({len(units)})"),
        html.Ul([_item(unit, statuses, can_confirm) for unit in units], className="mb-0 small"),
    ], color="warning", className="py-2")


def _item(unit: dict, statuses: dict[str, dict], can_confirm: bool) -> html.Li:
    """One unit: label, end date, and the confirm button for editors."""
    follows = statuses[statuses[unit["status"]]["expires_to"]]
    button = dbc.Button(f"Confirm: {follows['label_en']}", id=ids.confirm_button(unit["id"], unit["version"]),
                        size="sm", color="link", className="p-0 ms-2") if can_confirm else None
    return html.Li([f"{unit['label']} · ended {when(unit['quarantine_end'])}", button])
