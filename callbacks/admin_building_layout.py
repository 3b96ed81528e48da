"""Building layout page glue: run one structural command from its form, then redraw the grid and the selects
(administrators only)."""
from __future__ import annotations

import re
import uuid

from dash import Dash, Input, Output, State, ctx, no_update
from flask import current_app

from callbacks.building import register_grid_drawing
from callbacks.parse import positive_int
from dashboard import ids
from dashboard.auth import current_account
from dashboard.config import local_today
from dashboard.extensions import reading, writing
from dashboard.i18n import _, translated
from data import queries
from data.access import authorize
from data.buildings import area_choices
from data.changes import ChangeContext
from data.i18n import N_, Text
from data.restructure import add_floor, merge_units, move_building, remove_floor, rename_unit, split_unit
from data.structure import StructureRefused
from layouts import admin_building_layout as layout
from layouts import grid
from layouts.common import message_page, not_allowed

WHOLE = re.compile(r"-?\d{1,6}")
NOT_CHOSEN = N_("Choose one of this building's units, floors or entrances first.")


def page(building_id=None, **_query):
    """The layout page of a building, for administrators."""
    if not authorize(current_account(), "admin"):
        return not_allowed()
    with reading() as conn:
        building = queries.building(conn, positive_int(building_id) or 0)
        if building is None:
            return message_page(_("Building not found"),
                                _("There is no building %(number)s that you may see.", number=building_id))
        return layout.page(building, *drawn(conn, building))


def drawn(conn, building: dict) -> tuple[dict, dict]:
    """The choices of every select and the grid payload of a building as it is now."""
    entrances, floors = queries.building_layout(conn, building["id"])
    units, uses = queries.building_units(conn, building["id"]), queries.unit_uses(conn)
    payload = grid.grid_payload(building, queries.statuses(conn), uses, entrances, floors, units,
                                local_today(current_app.config))
    return layout.choices(entrances, floors, units, uses, area_choices(conn)), payload


def act(*values):
    """Run the command of the pressed form in one transaction; when done, redraw the grid and the selects, else say
    why not. A non-administrator's request changes nothing."""
    action = next(a for a in ids.LAYOUT_ACTIONS if ctx.triggered_id == ids.layout_button(a))
    building_id, fields = positive_int(values[len(ids.LAYOUT_ACTIONS)]), iter(values[len(ids.LAYOUT_ACTIONS) + 1:])
    forms = {a: {name: next(fields) for name, _text, _kind in layout.FIELDS[a]} for a in ids.LAYOUT_ACTIONS}
    account, unchanged = current_account(), [no_update] * (1 + 2 * len(layout.REDRAWN))
    if not authorize(account, "admin"):
        return layout.refused(_("Your account may not see this page.")), *unchanged
    change = ChangeContext(actor=account, request_id=str(uuid.uuid4()), timezone=current_app.config["TIMEZONE"])
    try:
        with writing() as conn:
            COMMANDS[action](conn, change, _building(conn, building_id), forms[action])
    except StructureRefused as refusal:
        # Nothing changed: the grid and the choices made in the forms stay as they are.
        return layout.refused(translated(refusal.message)), *unchanged
    return layout.done(), *_redrawn(building_id)


def _redrawn(building_id: int) -> list:
    """The grid payload, then the options and an empty value of each redrawn select."""
    with reading() as conn:
        options, payload = drawn(conn, queries.building(conn, building_id))
    kinds = {(a, name): kind for a in layout.FIELDS for name, _text, kind in layout.FIELDS[a]}
    return [payload] + [part for key in layout.REDRAWN for part in (options[kinds[key]], None)]


def _building(conn, building_id: int | None) -> dict:
    """The building the page is about, with its choices; StructureRefused when there is none."""
    building = queries.building(conn, building_id or 0)
    if building is None:
        raise StructureRefused(Text(N_("There is no building %(building)s."), building=building_id))
    entrances, floors = queries.building_layout(conn, building["id"])
    units = queries.building_units(conn, building["id"])
    return {**building, "units": {u["id"] for u in units}, "floors": {f["id"] for f in floors},
            "entrances": {e["id"] for e in entrances}}


def _picked(value, among: set[int]) -> int:
    """The id chosen in a select, if it is one of the building's; StructureRefused otherwise."""
    number = positive_int(value)
    if number not in among:
        raise StructureRefused(Text(NOT_CHOSEN))
    return number


def _whole(text) -> int | None:
    """A whole number typed in a field (negative for basements), or None: the command says why it is refused."""
    return int(text.strip()) if isinstance(text, str) and WHOLE.fullmatch(text.strip()) else None


def _rename(conn, change, building, form) -> None:
    """Rename the chosen unit."""
    rename_unit(conn, change, _picked(form["unit"], building["units"]), form["label"])


def _merge(conn, change, building, form) -> None:
    """Merge the chosen neighbours, with a new label when one is typed."""
    text = form["label"].strip() if isinstance(form["label"], str) and form["label"].strip() else None
    merge_units(conn, change, _picked(form["keep"], building["units"]), _picked(form["other"], building["units"]),
                text)


def _split(conn, change, building, form) -> None:
    """Split the chosen unit into the labels typed (commas, Latin or Chinese, between them)."""
    labels = re.split(r"[,，]", form["labels"]) if isinstance(form["labels"], str) else []
    split_unit(conn, change, _picked(form["unit"], building["units"]), labels)


def _add_floor(conn, change, building, form) -> None:
    """Add a floor to the chosen entrance."""
    add_floor(conn, change, _picked(form["entrance"], building["entrances"]), _whole(form["level"]), form["label"],
              _whole(form["units"]), form["use"], form["pattern"] if isinstance(form["pattern"], str) else "")


def _remove_floor(conn, change, building, form) -> None:
    """Remove the chosen floor."""
    remove_floor(conn, change, _picked(form["floor"], building["floors"]))


def _move(conn, change, building, form) -> None:
    """Move the building to the chosen area."""
    move_building(conn, change, building["id"], positive_int(form["area"]) or 0)


COMMANDS = {"rename": _rename, "merge": _merge, "split": _split, "add-floor": _add_floor,
            "remove-floor": _remove_floor, "move": _move}


def register(app: Dash) -> None:
    """Register the forms' callback and the clientside drawing of the grid."""
    app.callback(
        Output(ids.LAYOUT_MESSAGE, "children"),
        Output(ids.LAYOUT_GRID_DATA, "data"),
        *[Output(ids.layout_field(*key), prop) for key in layout.REDRAWN for prop in ("options", "value")],
        *[Input(ids.layout_button(action), "n_clicks") for action in ids.LAYOUT_ACTIONS],
        State(ids.LAYOUT_BUILDING, "data"),
        *[State(ids.layout_field(action, name), "value")
          for action in ids.LAYOUT_ACTIONS for name, _text, _kind in layout.FIELDS[action]],
        prevent_initial_call=True,
    )(act)
    register_grid_drawing(app, ids.LAYOUT_GRID_SUMMARY, ids.LAYOUT_GRID_DATA, ids.LAYOUT_SELECTED,
                          ids.LAYOUT_SELECTION, ids.LAYOUT_GRID_HOST)
