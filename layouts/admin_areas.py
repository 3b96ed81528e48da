"""The administrators' page of the area tree: add an area, rename, move or retire one, and the tree in use."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import ids
from dashboard.i18n import _, label
from data.i18n import N_
from data.vocabulary import AREA_KINDS

TITLE = N_("Areas of the tree")
EXPLANATION = N_("Add, rename, move and retire the areas that buildings and users belong to. An area with buildings "
                 "or users is retired, never deleted: it leaves every list but its history stays.")
HEADINGS = (N_("Area"), N_("Kind"), N_("Number"))
CHOOSE = N_("Choose an area…")
CONFIRM_RETIRE = N_("Retire the chosen area? It leaves every list; its history stays.")
INDENT_REM = 1.25
NBSP = "\u00a0"


def page(areas: list[dict]) -> html.Div:
    """The forms, the message line and the table of areas in use."""
    return html.Div([
        html.H1(_(TITLE), className="h3"),
        html.P(_(EXPLANATION), className="text-muted"),
        html.Div(id=ids.ADMIN_AREAS_MESSAGE, role="status", **{"aria-live": "polite"}),
        dbc.Row([dbc.Col(add_form(areas), lg=5), dbc.Col(change_form(areas), lg=7)], className="g-3 mb-3"),
        html.Div(table(areas), id=ids.ADMIN_AREAS_TABLE),
    ], className="admin-areas")


def add_form(areas: list[dict]) -> dbc.Card:
    """Name, parent and kind of a new area."""
    return _card(_("Add an area"), [
        _field(_("Name"), dbc.Input(id=ids.ADMIN_AREA_NEW_NAME, maxLength=200, size="sm")),
        _field(_("Under"), _area_select(ids.ADMIN_AREA_NEW_PARENT, areas)),
        _field(_("Kind"), dbc.Select(id=ids.ADMIN_AREA_NEW_KIND, options=kind_options(), size="sm",
                                     placeholder=_("The kind below its parent's"))),
        dbc.Button(_("Add"), id=ids.ADMIN_AREA_ADD, color="primary", size="sm"),
    ])


def change_form(areas: list[dict]) -> dbc.Card:
    """One area chosen, then a new name, a new parent, or retirement."""
    return _card(_("Change an area"), [
        _field(_("Area"), _area_select(ids.ADMIN_AREA_PICK, areas)),
        html.Div([
            _field(_("New name"), dbc.Input(id=ids.ADMIN_AREA_NAME, maxLength=200, size="sm")),
            dbc.Button(_("Rename"), id=ids.ADMIN_AREA_RENAME, color="primary", outline=True, size="sm"),
        ], className="d-flex align-items-end gap-2"),
        html.Div([
            _field(_("Move under"), _area_select(ids.ADMIN_AREA_PARENT, areas)),
            dbc.Button(_("Move"), id=ids.ADMIN_AREA_MOVE, color="primary", outline=True, size="sm"),
        ], className="d-flex align-items-end gap-2"),
        dcc.ConfirmDialogProvider(
            dbc.Button(_("Retire this area"), color="danger", outline=True, size="sm", className="w-100"),
            id=ids.ADMIN_AREA_RETIRE, message=_(CONFIRM_RETIRE)),
    ])


def options(areas: list[dict]) -> list[dict]:
    """The areas in use as choices, each indented under its parent and followed by its kind."""
    return [{"label": NBSP * 2 * area["depth"] + _("%(area)s (%(kind)s)", area=area["name"], kind=kind_of(area)),
             "value": str(area["id"])} for area in areas]


def kind_of(area: dict) -> str:
    """An area's kind in the reader's language."""
    return label(AREA_KINDS.get(area["kind"], area["kind"]))


def kind_options() -> list[dict]:
    """Every kind of area as a choice."""
    return [{"label": label(kind), "value": code} for code, kind in AREA_KINDS.items()]


def table(areas: list[dict]) -> dbc.Table:
    """The tree in use: each area indented by its depth, with its kind and the number the command line takes."""
    rows = [html.Tr([
        html.Td(area["name"], style={"paddingLeft": f"{INDENT_REM * area['depth'] + 0.25}rem"}),
        html.Td(kind_of(area)),
        html.Td(area["id"]),
    ], className="admin-area-row", **{"data-area": area["id"], "data-depth": area["depth"]}) for area in areas]
    return dbc.Table([html.Thead(html.Tr([html.Th(_(heading)) for heading in HEADINGS])), html.Tbody(rows)],
                     size="sm", striped=True, className="admin-areas-table")


def message(text: str, ok: bool) -> html.Div:
    """What an action did, or why it did nothing (data-ok says which)."""
    return html.Div(text, className=f"alert alert-{'success' if ok else 'danger'} admin-areas-outcome py-2",
                    **{"data-ok": "true" if ok else "false"})


def _area_select(component_id: str, areas: list[dict]) -> dbc.Select:
    """A choice among the areas in use."""
    return dbc.Select(id=component_id, options=options(areas), size="sm", placeholder=_(CHOOSE))


def _card(heading: str, body: list) -> dbc.Card:
    """A titled card holding one form."""
    return dbc.Card(dbc.CardBody([html.H2(heading, className="h5"), *body], className="d-grid gap-2"))


def _field(text: str, control) -> html.Div:
    """A control with its visible label."""
    return html.Div([dbc.Label(text, html_for=control.id, className="small mb-0"), control], className="flex-grow-1")
