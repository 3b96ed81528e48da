"""Editing glue: save a unit, undo a batch, and refresh a building that someone else changed."""
from __future__ import annotations

import uuid

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate

from callbacks.building import building_parts, panel_for
from callbacks.parse import positive_int
from dashboard import ids
from dashboard.auth import current_account
from dashboard.extensions import engine
from data import queries
from data.access import authorize
from data.changes import ChangeContext, NotAllowed, StaleEdit, UndoRefused, UnitEdit, apply_edits, undo_batch
from data.db import writing
from data.validation import InvalidEdit
from layouts import edit_form
from layouts.common import when

BUILDING_OUTPUTS = (Output(ids.GRID_DATA, "data", allow_duplicate=True), Output(ids.LEGEND, "children", allow_duplicate=True),
                    Output(ids.RECENT_CHANGES, "children", allow_duplicate=True),
                    Output(ids.REVISION_SEEN, "data", allow_duplicate=True))
UNCHANGED = (no_update,) * len(BUILDING_OUTPUTS)


def save_unit(n_clicks, seen, building_id, *field_values):
    """Save the edit form: on success the panel and the building are refreshed; otherwise the input stays."""
    account, number = current_account(), positive_int(building_id)
    unit_id, version = _seen(seen)
    if not n_clicks or number is None or unit_id is None:
        raise PreventUpdate
    values = dict(zip(ids.EDIT_FIELDS, field_values))
    with engine().connect() as conn:
        found = queries.building(conn, number)
    if found is None or not authorize(account, "view", found):
        raise PreventUpdate
    try:
        with writing(engine()) as conn:
            if (queries.unit(conn, unit_id) or {}).get("building_id") != number:
                raise NotAllowed([unit_id])
            apply_edits(conn, [UnitEdit(unit_id, values, version)], _context(account))
    except InvalidEdit as invalid:
        return (_panel(account, unit_id, found, values, invalid.errors.get(unit_id, {})), *UNCHANGED)
    except StaleEdit as stale:
        return (_panel(account, unit_id, found, values, notice=edit_form.conflict(stale.later)), *UNCHANGED)
    except NotAllowed:
        return (_notice("You may not change this unit.", "danger"), *UNCHANGED)
    return (_panel(account, unit_id, found, notice=_notice("Saved.", "success")), *_building(account, found))


def undo(n_clicks, building_id):
    """Undo the batch whose button was pressed, unless a unit of it changed since."""
    account, number = current_account(), positive_int(building_id)
    batch = ctx.triggered_id["batch"] if isinstance(ctx.triggered_id, dict) else None
    if not any(n_clicks or []) or number is None or not isinstance(batch, str):
        raise PreventUpdate
    with engine().connect() as conn:
        found = queries.building(conn, number)
    if found is None or not authorize(account, "edit", found):
        return (_notice("You may not undo changes here.", "danger"), *UNCHANGED)
    try:
        with writing(engine()) as conn:
            if queries.batch_buildings(conn, batch) != {number}:
                raise LookupError(batch)
            changed = undo_batch(conn, batch, _context(account))
    except UndoRefused as refused:
        later = ", ".join(f"{c['label']} ({c['actor']}, {when(c['changed_at'])})" for c in refused.later)
        return (_notice(f"Not undone: these units changed after that batch: {later}.", "warning"), *UNCHANGED)
    except (LookupError, NotAllowed):
        return (_notice("That batch cannot be undone here.", "danger"), *UNCHANGED)
    return (_notice(f"Undone: {len(changed)} unit(s) restored.", "success"), *_building(account, found))


def refresh(_n_intervals, building_id, revision_seen):
    """Send the building again only when its change counter moved (otherwise an empty 204 answer)."""
    account, number = current_account(), positive_int(building_id)
    with engine().connect() as conn:
        found = queries.building(conn, number) if number else None
        if found is None or not authorize(account, "view", found) or found["revision"] == revision_seen:
            raise PreventUpdate
    return _building(account, found)


def _building(account, found: dict) -> tuple:
    """Fresh grid payload, legend, recent changes and revision of a building."""
    with engine().connect() as conn:
        fresh = queries.building(conn, found["id"])
        payload, legend, recent = building_parts(conn, account, fresh, queries.statuses(conn))
    return payload, legend, recent, payload["revision"]


def _panel(account, unit_id: int, found: dict, values=None, errors=None, notice=None):
    """The unit panel, re-read from the database."""
    with engine().connect() as conn:
        return panel_for(conn, account, unit_id, found, queries.statuses(conn), values, errors, notice)


def _seen(seen) -> tuple[int | None, int | None]:
    """The unit id and version the form was loaded with."""
    if not isinstance(seen, dict) or isinstance(seen.get("version"), bool) or not isinstance(seen.get("version"), int):
        return None, None
    return positive_int(seen.get("unit")), seen["version"]


def _context(account) -> ChangeContext:
    """A manual change by the signed-in user, under a fresh request id."""
    return ChangeContext(actor=account, source="manual", request_id=str(uuid.uuid4()))


def _notice(text: str, color: str) -> dbc.Alert:
    """A short message in the panel column."""
    return dbc.Alert(text, color=color, className="small py-2", dismissable=True)


def register(app: Dash) -> None:
    """Register the write callbacks and the live refresh."""
    fields = [State(ids.edit_field(name), "value") for name in ids.EDIT_FIELDS]
    app.callback(Output(ids.UNIT_PANEL, "children", allow_duplicate=True), *BUILDING_OUTPUTS,
                 Input(ids.EDIT_SAVE, "n_clicks"), State(ids.EDIT_SEEN, "data"), State(ids.BUILDING_ID, "data"),
                 *fields, prevent_initial_call=True)(save_unit)
    app.callback(Output(ids.ACTION_MESSAGE, "children", allow_duplicate=True), *BUILDING_OUTPUTS,
                 Input(ids.ALL_UNDO_BUTTONS, "n_clicks"), State(ids.BUILDING_ID, "data"), prevent_initial_call=True)(undo)
    app.callback(*BUILDING_OUTPUTS, Input(ids.REFRESH, "n_intervals"), State(ids.BUILDING_ID, "data"),
                 State(ids.REVISION_SEEN, "data"), prevent_initial_call=True)(refresh)
