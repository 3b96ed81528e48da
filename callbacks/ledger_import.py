"""Ledger import page glue: preview an uploaded ledger in an area, correct its columns, apply it, undo it (staff and
administrators, in the areas they may edit). The file stays in the browser (the upload's contents) between preview
and apply; nothing is kept on the server."""
from __future__ import annotations

import base64
import binascii
import uuid

from dash import Dash, Input, Output, State, no_update
from dash.exceptions import PreventUpdate
from flask import current_app

from callbacks.parse import positive_int
from dashboard import ids
from dashboard.auth import current_account
from dashboard.config import local_today
from dashboard.extensions import reading, writing
from dashboard.i18n import _
from data import ledger, queries
from data.access import authorize
from data.accounts import log_personal_views
from data.buildings import area_choices
from data.changes import ChangeContext, undo_batch
from data.ledger_columns import FIELDS
from data.ledger_problems import LedgerError, Problem
from data.structure import StructureRefused
from layouts import ledger_import as layout
from layouts import outcomes
from layouts.common import not_allowed

NOT_PREVIEWED = (True, None, [])
# What Apply leaves of the preview when it cannot even start: the preview as it is, Apply disabled, no batch.
UNPREVIEWED = (no_update, True, None, no_update, None, no_update)
MAX_NAME = 255


def page(**_query):
    """The import form, for those who may edit somewhere (staff and administrators)."""
    account = current_account()
    if not authorize(account, "edit"):
        return not_allowed()
    with reading() as conn:
        areas = editable_areas(conn, account)
    return layout.page(areas, own_area(account, areas))


def editable_areas(conn, account) -> list[dict]:
    """The areas (not retired) the user may import into."""
    return [area for area in area_choices(conn)
            if authorize(account, "edit", {"area_path": queries.area(conn, area["id"])["path"]})]


def own_area(account, areas: list[dict]) -> int | None:
    """The user's own area, to start with, when they have one among the choices."""
    own = [queries.path_ids(path)[-1] for path in account.area_paths]
    return next((area["id"] for area in areas if area["id"] in own), None)


def show_preview(contents, area, mapping, filename):
    """What importing the uploaded file into the area would do; Apply stays disabled unless it can be applied."""
    account = current_account()
    if not authorize(account, "edit"):
        return (layout.message(_("Your account may not see this page."), "danger"), *NOT_PREVIEWED)
    if contents is None:
        raise PreventUpdate
    data, area_id, name = decoded(contents), positive_int(area), file_name(filename)
    if area_id is None:
        return (layout.message(_("Choose the area to import into.")), *NOT_PREVIEWED)
    if data is None:
        return (layout.message(_("The file did not arrive whole: choose it again."), "danger"), *NOT_PREVIEWED)
    return previewed(account, data, name, area_id, mapping)


def previewed(account, data: bytes, name: str, area_id: int, mapping) -> tuple:
    """The preview's outputs: what the import would do, whether Apply is disabled, its digest and its columns."""
    today = local_today(current_app.config)
    with reading() as conn:
        found = ledger.preview(conn, account, data, name, area_id, corrections(mapping), today)
        catalogues = queries.catalogues(conn)
    shown = ledger.personal_views(list(found.changes[:layout.SHOWN_ROWS]))
    if shown:
        with writing() as conn:
            log_personal_views(conn, account.id, shown)
    return (layout.preview(found, name, catalogues), not layout.can_apply(found), found.digest,
            layout.shown_columns(found))


def correct_columns(values, column_ids, shown, mapping):
    """The user's column corrections, with the one just made: a field chosen other than the preview's (None: ignore
    the column); unchanged (no new preview) when nothing differs."""
    before, columns, chosen = corrections(mapping), shown_columns(shown), {}
    for column, value in zip(column_ids or [], values or [], strict=False):
        key, field = columns.get(column.get("index") if isinstance(column, dict) else None, (None, None))
        picked = None if value == layout.IGNORE else value
        if key is not None and picked in (*FIELDS, None) and picked != field:
            chosen[key] = picked
    after = {**before, **chosen}
    if after == before:
        raise PreventUpdate
    return after


def shown_columns(shown) -> dict:
    """The columns the preview showed, by position: (header key, field or None)."""
    rows = shown if isinstance(shown, list) else []
    return {row[0]: tuple(row[1:]) for row in rows if isinstance(row, list) and len(row) == 3}


def apply(n_clicks, contents, filename, area, mapping, keep, digest):
    """Import the previewed file as one batch (its preview then gives way to what it did, and the upload is emptied,
    so that choosing the same file again previews it again), or show why not, change nothing and preview the file
    again."""
    account = current_account()
    if not n_clicks:
        raise PreventUpdate
    if not authorize(account, "edit"):
        return (layout.message(_("Your account may not see this page."), "danger"), *UNPREVIEWED)
    data, area_id, name = decoded(contents), positive_int(area), file_name(filename)
    if data is None or area_id is None or not isinstance(digest, str) or not digest:
        return (layout.message(_("Choose the area and the ledger file first.")), *UNPREVIEWED)
    context = ChangeContext(actor=account, source="import", request_id=str(uuid.uuid4()),
                            timezone=current_app.config["TIMEZONE"])
    try:
        with writing() as conn:
            report = ledger.apply_ledger(conn, context, data, name, area_id, corrections(mapping), digest=digest,
                                         keep=keep is True)
    except (LedgerError, StructureRefused) as refusal:
        problems = refusal.problems if isinstance(refusal, LedgerError) else [Problem(1, None, refusal.message)]
        return layout.not_applied(problems), *previewed(account, data, name, area_id, mapping), None, no_update
    with reading() as conn:
        buildings = [queries.building(conn, b) for b in sorted(queries.batch_buildings(conn, report.batch_id))]
    applied = layout.applied(report, area_id, [b for b in buildings if b])
    return applied, None, True, None, [], report.batch_id, None


def undo(n_clicks, batch_id):
    """Undo the import's batch (its new units retired, changed ones restored), unless a unit changed since: the
    outcome replaces what the import did; a refusal shows beside it."""
    account = current_account()
    if not n_clicks or not isinstance(batch_id, str) or not batch_id:
        raise PreventUpdate
    context = ChangeContext(actor=account, request_id=str(uuid.uuid4()), timezone=current_app.config["TIMEZONE"])
    try:
        with writing() as conn:
            count = len(undo_batch(conn, batch_id, context))
    except outcomes.REFUSALS as refusal:
        return outcomes.refused("undo", refusal), no_update, no_update
    return None, outcomes.done("undo", count=count), None


def decoded(contents) -> bytes | None:
    """The bytes of an upload's data URL (data:…;base64,…), or None when it is not one."""
    if not isinstance(contents, str) or ";base64," not in contents:
        return None
    try:
        return base64.b64decode(contents.split(";base64,", 1)[1], validate=True)
    except (binascii.Error, ValueError):
        return None


def file_name(filename) -> str:
    """The uploaded file's name (its extension says how to read it), as text of a sane length."""
    return filename[-MAX_NAME:] if isinstance(filename, str) else ""


def corrections(mapping) -> dict:
    """Column corrections from the browser: header key -> a field, or None to ignore the column."""
    if not isinstance(mapping, dict):
        return {}
    return {key: field for key, field in mapping.items() if isinstance(key, str) and (field is None or field in FIELDS)}


def register(app: Dash) -> None:
    """Register the preview, the column corrections, apply and undo."""
    app.callback(
        Output(ids.IMPORT_PREVIEW, "children"),
        Output(ids.IMPORT_APPLY, "disabled"),
        Output(ids.IMPORT_DIGEST, "data"),
        Output(ids.IMPORT_SHOWN_COLUMNS, "data"),
        Input(ids.IMPORT_UPLOAD, "contents"),
        Input(ids.IMPORT_AREA, "value"),
        Input(ids.IMPORT_MAPPING, "data"),
        State(ids.IMPORT_UPLOAD, "filename"),
        prevent_initial_call=True,
    )(show_preview)
    app.callback(
        Output(ids.IMPORT_MAPPING, "data"),
        Input(ids.ALL_IMPORT_COLUMNS, "value"),
        State(ids.ALL_IMPORT_COLUMNS, "id"),
        State(ids.IMPORT_SHOWN_COLUMNS, "data"),
        State(ids.IMPORT_MAPPING, "data"),
        prevent_initial_call=True,
    )(correct_columns)
    app.callback(
        Output(ids.IMPORT_RESULT, "children"),
        Output(ids.IMPORT_PREVIEW, "children", allow_duplicate=True),
        Output(ids.IMPORT_APPLY, "disabled", allow_duplicate=True),
        Output(ids.IMPORT_DIGEST, "data", allow_duplicate=True),
        Output(ids.IMPORT_SHOWN_COLUMNS, "data", allow_duplicate=True),
        Output(ids.IMPORT_BATCH, "data"),
        Output(ids.IMPORT_UPLOAD, "contents"),
        Input(ids.IMPORT_APPLY, "n_clicks"),
        State(ids.IMPORT_UPLOAD, "contents"),
        State(ids.IMPORT_UPLOAD, "filename"),
        State(ids.IMPORT_AREA, "value"),
        State(ids.IMPORT_MAPPING, "data"),
        State(ids.IMPORT_KEEP, "value"),
        State(ids.IMPORT_DIGEST, "data"),
        prevent_initial_call=True,
    )(apply)
    app.callback(
        Output(ids.IMPORT_UNDO_MESSAGE, "children"),
        Output(ids.IMPORT_RESULT, "children", allow_duplicate=True),
        Output(ids.IMPORT_BATCH, "data", allow_duplicate=True),
        Input(ids.IMPORT_UNDO, "n_clicks"),
        State(ids.IMPORT_BATCH, "data"),
        prevent_initial_call=True,
    )(undo)
