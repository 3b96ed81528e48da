"""The access log: each view of unmasked personal data."""
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.i18n import _, when
from data.i18n import N_
from layouts.unit_panel import unit_name

TITLE = N_("Access log")
EXPLANATION = N_("Every view of a unit's unmasked occupant name and phone number.")
HEADINGS = (N_("When"), N_("User"), N_("Building"), N_("Unit"))
NOBODY = N_("Nobody has viewed personal data yet.")


def page(rows: list[dict]) -> html.Div:
    """A table of views, newest first; each unit named with its building and entrance, and linked to its grid."""
    body = [html.Tr([html.Td(when(row["viewed_at"])), html.Td(row["username"]), html.Td(row["building_name"]),
                     html.Td(dcc.Link(unit_name(row), href=f"/building/{row['building_id']}?unit={row['unit_id']}"))])
            for row in rows]
    return html.Div([
        html.H1(_(TITLE), className="h3"),
        html.P(_(EXPLANATION), className="text-muted"),
        dbc.Table([html.Thead(html.Tr([html.Th(_(heading)) for heading in HEADINGS])), html.Tbody(body)],
                  size="sm", striped=True, className="access-log") if rows else dbc.Alert(_(NOBODY), color="secondary"),
    ])
