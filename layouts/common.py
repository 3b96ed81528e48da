"""Pieces shared by every page: the shell, status chips, bars and small formatting helpers."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import ids
from dashboard.i18n import LANGUAGES, _, label, language, number, text_code
from data.access import authorize
from data.colours import ink, safe_colour
from data.vocabulary import ROLES


def shell(content, account) -> html.Div:
    """The app frame: a navbar with the language switch and the signed-in user over the page content."""
    links = [dbc.NavItem(dcc.Link(_("Buildings"), href="/?buildings=all", className="nav-link")),
             dbc.NavItem(dcc.Link(_("Areas"), href="/areas", className="nav-link"))]
    if authorize(account, "edit"):
        links.append(dbc.NavItem(dcc.Link(_("Import a ledger"), href="/import", className="nav-link",
                                          id=ids.NAV_IMPORT)))
    if account is not None and account.role == "admin":
        links.append(_admin_menu())
    if account is not None:
        links.append(dbc.NavItem(dcc.Link(_("Account"), href="/account", className="nav-link", id=ids.NAV_ACCOUNT)))
    navbar = dbc.Navbar(
        dbc.Container([
            dcc.Link(_("Building status"), href="/", className="navbar-brand"),
            dbc.Nav(links, navbar=True, className="me-auto"),
            html.Div([language_switch(), _user_menu(account) if account else None], className="d-flex gap-2"),
        ], fluid=True),
        id=ids.NAVBAR, color="dark", dark=True, className="mb-3 d-print-none",
    )
    problem = dbc.Alert(id=ids.DATABASE_PROBLEM, is_open=False, color="danger", dismissable=True,
                        className="database-problem mx-3")
    return html.Div([navbar, problem, dbc.Container(content, fluid=True, className="pb-4")])


def _admin_menu() -> dbc.DropdownMenu:
    """The administrators' pages, in one menu so that the bar stays short on a phone."""
    pages = [(_("Areas of the tree"), "/admin/areas", ids.NAV_AREAS),
             (_("New building"), "/admin/buildings/new", ids.NAV_NEW_BUILDING),
             (_("Users"), "/admin/users", ids.NAV_USERS), (_("Statuses"), "/admin/statuses", ids.NAV_STATUSES),
             (_("Access log"), "/admin/access-log", ids.NAV_ACCESS_LOG)]
    return dbc.DropdownMenu([dbc.DropdownMenuItem(text, href=href, id=item) for text, href, item in pages],
                            label=_("Administration"), nav=True, in_navbar=True, id=ids.NAV_ADMIN)


def language_switch() -> html.Form:
    """A button to the other language, named in that language (a POST: it is remembered for a signed-in user)."""
    other = next(code for code in LANGUAGES if code != language())
    return html.Form(
        html.Button(LANGUAGES[other], type="submit", name="language", value=other, lang=other.replace("_", "-"),
                    id=ids.LANGUAGE_SWITCH, className="btn btn-outline-light btn-sm"),
        action="/language", method="post", className="d-flex align-items-center",
    )


def _user_menu(account) -> html.Form:
    """Who is signed in, and a sign-out button (a POST, so that a link cannot sign anyone out)."""
    return html.Form([
        html.Span([html.B(account.username), f" · {label(ROLES.get(account.role, account.role))}"],
                  className="navbar-text me-2"),
        html.Button(_("Sign out"), type="submit", className="btn btn-outline-light btn-sm"),
    ], action="/logout", method="post", className="d-flex align-items-center")


def status_label(status: dict) -> str:
    """A status's label in the reader's language."""
    return label(status)


def status_chip(status: dict, text: str | None = None) -> html.Span:
    """A small coloured chip with the status's text code, so colour is never the only signal."""
    return html.Span(
        [html.B(text_code(status), className="me-1"), text or status_label(status)],
        className=f"status-chip pat-{status['pattern']}",
        style={"backgroundColor": safe_colour(status["color"]), "color": ink(status["color"])},
    )


def status_bar(statuses: list[dict], counts: dict[str, int]) -> html.Div:
    """A compact stacked bar of counts by status, with a text summary for screen readers and print."""
    total = sum(counts.values()) or 1
    segments = [
        html.Div(className=f"status-bar-part pat-{s['pattern']}", title=f"{label(s)}: {counts[s['code']]}",
                 style={"width": f"{100 * counts[s['code']] / total:.2f}%", "backgroundColor": safe_colour(s["color"])})
        for s in statuses if counts.get(s["code"])
    ]
    return html.Div(segments, className="status-bar", role="img", **{"aria-label": counts_text(statuses, counts)})


def counts_text(statuses: list[dict], counts: dict[str, int]) -> str:
    """Counts as text: '健 55 · 隔 3 · ? 1' (H, Q in English)."""
    return " · ".join(f"{text_code(s)} {number(counts[s['code']])}" for s in statuses if counts.get(s["code"]))


def message_page(title: str, text: str) -> html.Div:
    """A page that only says something (not found, bad link)."""
    return html.Div([html.H1(title, className="h3"), html.P(text), dcc.Link(_("Back to all buildings"), href="/")])


def not_allowed() -> html.Div:
    """A page or panel for a user whose role does not allow it."""
    return message_page(_("Not allowed"), _("Your account may not see this page."))
