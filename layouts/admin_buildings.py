"""The new-building page: a template in a few fields, and the empty grid it makes, drawn before anything is saved."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import ids
from dashboard.i18n import _, label, ngettext, number
from data.building_plan import DEFAULT_PATTERN
from data.i18n import N_
from data.vocabulary import BUILDING_USES

# The text fields of the template, in form order, with their label, help and starting value.
TEXT_FIELDS = (
    ("name", N_("Name"), None, ""),
    ("address", N_("Address"), None, ""),
    ("entrances", N_("Entrances"), N_("A number (2) or names separated by commas (1单元, 2单元)."), "1"),
    ("lowest", N_("Lowest floor"), N_("B2 for the second basement, 1 for the ground floor."), "1"),
    ("highest", N_("Highest floor"), N_("The number on the top floor's button."), "6"),
    ("skip", N_("Floors to skip"), N_("Floor numbers that do not exist, such as 4, 13, 14."), ""),
    ("units", N_("Units per floor"), N_("In each entrance; 0 where only the floor ranges below give units."), "4"),
    ("pattern", N_("Numbering pattern"), N_("{floor}{n:02d} gives 1201 and B101; {entrance} is the entrance's "
                                            "number."), DEFAULT_PATTERN),
)
RANGES_HELP = N_("One range a line: FROM-TO UNITS [USE] [ENTRANCES], such as \"1-3 6 firm 商业裙楼\" or \"5-33 4 home "
                 "1单元 2单元\". A later line wins where ranges overlap.")
FIELD_NAMES = ("name", "address", "use", "entrances", "lowest", "highest", "skip", "units", "ranges", "pattern")


def page(areas: list[dict]) -> html.Div:
    """The whole page: the form, its message, and the preview's grid host."""
    return html.Div([
        html.H1(_("New building"), className="h3"),
        html.P(_("Describe the building, preview its empty grid, then save it. Every new unit starts as "
                 "unverified."), className="text-muted"),
        form(areas),
        html.Div(id=ids.BUILDING_NEW_MESSAGE, className="mt-3", **{"aria-live": "polite"}),
        preview_box(),
    ])


def form(areas: list[dict]) -> html.Div:
    """The template's fields and the preview and save buttons."""
    return html.Div([
        dbc.Row([
            _field(ids.BUILDING_NEW_AREA, _("Area"), dbc.Select(
                id=ids.BUILDING_NEW_AREA, options=[{"label": a["name"], "value": str(a["id"])} for a in areas],
                placeholder=_("Choose the area the building belongs to")), width=6),
            _field(ids.building_new_field("use"), _("Use"), dbc.Select(
                id=ids.building_new_field("use"), value="residential",
                options=[{"label": label(term), "value": code} for code, term in BUILDING_USES.items()])),
        ], className="g-3"),
        dbc.Row([_text_field(*spec) for spec in TEXT_FIELDS], className="g-3 mt-0"),
        dbc.Row(_field(ids.building_new_field("ranges"), _("Floor ranges (optional)"), dbc.Textarea(
            id=ids.building_new_field("ranges"), rows=4, className="font-monospace"), _(RANGES_HELP), width=12),
            className="g-3 mt-0"),
        html.Div([
            dbc.Button(_("Preview"), id=ids.BUILDING_NEW_PREVIEW, color="secondary", n_clicks=0),
            dbc.Button(_("Save building"), id=ids.BUILDING_NEW_SAVE, color="primary", n_clicks=0),
        ], className="d-flex gap-2 mt-3"),
    ], className="building-new-form")


def _text_field(name: str, text: str, help_text: str | None, value: str) -> dbc.Col:
    """One text input of the template."""
    field_id = ids.building_new_field(name)
    return _field(field_id, _(text), dbc.Input(id=field_id, value=value, type="text", autoComplete="off"),
                  _(help_text) if help_text else None)


def _field(field_id: str, text: str, control, help_text: str | None = None, width: int = 6) -> dbc.Col:
    """A labelled control, with its help under it."""
    return dbc.Col([
        dbc.Label(text, html_for=field_id),
        control,
        dbc.FormText(help_text) if help_text else None,
    ], md=width, lg=width if width == 12 else 3)


def preview_box() -> html.Div:
    """Where grid.js draws the preview (the building page's grid host, without editing)."""
    return html.Div([
        html.H2(_("Preview"), className="h5 mt-3"),
        html.P(id=ids.BUILDING_NEW_GRID_SUMMARY, className="small text-muted mb-1", **{"aria-live": "polite"}),
        html.Div(id=ids.BUILDING_NEW_GRID_HOST, className="grid-host",
                 **{"data-target": ids.BUILDING_NEW_SELECTED, "data-selection": ids.BUILDING_NEW_SELECTION,
                    "data-editable": "false"}),
        dcc.Store(id=ids.BUILDING_NEW_GRID_DATA),
        dcc.Store(id=ids.BUILDING_NEW_SELECTED),
        dcc.Store(id=ids.BUILDING_NEW_SELECTION, data=[]),
    ], id=ids.BUILDING_NEW_GRID_BOX, className="d-none")


def previewed(cells: int, floors: int) -> dbc.Alert:
    """What the preview shows, and that nothing is saved yet."""
    return dbc.Alert(ngettext("Preview: %(num)s unit on %(floors)s floors. Nothing is saved yet.",
                              "Preview: %(num)s units on %(floors)s floors. Nothing is saved yet.", cells,
                              floors=number(floors)),
                     color="info", className="building-new-previewed py-2")


def saved(building_id: int, name: str, cells: int) -> dbc.Alert:
    """The building is saved: a link to its page."""
    return dbc.Alert([
        ngettext("%(name)s is saved with %(num)s unverified unit.", "%(name)s is saved with %(num)s unverified units.",
                 cells, name=name),
        " ",
        dcc.Link(_("Open the building"), href=f"/building/{building_id}", className="alert-link building-new-link"),
        " · ",
        dcc.Link(_("Change its layout"), id=ids.LAYOUT_LINK, href=f"/admin/buildings/{building_id}/layout",
                 className="alert-link"),
    ], color="success", className="building-new-saved py-2")


def refused(text: str) -> dbc.Alert:
    """Why the template cannot be previewed or saved; nothing changed."""
    return dbc.Alert(text, color="danger", className="building-new-refused py-2")
