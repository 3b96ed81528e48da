"""Units whose home quarantine has ended: one click confirms the status that follows."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from dashboard import ids
from dashboard.i18n import _, label, number, when
from data.i18n import N_
from layouts.unit_panel import unit_name

TITLE = N_("Quarantine ended — confirm (%(count)s)")
ITEM = N_("%(unit)s · ended %(day)s")
CONFIRM = N_("Confirm: %(status)s")


def due_list(units: list[dict], statuses: dict[str, dict], can_confirm: bool) -> html.Div:
    """The list (units with their entrance name), or nothing when no unit is due."""
    if not units:
        return html.Div()
    return dbc.Alert([
        html.B(_(TITLE, count=number(len(units)))),
        html.Ul([_item(unit, statuses, can_confirm) for unit in units], className="mb-0 small"),
    ], color="warning", className="py-2")


def _item(unit: dict, statuses: dict[str, dict], can_confirm: bool) -> html.Li:
    """One unit: entrance and label, end date, and the confirm button for editors."""
    follows = statuses[statuses[unit["status"]]["expires_to"]]
    button = dbc.Button(_(CONFIRM, status=label(follows)), id=ids.confirm_button(unit["id"], unit["version"]),
                        size="sm", color="link", className="p-0 ms-2") if can_confirm else None
    return html.Li(
        [_(ITEM, unit=unit_name(unit), day=when(unit["quarantine_end"])), button], **{"data-unit": unit["id"]}
    )
