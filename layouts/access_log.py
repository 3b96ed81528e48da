"""The access log: each view of unmasked personal data."""
import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.common import when


def page(rows: list[dict]) -> html.Div:
    """A table of views, newest first."""
    body = [html.Tr([html.Td(when(row["viewed_at"])), html.Td(row["username"]),
                     html.Td(dcc.Link(row["label"], href=f"/building/{row['building_id']}?unit={row['unit_id']}"))])
            for row in rows]
    return html.Div([
        html.H1("Access log", className="h3"),
        html.P("Every view of a unit's unmasked occupant name and phone number (times in UTC).", className="text-muted"),
        dbc.Table([html.Thead(html.Tr([html.Th("When"), html.Th("User"), html.Th("Unit")])), html.Tbody(body)],
                  size="sm", striped=True) if rows else dbc.Alert("Nobody has viewed personal data yet.", color="secondary"),
    ])
