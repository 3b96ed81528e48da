"""An area's exceptions: where to send people first."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.i18n import _, local, ngettext, number, when
from layouts.area import counted


def exceptions(found: dict, waited_days: int, limit: int) -> dbc.Row:
    """Four short lists: long-unverified units, quarantines ending soon, busiest buildings, mixed-use in quarantine."""
    return dbc.Row(
        [
            _card(
                ngettext("Unverified for more than %(num)s day", "Unverified for more than %(num)s days", waited_days),
                found["unverified"],
                limit,
                lambda u: _("since %(day)s", day=when(local(u["status_since"]).date())),
            ),
            _card(
                _("Home quarantine ending today or tomorrow"),
                found["ending"],
                limit,
                lambda u: _("ends %(day)s", day=when(u["quarantine_end"])),
            ),
            dbc.Col(
                dbc.Card(
                    dbc.CardBody(
                        [
                            html.H3(_("Most units in home quarantine"), className="h6"),
                            html.Ol(
                                [
                                    html.Li([dcc.Link(b["name"], href=f"/building/{b['id']}"),
                                             f" · {number(b['units'])}"])
                                    for b in found["buildings"]
                                ],
                                className="small mb-0",
                            )
                            if found["buildings"]
                            else html.P(_("None."), className="small text-muted mb-0"),
                        ]
                    )
                ),
                md=6,
                xl=3,
                className="mb-2",
            ),
            _card(
                _("Firm-and-home units in home quarantine"),
                found["mixed"],
                limit,
                lambda u: _("ends %(day)s", day=when(u["quarantine_end"])),
            ),
        ],
        className="g-2 exceptions",
    )


def _card(title: str, units: list[dict], limit: int, detail) -> dbc.Col:
    """A card listing units, each linking to its grid with the unit open."""
    items = [
        html.Li(
            [
                dcc.Link(f"{u['building_name']} {u['label']}", href=f"/building/{u['building_id']}?unit={u['id']}"),
                f" · {detail(u)}",
            ]
        )
        for u in units
    ]
    body = [
        html.H3(counted(title, len(units), limit), className="h6"),
        html.Ul(items, className="small mb-0 exception-list")
        if items
        else html.P(_("None."), className="small text-muted mb-0"),
    ]
    return dbc.Col(dbc.Card(dbc.CardBody(body)), md=6, xl=3, className="mb-2")
