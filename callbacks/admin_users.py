"""Users page glue, for administrators only: every callback drops a request from anyone else (changing nothing)."""
from __future__ import annotations

import uuid

from dash import Dash, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate
from flask import current_app

from callbacks.parse import positive_int
from dashboard import ids
from dashboard.auth import current_account
from dashboard.extensions import reading, writing
from dashboard.i18n import _, translated
from data import accounts, users
from data.access import authorize
from data.changes import ChangeContext
from data.structure import StructureRefused
from layouts import admin_users as layout
from layouts.common import not_allowed

LISTS = (Output(ids.USERS_TABLE, "children", allow_duplicate=True),
         Output(ids.USER_PICK, "options", allow_duplicate=True))
DONE = {ids.USER_SAVE_ROLE: "role", ids.USER_SAVE_AREAS: "areas", ids.USER_DISABLE: "disable"}


def page(**_query):
    """Every user, and the forms that add and change them; not_allowed() to anyone but administrators."""
    if not authorize(current_account(), "admin"):
        return not_allowed()
    with reading() as conn:
        return layout.page(accounts.list_users(conn), users.area_choices(conn))


def add(n_clicks, username, role, area_ids):
    """Add a user with a one-time password, shown in this answer only."""
    account = _admin()
    if not n_clicks:
        raise PreventUpdate
    try:
        with writing() as conn:
            _user_id, password = users.add_user(conn, _context(account), username, role, area_ids or [])
    except StructureRefused as refusal:
        return (layout.refused(translated(refusal.message)), no_update, *(no_update,) * len(LISTS))
    return (layout.one_time_password(username.strip(), password), "", *_lists())


def change(_role_clicks, _areas_clicks, _once_clicks, _disable_clicks, user_id, role, area_ids):
    """Change the chosen user's role or areas, give them a one-time password, or disable them (the button pressed
    says which)."""
    account, button, number = _admin(), ctx.triggered_id, positive_int(user_id)
    if button not in (*DONE, ids.USER_ONE_TIME) or not ctx.triggered[0]["value"]:
        raise PreventUpdate
    try:
        with writing() as conn:
            shown = _apply(conn, _context(account), button, number, role, area_ids)
    except StructureRefused as refusal:
        return (layout.refused(translated(refusal.message)), *(no_update,) * len(LISTS))
    return (shown, *_lists())


def pick(user_id):
    """The chosen user's role and areas, in the form that changes them."""
    _admin()
    with reading() as conn:
        state = users.user_state(conn, positive_int(user_id)) if positive_int(user_id) else None
    if state is None:
        raise PreventUpdate
    return state["role"], state["areas"]


def _apply(conn, context: ChangeContext, button: str, user_id: int | None, role, area_ids):
    """Run the change a button asks for; what to show after it."""
    if button == ids.USER_ONE_TIME:
        password = users.give_one_time_password(conn, context, user_id)
        return layout.one_time_password(users.user_state(conn, user_id)["username"], password)
    if button == ids.USER_SAVE_ROLE:
        users.change_role(conn, context, user_id, role)
    elif button == ids.USER_SAVE_AREAS:
        users.change_areas(conn, context, user_id, area_ids if isinstance(area_ids, list) else None)
    else:
        users.disable(conn, context, user_id)
    return layout.done(_done_text(DONE[button], users.user_state(conn, user_id)["username"]))


def _done_text(action: str, username: str) -> str:
    """What a change did, in words."""
    if action == "role":
        return _("%(name)s has a new role; their sessions have ended.", name=username)
    if action == "areas":
        return _("%(name)s covers new areas; their sessions have ended.", name=username)
    return _("%(name)s is disabled; their sessions have ended.", name=username)


def _lists() -> tuple:
    """The users table and the choice of users, read again after a change."""
    with reading() as conn:
        every = accounts.list_users(conn)
    return layout.users_table(every), layout.user_options(every)


def _admin():
    """The signed-in administrator; anyone else's request is dropped."""
    account = current_account()
    if not authorize(account, "admin"):
        raise PreventUpdate
    return account


def _context(account) -> ChangeContext:
    """A change by the signed-in administrator under a fresh request id."""
    return ChangeContext(actor=account, request_id=str(uuid.uuid4()), timezone=current_app.config["TIMEZONE"])


def register(app: Dash) -> None:
    """Register the users page's callbacks."""
    app.callback(Output(ids.USER_MESSAGE, "children", allow_duplicate=True), Output(ids.USER_NEW_NAME, "value"),
                 *LISTS, Input(ids.USER_ADD, "n_clicks"), State(ids.USER_NEW_NAME, "value"),
                 State(ids.USER_NEW_ROLE, "value"), State(ids.USER_NEW_AREAS, "value"),
                 prevent_initial_call=True)(add)
    app.callback(Output(ids.USER_MESSAGE, "children", allow_duplicate=True), *LISTS,
                 Input(ids.USER_SAVE_ROLE, "n_clicks"), Input(ids.USER_SAVE_AREAS, "n_clicks"),
                 Input(ids.USER_ONE_TIME, "n_clicks"), Input(ids.USER_DISABLE, "submit_n_clicks"),
                 State(ids.USER_PICK, "value"), State(ids.USER_ROLE, "value"), State(ids.USER_AREAS, "value"),
                 prevent_initial_call=True)(change)
    app.callback(Output(ids.USER_ROLE, "value"), Output(ids.USER_AREAS, "value"), Input(ids.USER_PICK, "value"),
                 prevent_initial_call=True)(pick)
