"""The building layout page: the building's grid and one small form per structural change (rename, merge and split
units, add and remove a floor, move the building to another area)."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import ids
from dashboard.i18n import _, label
from data.building_plan import DEFAULT_PATTERN
from data.i18n import N_

# Each action's fields in form order: (name, label, kind); a kind names the choices of a select, "text" an input.
FIELDS = {
    "rename": (("unit", N_("Unit"), "units"), ("label", N_("New label"), "text")),
    "merge": (("keep", N_("Unit kept"), "units"), ("other", N_("Neighbour merged into it"), "units"),
              ("label", N_("New label (optional)"), "text")),
    "split": (("unit", N_("Unit"), "units"), ("labels", N_("Labels, separated by commas"), "text")),
    "add-floor": (("entrance", N_("Entrance"), "entrances"), ("level", N_("Level"), "text"),
                  ("label", N_("Floor label"), "text"), ("units", N_("Units"), "text"), ("use", N_("Use"), "uses"),
                  ("pattern", N_("Numbering pattern"), "text")),
    "remove-floor": (("floor", N_("Floor"), "floors"),),
    "move": (("area", N_("Area"), "areas"),),
}
TITLES = {"rename": N_("Rename a unit"), "merge": N_("Merge two neighbouring units"), "split": N_("Split a unit"),
          "add-floor": N_("Add a floor"), "remove-floor": N_("Remove a floor"), "move": N_("Move the building")}
BUTTONS = {"rename": N_("Rename"), "merge": N_("Merge"), "split": N_("Split"), "add-floor": N_("Add floor"),
           "remove-floor": N_("Remove floor"), "move": N_("Move building")}
STARTING = {("add-floor", "pattern"): DEFAULT_PATTERN, ("add-floor", "units"): "4"}
# The selects whose choices change when the building's structure does, redrawn after every action.
REDRAWN = (("rename", "unit"), ("merge", "keep"), ("merge", "other"), ("split", "unit"), ("remove-floor", "floor"))


def page(building: dict, choices: dict, payload: dict) -> html.Div:
    """The whole page: heading, message, the grid host and the forms."""
    return html.Div([
        html.H1(_("Layout of %(name)s", name=building["name"]), className="h3"),
        html.P([_("Changes here are recorded with who made them and when. A unit with history is retired, never "
                  "deleted."), " ", dcc.Link(_("Back to the building"), href=f"/building/{building['id']}")],
               className="text-muted"),
        html.Div(id=ids.LAYOUT_MESSAGE, **{"aria-live": "polite"}),
        grid_box(payload),
        dbc.Row([dbc.Col(action_form(action, choices, building), md=6, xl=4) for action in ids.LAYOUT_ACTIONS],
                className="g-2 mt-2"),
        dcc.Store(id=ids.LAYOUT_BUILDING, data=building["id"]),
    ])


def grid_box(payload: dict) -> html.Div:
    """Where grid.js draws the building's grid (the building page's grid host, without editing)."""
    return html.Div([
        html.P(id=ids.LAYOUT_GRID_SUMMARY, className="small text-muted mb-1", **{"aria-live": "polite"}),
        html.Div(id=ids.LAYOUT_GRID_HOST, className="grid-host",
                 **{"data-target": ids.LAYOUT_SELECTED, "data-selection": ids.LAYOUT_SELECTION,
                    "data-editable": "false"}),
        dcc.Store(id=ids.LAYOUT_GRID_DATA, data=payload),
        dcc.Store(id=ids.LAYOUT_SELECTED),
        dcc.Store(id=ids.LAYOUT_SELECTION, data=[]),
    ])


def action_form(action: str, choices: dict, building: dict) -> html.Section:
    """One action's small form: its fields in a row and its button."""
    return html.Section([
        html.H2(_(TITLES[action]), className="h6"),
        dbc.Row([_field(action, name, text, kind, choices, building) for name, text, kind in FIELDS[action]],
                className="g-2 align-items-end"),
        dbc.Button(_(BUTTONS[action]), id=ids.layout_button(action), color="primary", size="sm", n_clicks=0,
                   className="mt-2"),
    ], className="layout-form border rounded p-2 h-100")


def _field(action: str, name: str, text: str, kind: str, choices: dict, building: dict) -> dbc.Col:
    """A labelled select or text input of a form."""
    field_id = ids.layout_field(action, name)
    if kind == "text":
        control = dbc.Input(id=field_id, type="text", size="sm", autoComplete="off",
                            value=STARTING.get((action, name), ""))
    else:
        value = str(building["area_id"]) if kind == "areas" else None
        control = dbc.Select(id=field_id, size="sm", options=choices[kind], value=value, placeholder=_("Choose…"))
    return dbc.Col([dbc.Label(_(text), html_for=field_id, className="small mb-0"), control], sm=6)


def choices(entrances: list[dict], floors: list[dict], units: list[dict], uses: list[dict],
            areas: list[dict]) -> dict[str, list[dict]]:
    """The options of every select: units and floors named with their entrance and floor, uses, areas."""
    entrance_names = {entrance["id"]: entrance["name"] for entrance in entrances}
    floor_labels = {floor["id"]: floor["label"] for floor in floors}
    levels = {floor["id"]: floor["level"] for floor in floors}
    order = {entrance["id"]: place for place, entrance in enumerate(entrances)}
    ordered = sorted(units, key=lambda u: (order[u["entrance_id"]], -levels.get(u["floor_id"], 0), u["position"]))
    tops_first = sorted(floors, key=lambda f: (order[f["entrance_id"]], -f["level"]))
    return {
        "units": [_option(f"{entrance_names[u['entrance_id']]} · {floor_labels.get(u['floor_id'], '?')} · "
                          f"{u['label']}", u["id"]) for u in ordered],
        "floors": [_option(f"{entrance_names[f['entrance_id']]} · {f['label']}", f["id"]) for f in tops_first],
        "entrances": [_option(e["name"], e["id"]) for e in entrances],
        "uses": [{"label": label(use), "value": use["code"]} for use in uses],
        "areas": [_option(area["name"], area["id"]) for area in areas],
    }


def _option(text: str, value: int) -> dict:
    """A select option whose value is an id as text."""
    return {"label": text, "value": str(value)}


def done() -> dbc.Alert:
    """The change is saved."""
    return dbc.Alert(_("Done: the change is saved and recorded."), color="success", className="layout-done py-2")


def refused(text: str) -> dbc.Alert:
    """Why the change cannot be made; nothing changed."""
    return dbc.Alert(text, color="danger", className="layout-refused py-2")
