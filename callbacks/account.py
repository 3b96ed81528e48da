"""Account page glue: every signed-in user changes their own password (their sessions end with it)."""
from __future__ import annotations

import uuid

from dash import Dash, Input, Output, State, no_update
from dash.exceptions import PreventUpdate
from flask import current_app

from dashboard import ids
from dashboard.auth import current_account
from dashboard.extensions import writing
from dashboard.i18n import _, translated
from data import users
from data.changes import ChangeContext
from data.structure import StructureRefused
from layouts import account as layout
from layouts.common import not_allowed

FIELDS = (ids.ACCOUNT_CURRENT, ids.ACCOUNT_NEW, ids.ACCOUNT_AGAIN)


def page(**_query):
    """The signed-in user's account."""
    account = current_account()
    return layout.page(account) if account is not None else not_allowed()


def change_password(n_clicks, current, new, again):
    """Set a new password given the current one; the fields empty after a change, and keep what was typed (but the
    current password) after a refusal."""
    account = current_account()
    if not n_clicks or account is None:
        raise PreventUpdate
    if new != again:
        return layout.refused(_("The two new passwords differ.")), no_update, no_update, no_update
    context = ChangeContext(actor=account, request_id=str(uuid.uuid4()), timezone=current_app.config["TIMEZONE"])
    try:
        with writing() as conn:
            users.change_own_password(conn, context, current, new)
    except StructureRefused as refusal:
        return layout.refused(translated(refusal.message)), "", no_update, no_update
    return layout.changed(), "", "", ""


def register(app: Dash) -> None:
    """Register the password form's callback."""
    app.callback(Output(ids.ACCOUNT_MESSAGE, "children"), *(Output(field, "value") for field in FIELDS),
                 Input(ids.ACCOUNT_SAVE, "n_clicks"), *(State(field, "value") for field in FIELDS),
                 prevent_initial_call=True)(change_password)
