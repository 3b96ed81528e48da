"""The bulk bar: set one status, with one comment, on every selected unit."""
from __future__ import annotations

import json

import dash_bootstrap_components as dbc
from dash import html

from dashboard import ids
from dashboard.i18n import _, label, text_code


def bulk_bar(statuses: list[dict]) -> html.Div:
    """The bar's controls; its container stays hidden until units are selected on the grid."""
    options = [{"label": f"{text_code(s)} · {label(s)}", "value": s["code"]}
               for s in statuses if not s.get("retired_at")]
    return html.Div(
        [
            html.B(id=ids.BULK_COUNT, className="me-2"),
            html.Label(_("Set status…"), htmlFor=ids.BULK_STATUS, className="visually-hidden"),
            dbc.Select(
                id=ids.BULK_STATUS, options=options, placeholder=_("Set status…"), size="sm", style={"width": "15rem"}
            ),
            dbc.Input(
                id=ids.BULK_COMMENT,
                placeholder=_("Comment for all (e.g. door-knock round 3)"),
                size="sm",
                style={"width": "18rem"},
            ),
            quarantine_dates(statuses),
            clear_occupants(statuses),
            dbc.Button(_("Apply"), id=ids.BULK_APPLY, color="primary", size="sm"),
            dbc.Button(_("Clear selection"), id=ids.BULK_CLEAR, color="secondary", outline=True, size="sm"),
        ],
        className="bulk-bar d-flex flex-wrap align-items-center gap-2 mb-2",
    )


def quarantine_dates(statuses: list[dict]) -> html.Div:
    """The start and end fields, hidden until a status that the catalogue dates is chosen (grid.js showFor)."""
    dated = [s["code"] for s in statuses if s["requires_dates"]]
    return html.Div(
        [
            html.Label(_("Quarantine from"), htmlFor=ids.BULK_START, className="small ms-1"),
            dbc.Input(id=ids.BULK_START, type="date", size="sm", style={"width": "10rem"}),
            html.Label(_("to"), htmlFor=ids.BULK_END, className="small"),
            dbc.Input(id=ids.BULK_END, type="date", size="sm", style={"width": "10rem"}),
        ],
        id=ids.BULK_DATES,
        className="bulk-dates d-flex d-none align-items-center gap-2",
        **{"data-statuses": json.dumps(dated)},
    )


def clear_occupants(statuses: list[dict]) -> html.Div:
    """For an unoccupied status (vacant): also clear the occupant, residents and staff of every selected unit."""
    unoccupied = [s["code"] for s in statuses if s.get("unoccupied")]
    return html.Div(
        dbc.Checkbox(
            id=ids.BULK_CLEAR_OCCUPANTS,
            label=_("Clear occupant, residents and staff"),
            value=False,
            className="small mb-0",
        ),
        id=ids.BULK_UNOCCUPIED,
        className="bulk-unoccupied d-none",
        **{"data-statuses": json.dumps(unoccupied)},
    )
