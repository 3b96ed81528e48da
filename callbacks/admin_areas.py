"""Area-tree page glue: administrators add, rename, move and retire areas; everyone else is refused."""
import uuid

from dash import Dash, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate
from flask import current_app

from callbacks.parse import positive_int
from dashboard import ids
from dashboard.auth import current_account
from dashboard.extensions import reading, writing
from dashboard.i18n import _, translated
from data import areas
from data.access import authorize
from data.changes import ChangeContext
from data.structure import StructureRefused
from layouts import admin_areas as layout
from layouts.common import not_allowed

BUTTONS = (ids.ADMIN_AREA_ADD, ids.ADMIN_AREA_RENAME, ids.ADMIN_AREA_MOVE, ids.ADMIN_AREA_RETIRE)
FIELDS = (ids.ADMIN_AREA_NEW_NAME, ids.ADMIN_AREA_NEW_PARENT, ids.ADMIN_AREA_NEW_KIND, ids.ADMIN_AREA_PICK,
          ids.ADMIN_AREA_NAME, ids.ADMIN_AREA_PARENT)
REFRESHED = (ids.ADMIN_AREA_NEW_PARENT, ids.ADMIN_AREA_PICK, ids.ADMIN_AREA_PARENT)


def page(**_query):
    """The forms and the tree in use, for administrators."""
    if not authorize(current_account(), "admin"):
        return not_allowed()
    with reading() as conn:
        return layout.page(areas.live_areas(conn))


def change_areas(_add, _rename, _move, _retire, new_name, new_parent, new_kind, picked, name, parent):
    """Carry out the pressed button's command for an administrator; a refusal (or anyone else) changes nothing."""
    account = current_account()
    if not authorize(account, "admin"):
        return layout.message(_("Your account may not change areas."), False), *[no_update] * 4
    values = {"new_name": new_name, "new_parent": positive_int(new_parent), "new_kind": new_kind or None,
              "area": positive_int(picked), "name": name, "parent": positive_int(parent)}
    command = COMMANDS.get(ctx.triggered_id)
    if command is None:
        raise PreventUpdate
    try:
        with writing() as conn:
            done = command(conn, _context(account), values)
    except StructureRefused as refused:
        return layout.message(translated(refused.message), False), *[no_update] * 4
    with reading() as conn:
        live = areas.live_areas(conn)
    return layout.message(done, True), layout.table(live), *[layout.options(live)] * 3


def _add(conn, context: ChangeContext, values: dict) -> str:
    """Add the new area."""
    area_id = areas.add_area(conn, context, values["new_name"], values["new_parent"], values["new_kind"])
    return _("Added area %(number)s.", number=area_id)


def _rename(conn, context: ChangeContext, values: dict) -> str:
    """Rename the chosen area."""
    areas.rename_area(conn, context, values["area"], values["name"])
    return _("Area %(number)s renamed.", number=values["area"])


def _move(conn, context: ChangeContext, values: dict) -> str:
    """Move the chosen area under the chosen parent."""
    areas.move_area(conn, context, values["area"], values["parent"])
    return _("Area %(number)s moved, with every area under it.", number=values["area"])


def _retire(conn, context: ChangeContext, values: dict) -> str:
    """Retire (or delete, when nothing ever used it) the chosen area."""
    if areas.retire_area(conn, context, values["area"]) == "retired":
        return _("Area %(number)s retired: it leaves every list, its history stays.", number=values["area"])
    return _("Area %(number)s deleted: nothing ever used it.", number=values["area"])


COMMANDS = dict(zip(BUTTONS, (_add, _rename, _move, _retire), strict=True))


def _context(account) -> ChangeContext:
    """The change context of one administrator's request."""
    return ChangeContext(actor=account, request_id=str(uuid.uuid4()), timezone=current_app.config["TIMEZONE"])


def register(app: Dash) -> None:
    """One callback for the four buttons (retiring once confirmed): the message, and the table and area choices
    refreshed after a change."""
    app.callback(
        Output(ids.ADMIN_AREAS_MESSAGE, "children"), Output(ids.ADMIN_AREAS_TABLE, "children"),
        *[Output(field, "options") for field in REFRESHED],
        *[Input(button, "n_clicks") for button in BUTTONS[:-1]], Input(ids.ADMIN_AREA_RETIRE, "submit_n_clicks"),
        *[State(field, "value") for field in FIELDS],
        prevent_initial_call=True,
    )(change_areas)
