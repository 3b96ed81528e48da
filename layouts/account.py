"""The account page: who is signed in, and changing one's own password."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from dashboard import ids
from dashboard.i18n import _, label
from data.accounts import MIN_PASSWORD_LENGTH
from data.i18n import N_
from data.vocabulary import ROLES
from layouts.outcomes import notice

TITLE = N_("Account")


def page(account) -> html.Div:
    """The signed-in user's name and role, and the password form."""
    return html.Div([
        html.H1(_(TITLE), className="h3"),
        html.P([html.B(account.username), " · ", label(ROLES.get(account.role, account.role))]),
        dbc.Card(dbc.CardBody([
            html.H2(_("Change your password"), className="h5"),
            html.P(_("At least %(count)s characters. Every session of yours ends: you sign in again with the new "
                     "password.", count=MIN_PASSWORD_LENGTH), className="text-muted small"),
            _password(ids.ACCOUNT_CURRENT, _("Current password"), "current-password"),
            _password(ids.ACCOUNT_NEW, _("New password"), "new-password"),
            _password(ids.ACCOUNT_AGAIN, _("New password again"), "new-password"),
            html.Div(id=ids.ACCOUNT_MESSAGE, role="status"),
            dbc.Button(_("Change password"), id=ids.ACCOUNT_SAVE, color="primary"),
        ]), style={"maxWidth": "32rem"}),
    ])


def changed() -> dbc.Alert:
    """The password changed; the sessions ended, so the next step is signing in again."""
    return dbc.Alert([_("Your password is changed and your sessions have ended."), " ",
                      html.A(_("Sign in again"), href="/login", className="alert-link")],
                     color="success", className="small py-2 outcome outcome-done")


def refused(reason: str) -> dbc.Alert:
    """The password did not change, and why."""
    return notice("refused", reason, "danger")


def _password(component_id: str, text: str, autocomplete: str) -> html.Div:
    """A labelled password field."""
    return html.Div([dbc.Label(text, html_for=component_id, className="mb-0"),
                     dbc.Input(id=component_id, type="password", autoComplete=autocomplete, maxLength=1000)],
                    className="mb-2")
