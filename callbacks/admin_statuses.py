"""Status catalogue editor glue: the page, the chip preview, and save / retire / offer again / delete."""
import uuid

from dash import Dash, Input, Output, State, ctx, no_update

from dashboard import ids
from dashboard.auth import current_account
from dashboard.extensions import reading, writing
from dashboard.i18n import _, translated
from data import catalogue, queries
from data.access import authorize
from data.changes import ChangeContext
from data.structure import StructureRefused
from layouts import admin_statuses as layout
from layouts.common import not_allowed

FIELDS = ("code", *catalogue.EDITABLE)
DONE = {ids.STATUS_SAVE: "save", ids.STATUS_RETIRE: "retire", ids.STATUS_RESTORE: "restore",
        ids.STATUS_DELETE: "delete"}


def page(code=None, **_query):
    """The catalogue, with the form of `?code=` (a status's code, or `new` to add one)."""
    if not authorize(current_account(), "admin"):
        return not_allowed()
    with reading() as conn:
        statuses, counts, uses = queries.statuses(conn), catalogue.units_by_status(conn), queries.unit_uses(conn)
    editing = next((s for s in statuses if s["code"] == code), None)
    return layout.page(statuses, counts, uses, editing, code == layout.NEW)


def show_preview(color, text_code, text_code_zh, label_zh, label_en, pattern):
    """The chip as the grid would draw it, with the ink chosen for the colour."""
    if not authorize(current_account(), "admin"):
        return no_update
    return layout.preview({"color": color, "text_code": text_code, "text_code_zh": text_code_zh,
                           "label_zh": label_zh, "label_en": label_en, "pattern": pattern})


def act(_save, _retire, _restore, _delete, editing, *values):
    """Carry out the button pressed on the status being edited (or added); the list, the form's state and a message
    follow. Non-administrators change nothing."""
    account, action = current_account(), DONE.get(ctx.triggered_id)
    if not authorize(account, "admin"):
        return _answer(_("Not allowed"), False)
    if action is None:
        return (no_update,) * 7
    try:
        with writing() as conn:
            code = _carry_out(conn, account, action, editing, dict(zip(FIELDS, values, strict=True)))
            statuses, counts, uses = queries.statuses(conn), catalogue.units_by_status(conn), queries.unit_uses(conn)
    except StructureRefused as refused:
        return _answer(translated(refused.message), False)
    shown = next((s for s in statuses if s["code"] == code), None)
    return (*_answer(_("Saved.") if shown else _("Deleted."), True)[:3], layout.status_table(statuses, counts, uses),
            code, code is not None, layout.buttons(shown))


def _carry_out(conn, account, action: str, editing, values: dict):
    """One catalogue command; returns the code of the status the form now edits (None once deleted)."""
    context = ChangeContext(actor=account, request_id=str(uuid.uuid4()))
    if action == "save" and editing is None:
        return catalogue.add_status(conn, context, values["code"], values)["code"]
    if action == "save":
        catalogue.change_status(conn, context, editing, values)
    elif action == "retire":
        catalogue.retire_status(conn, context, editing)
    elif action == "restore":
        catalogue.restore_status(conn, context, editing)
    else:
        catalogue.delete_status(conn, context, editing)
        return None
    return editing


def _answer(message: str, good: bool) -> tuple:
    """A message and nothing else changed."""
    alert = layout.feedback(message, good)
    return (alert["children"], alert["color"], alert["is_open"], *(no_update,) * 4)


def register(app: Dash) -> None:
    """Register the catalogue editor's callbacks."""
    app.callback(
        Output(ids.STATUS_PREVIEW, "children"),
        [Input(ids.status_field(name), "value")
         for name in ("color", "text_code", "text_code_zh", "label_zh", "label_en", "pattern")],
        prevent_initial_call=True,
    )(show_preview)
    app.callback(
        [Output(ids.STATUS_FEEDBACK, "children"), Output(ids.STATUS_FEEDBACK, "color"),
         Output(ids.STATUS_FEEDBACK, "is_open"), Output(ids.STATUS_LIST, "children"),
         Output(ids.STATUS_EDITING, "data"), Output(ids.status_field("code"), "disabled"),
         Output(ids.STATUS_ACTIONS, "children")],
        [Input(button, "n_clicks") for button in DONE],
        [State(ids.STATUS_EDITING, "data")] + [State(ids.status_field(name), "value") for name in FIELDS],
        prevent_initial_call=True,
    )(act)
