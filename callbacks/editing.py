"""Editing glue: save a unit, set many at once, undo a batch, confirm ended quarantines, refresh on others' changes."""
from __future__ import annotations

import uuid

from dash import ClientsideFunction, Dash, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate
from flask import current_app
from sqlalchemy.exc import DBAPIError

from callbacks.building import building_parts, panel_for
from callbacks.parse import positive_int
from dashboard import ids
from dashboard.auth import current_account
from dashboard.extensions import reading, writing
from dashboard.i18n import _
from dashboard.outage import is_outage
from data import queries
from data.access import building_for
from data.changes import ChangeContext, StaleEdit, UnitEdit, apply_edits, confirm_ended, undo_batch
from data.models import UnitChange
from data.validation import OCCUPANT_FIELDS, InvalidEdit, bulk_values
from layouts import edit_form, outcomes

BUILDING_OUTPUTS = (
    Output(ids.GRID_DATA, "data", allow_duplicate=True),
    Output(ids.LEGEND, "children", allow_duplicate=True),
    Output(ids.RECENT_CHANGES, "children", allow_duplicate=True),
    Output(ids.DUE_LIST, "children", allow_duplicate=True),
    Output(ids.REVISION_SEEN, "data", allow_duplicate=True),
)
MAX_BULK = 5_000
COMMENT_LIMIT = UnitChange.comment.type.length
CHOICES = ("theirs", "yours")
UNCHANGED = (no_update,) * len(BUILDING_OUTPUTS)


def save_unit(n_clicks, seen, building_id, choice_values, choice_ids, *field_values):
    """Save the fields this editor changed, merged with colleagues' changes since they opened the unit; on success the
    panel and the building are refreshed; otherwise the form keeps their input over the unit's current values."""
    account, number = current_account(), positive_int(building_id)
    unit_id, version, shown = _seen(seen)
    if not n_clicks or number is None or unit_id is None:
        raise PreventUpdate
    values, choices = dict(zip(ids.EDIT_FIELDS, field_values, strict=False)), _choices(choice_values, choice_ids)
    found = _visible_building(account, number)
    undecided = [name for name in shown if choices.get(name) not in CHOICES]
    if undecided:
        state = edit_form.FormState(values, {name: _("choose theirs or yours") for name in undecided}, version, shown)
        return (_panel(account, unit_id, found, state), *UNCHANGED)
    kept = {name: value for name, value in values.items() if choices.get(name) != "theirs"}
    try:
        with writing() as conn:
            apply_edits(
                conn, [UnitEdit(unit_id, kept, version, whole_form=True)], _context(account), building_id=number
            )
    except InvalidEdit as invalid:
        errors = invalid.errors.get(unit_id, {})
        yours = {**invalid.yours.get(unit_id, {}), **{name: values[name] for name in errors if name in values}}
        return (_panel(account, unit_id, found, edit_form.FormState(yours, errors)), *UNCHANGED)
    except StaleEdit as stale:
        state = edit_form.FormState(stale.yours.get(unit_id, {}), conflicts=stale.conflicts.get(unit_id, {}))
        return (_panel(account, unit_id, found, state, edit_form.conflict_notice(stale.later)), *UNCHANGED)
    except outcomes.REFUSALS as refusal:
        return (outcomes.refused("save", refusal), *UNCHANGED)
    redrawn = _redraw(
        lambda: (_panel(account, unit_id, found, notice=outcomes.done("save")), *_building(account, found))
    )
    return redrawn or (outcomes.done("save", redrawn=False), *UNCHANGED)


def _choices(choice_values, choice_ids) -> dict[str, str]:
    """The editor's choice (theirs or yours) for each conflicting field, from the choices' values and ids."""
    if not isinstance(choice_values, list) or not isinstance(choice_ids, list):
        return {}
    return {
        i["field"]: v
        for i, v in zip(choice_ids, choice_values, strict=False)
        if isinstance(i, dict) and isinstance(i.get("field"), str)
    }


def undo(n_clicks, building_id):
    """Undo the batch whose confirmation was accepted, unless a unit of it changed since; the answer shows above the
    list of changes, where the button was."""
    account, number = current_account(), positive_int(building_id)
    batch = ctx.triggered_id["batch"] if isinstance(ctx.triggered_id, dict) else None
    if not any(n_clicks or []) or number is None or not isinstance(batch, str):
        raise PreventUpdate
    message, _refusal, building = _write("undo", account, _visible_building(account, number), lambda conn: {
        "count": len(undo_batch(conn, batch, _context(account), building_id=number))})
    return (message, *building)


def apply_bulk(n_clicks, selection, building_id, status, comment, start, end, clear_occupants=False):
    """Set one status on every selected unit in one batch, or on none of them, writing only what the bar sets; the
    selection clears on success and when a colleague's change refused it."""
    account, number, picks = current_account(), positive_int(building_id), _picks(selection)
    if not n_clicks or number is None or picks is None:
        raise PreventUpdate
    if not picks or not isinstance(status, str) or not status:
        return (outcomes.first_step(_("Select units on the grid and choose a status first.")), no_update, *UNCHANGED)
    context = _context(account, str(comment or "").strip()[:COMMENT_LIMIT] or None)

    def write(conn) -> dict:
        values = bulk_values(queries.catalogues(conn), status, start, end, clear_occupants is True)
        apply_edits(
            conn, [UnitEdit(unit_id, values, version) for unit_id, version in picks], context, building_id=number
        )
        return {"count": len(picks)}
    message, refusal, building = _write("bulk", account, _visible_building(account, number), write)
    return (message, [] if refusal is None or isinstance(refusal, StaleEdit) else no_update, *building)


def confirm_due(n_clicks, building_id):
    """Confirm the status that follows an ended quarantine, at the version the list showed."""
    account, number, button = current_account(), positive_int(building_id), ctx.triggered_id
    if not any(n_clicks or []) or number is None or not isinstance(button, dict):
        raise PreventUpdate
    unit_id, version = positive_int(button.get("unit")), button.get("version")
    if unit_id is None or not isinstance(version, int) or isinstance(version, bool):
        raise PreventUpdate
    message, _refusal, building = _write("confirm", account, _visible_building(account, number), lambda conn: {
        "label": confirm_ended(conn, unit_id, version, number, _context(account, _("quarantine ended")))["label"]})
    return (message, *building)


def refresh(_n_intervals, building_id, revision_seen):
    """Send the building again only when its change counter moved (otherwise an empty 204 answer)."""
    account = current_account()
    with reading() as conn:
        found = building_for(conn, account, positive_int(building_id))
    if found is None or found["revision"] == revision_seen:
        raise PreventUpdate
    return _building(account, found)


def _write(action: str, account, found: dict, write) -> tuple:
    """Run a write in one transaction: (the message, the refusal or None, the building's outputs, redrawn after a
    commit; unchanged after a refusal, or when the database failed after the commit, which the message then says)."""
    try:
        with writing() as conn:
            facts = write(conn)
    except outcomes.REFUSALS as refusal:
        return outcomes.refused(action, refusal), refusal, UNCHANGED
    building = _redraw(lambda: _building(account, found))
    return outcomes.done(action, building is not None, **facts), None, building or UNCHANGED


def _redraw(draw):
    """What `draw` returns, or None when the database stops answering (after a write that has been committed)."""
    try:
        return draw()
    except DBAPIError as error:
        if not is_outage(error):
            raise
        return None


def _building(account, found: dict) -> tuple:
    """Fresh grid payload, legend, recent changes, due list and revision of a building."""
    with reading() as conn:
        parts = building_parts(conn, account, queries.building(conn, found["id"]), queries.statuses(conn))
    return parts["payload"], parts["legend"], parts["recent"], parts["due"], parts["payload"]["revision"]


def _visible_building(account, number: int) -> dict:
    """The building if the user may see it; otherwise the request is dropped."""
    with reading() as conn:
        found = building_for(conn, account, number)
    if found is None:
        raise PreventUpdate
    return found


def _picks(selection) -> list[tuple[int, int]] | None:
    """(unit id, version seen) pairs from the selection store; None when malformed."""
    if not isinstance(selection, list) or len(selection) > MAX_BULK:
        return None
    picks = [(positive_int(p[0]), p[1]) for p in selection if isinstance(p, list) and len(p) == 2]
    valid = all(unit_id and isinstance(version, int) and not isinstance(version, bool) for unit_id, version in picks)
    return picks if valid and len(picks) == len(selection) and len({u for u, _ in picks}) == len(picks) else None


def _panel(account, unit_id: int, found: dict, state=None, notice=None):
    """The unit panel, re-read from the database; after a refusal the form holds the editor's input (`state`)."""
    with reading() as conn:
        return panel_for(conn, account, unit_id, found, queries.statuses(conn), state, notice)


def _seen(seen) -> tuple[int | None, int | None, dict]:
    """The unit id and version the form was loaded with, and the conflicts it shows (fields both changed)."""
    version = seen.get("version") if isinstance(seen, dict) else None
    if isinstance(version, bool) or not isinstance(version, int):
        return None, None, {}
    shown = seen.get("conflicts")
    shown = (
        {k: v for k, v in shown.items() if k in ids.EDIT_FIELDS and isinstance(v, dict)}
        if isinstance(shown, dict)
        else {}
    )
    return positive_int(seen.get("unit")), version, shown


def _context(account, comment: str | None = None) -> ChangeContext:
    """A manual change by the signed-in user, under a fresh request id, with an optional comment for the batch."""
    return ChangeContext(actor=account, source="manual", request_id=str(uuid.uuid4()), comment=comment,
                         timezone=current_app.config["TIMEZONE"])


def register(app: Dash) -> None:
    """Register the write callbacks and the live refresh."""
    fields = [State(ids.edit_field(name), "value") for name in ids.EDIT_FIELDS]
    app.callback(Output(ids.UNIT_PANEL, "children", allow_duplicate=True), *BUILDING_OUTPUTS,
                 Input(ids.EDIT_SAVE, "n_clicks"), State(ids.EDIT_SEEN, "data"), State(ids.BUILDING_ID, "data"),
                 State(ids.ALL_CONFLICT_CHOICES, "value"), State(ids.ALL_CONFLICT_CHOICES, "id"),
                 *fields, prevent_initial_call=True)(save_unit)
    app.clientside_callback(ClientsideFunction("unitForm", "noteLeft"), Output(ids.EDIT_NOTE_LEFT, "children"),
                            Input(ids.edit_field("note"), "value"), State(ids.EDIT_NOTE_LEFT, "data-limit"),
                            State(ids.EDIT_NOTE_LEFT, "data-text"),
                            prevent_initial_call=True)
    app.clientside_callback(ClientsideFunction("unitForm", "clearOccupant"),
                            *[Output(ids.edit_field(name), "value", allow_duplicate=True) for name in OCCUPANT_FIELDS],
                            Input(ids.EDIT_CLEAR_OCCUPANT, "n_clicks"), prevent_initial_call=True)
    app.callback(
        Output(ids.UNDO_MESSAGE, "children"),
        *BUILDING_OUTPUTS,
        Input(ids.ALL_UNDO_BUTTONS, "n_clicks"),
        State(ids.BUILDING_ID, "data"),
        prevent_initial_call=True,
    )(undo)
    app.callback(
        Output(ids.ACTION_MESSAGE, "children", allow_duplicate=True),
        Output(ids.SELECTION, "data", allow_duplicate=True),
        *BUILDING_OUTPUTS,
        Input(ids.BULK_APPLY, "n_clicks"),
        State(ids.SELECTION, "data"),
        State(ids.BUILDING_ID, "data"),
        State(ids.BULK_STATUS, "value"),
        State(ids.BULK_COMMENT, "value"),
        State(ids.BULK_START, "value"),
        State(ids.BULK_END, "value"),
        State(ids.BULK_CLEAR_OCCUPANTS, "value"),
        prevent_initial_call=True,
    )(apply_bulk)
    app.callback(
        Output(ids.ACTION_MESSAGE, "children", allow_duplicate=True),
        *BUILDING_OUTPUTS,
        Input(ids.ALL_CONFIRM_BUTTONS, "n_clicks"),
        State(ids.BUILDING_ID, "data"),
        prevent_initial_call=True,
    )(confirm_due)
    app.callback(*BUILDING_OUTPUTS, Input(ids.REFRESH, "n_intervals"), State(ids.BUILDING_ID, "data"),
                 State(ids.REVISION_SEEN, "data"), prevent_initial_call=True)(refresh)
