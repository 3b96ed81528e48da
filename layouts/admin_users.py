"""The users page for administrators: who may sign in, with which role and areas; adding users, changing them,
disabling them and giving them one-time passwords."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import ids
from dashboard.i18n import _, label
from data.i18n import N_
from data.vocabulary import ROLES
from layouts.outcomes import notice

TITLE = N_("Users")
HEADINGS = (N_("User"), N_("Role"), N_("Areas"), N_("State"))


def page(users: list[dict], areas: list[dict]) -> html.Div:
    """The list of users and the forms that add and change them."""
    return html.Div([
        html.H1(_(TITLE), className="h3"),
        html.P(_("Every change ends the user's sessions, so that it applies at once, and is recorded in the access "
                 "log."), className="text-muted"),
        html.Div(id=ids.USER_MESSAGE, role="status"),
        dbc.Row([dbc.Col(add_form(areas), lg=6), dbc.Col(change_form(users, areas), lg=6)], className="g-3 mb-3"),
        html.Div(users_table(users), id=ids.USERS_TABLE),
    ])


def add_form(areas: list[dict]) -> dbc.Card:
    """Name, role and areas of a new user."""
    return dbc.Card(dbc.CardBody([
        html.H2(_("Add a user"), className="h5"),
        _field(ids.USER_NEW_NAME, _("User name"), dbc.Input(id=ids.USER_NEW_NAME, maxLength=100, autoComplete="off")),
        _field(ids.USER_NEW_ROLE, _("Role"), role_select(ids.USER_NEW_ROLE, "staff")),
        area_checklist(ids.USER_NEW_AREAS, _("Areas"), areas),
        dbc.Button(_("Add with a one-time password"), id=ids.USER_ADD, color="primary"),
    ]))


def change_form(users: list[dict], areas: list[dict]) -> dbc.Card:
    """A user to change, their role and areas, and the buttons that change them."""
    return dbc.Card(dbc.CardBody([
        html.H2(_("Change a user"), className="h5"),
        _field(ids.USER_PICK, _("User"), dbc.Select(id=ids.USER_PICK, options=user_options(users),
                                                                 placeholder=_("Choose a user"))),
        html.Div([_field(ids.USER_ROLE, _("Role"), role_select(ids.USER_ROLE, None)),
                  dbc.Button(_("Change role"), id=ids.USER_SAVE_ROLE, color="primary", outline=True, size="sm")],
                 className="mb-2"),
        area_checklist(ids.USER_AREAS, _("Areas"), areas),
        html.Div([
            dbc.Button(_("Change areas"), id=ids.USER_SAVE_AREAS, color="primary", outline=True, size="sm"),
            dbc.Button(_("Set a one-time password"), id=ids.USER_ONE_TIME, color="secondary", size="sm"),
            dcc.ConfirmDialogProvider(dbc.Button(_("Disable"), color="danger", size="sm"), id=ids.USER_DISABLE,
                                      message=_("Disable this user? They can no longer sign in.")),
        ], className="d-flex flex-wrap gap-2"),
    ]))


def role_select(component_id: str, value: str | None) -> dbc.Select:
    """A choice of role, named in the reader's language."""
    return dbc.Select(id=component_id, value=value,
                      options=[{"label": label(term), "value": code} for code, term in ROLES.items()])


def area_checklist(component_id: str, text: str, areas: list[dict]) -> html.Fieldset:
    """A scrolling list of areas to tick, each named with the areas above it."""
    return html.Fieldset([
        html.Legend(text, className="form-label fs-6 mb-0"),
        dbc.Checklist(id=component_id, value=[], className="area-choices border rounded p-2",
                      style={"maxHeight": "12rem", "overflowY": "auto"},
                      options=[{"label": " / ".join(area["path_names"]), "value": area["id"]} for area in areas]),
    ], className="mb-2")


def user_options(users: list[dict]) -> list[dict]:
    """The active users, by name."""
    return [{"label": user["username"], "value": str(user["id"])} for user in users if user["active"]]


def users_table(users: list[dict]) -> dbc.Table:
    """Every user: name, role, areas and whether they may sign in."""
    rows = [html.Tr([html.Td(user["username"]), html.Td(label(ROLES.get(user["role"], user["role"]))),
                     html.Td(_(", ").join(user["areas"]) or _("everywhere")),
                     html.Td(_("active") if user["active"] else _("disabled"))],
                    className="user-row" if user["active"] else "user-row user-disabled", **{"data-user": user["id"]})
            for user in users]
    return dbc.Table([html.Thead(html.Tr([html.Th(_(heading)) for heading in HEADINGS])), html.Tbody(rows)],
                     size="sm", striped=True, className="users")


def one_time_password(username: str, password: str) -> dbc.Alert:
    """A new one-time password, shown only in this answer (only its hash is stored)."""
    return dbc.Alert([
        html.P(_("One-time password of %(name)s. It is shown only now: give it to them. It signs in once; then they "
                 "choose their own password on the Account page.", name=username), className="mb-1"),
        html.Code(password, className="one-time-password fs-4"),
    ], color="success", className="outcome outcome-done", dismissable=True)


def done(text: str) -> dbc.Alert:
    """A change made."""
    return notice("done", text, "success")


def refused(reason: str) -> dbc.Alert:
    """A change refused, and why."""
    return notice("refused", reason, "danger")


def _field(component_id: str, text: str, control) -> html.Div:
    """A labelled control."""
    return html.Div([dbc.Label(text, html_for=component_id, className="mb-0"), control], className="mb-2")
