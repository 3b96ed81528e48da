"""Pieces shared by every page: the shell, status chips, bars and small formatting helpers."""
from __future__ import annotations

import datetime as dt
import re

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import ids
from data.vocabulary import ROLES, label


def shell(content, account) -> html.Div:
    """The app frame: a navbar with the signed-in user over the page content."""
    links = [dbc.NavItem(dcc.Link("Buildings", href="/?buildings=all", className="nav-link")),
             dbc.NavItem(dcc.Link("Areas", href="/areas", className="nav-link"))]
    if account is not None and account.role == "admin":
        links.append(dbc.NavItem(dcc.Link("Access log", href="/admin/access-log", className="nav-link")))
    navbar = dbc.Navbar(
        dbc.Container([
            dcc.Link("楼盘图 · Building status", href="/", className="navbar-brand"),
            dbc.Nav(links, navbar=True, className="me-auto"),
            _user_menu(account) if account else None,
        ], fluid=True),
        id=ids.NAVBAR, color="dark", dark=True, className="mb-3 d-print-none",
    )
    problem = dbc.Alert(id=ids.DATABASE_PROBLEM, is_open=False, color="danger", dismissable=True,
                        className="database-problem mx-3")
    return html.Div([navbar, problem, dbc.Container(content, fluid=True, className="pb-4")])


def _user_menu(account) -> html.Form:
    """Who is signed in, and a sign-out button (a POST, so that a link cannot sign anyone out)."""
    return html.Form([
        html.Span([html.B(account.username), f" · {label(ROLES, account.role)}"], className="navbar-text me-2"),
        html.Button("Sign out", type="submit", className="btn btn-outline-light btn-sm"),
    ], action="/logout", method="post", className="d-flex align-items-center")


DARK_INK, LIGHT_INK, UNKNOWN_COLOUR = "#212121", "#FFFFFF", "#BDBDBD"
HEX_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")


def safe_colour(color) -> str:
    """A catalogue colour if it is #RRGGBB, else a neutral grey (bad data must not break a page)."""
    return color if isinstance(color, str) and HEX_COLOUR.match(color) else UNKNOWN_COLOUR


def ink(color: str) -> str:
    """Dark or white text, whichever has the higher WCAG contrast on a background colour."""
    return max((DARK_INK, LIGHT_INK), key=lambda text: contrast_ratio(text, safe_colour(color)))


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2 contrast ratio of two colours, from 1 to 21."""
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _luminance(color: str) -> float:
    """WCAG relative luminance of a #RRGGBB colour."""
    channels = [int(color.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    red, green, blue = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def status_label(status: dict) -> str:
    """A status's label in both languages."""
    return f"{status['label_en']} · {status['label_zh']}"


def status_chip(status: dict, text: str | None = None) -> html.Span:
    """A small coloured chip with the status's text code, so colour is never the only signal."""
    return html.Span(
        [html.B(status["text_code"], className="me-1"), text or status_label(status)],
        className=f"status-chip pat-{status['pattern']}",
        style={"backgroundColor": safe_colour(status["color"]), "color": ink(status["color"])},
    )


def status_bar(statuses: list[dict], counts: dict[str, int]) -> html.Div:
    """A compact stacked bar of counts by status, with a text summary for screen readers and print."""
    total = sum(counts.values()) or 1
    segments = [
        html.Div(className=f"status-bar-part pat-{s['pattern']}", title=f"{s['label_en']}: {counts[s['code']]}",
                 style={"width": f"{100 * counts[s['code']] / total:.2f}%", "backgroundColor": safe_colour(s["color"])})
        for s in statuses if counts.get(s["code"])
    ]
    return html.Div(segments, className="status-bar", role="img", **{"aria-label": counts_text(statuses, counts)})


def counts_text(statuses: list[dict], counts: dict[str, int]) -> str:
    """Counts as text: 'H 55 · Q 3 · ? 1'."""
    return " · ".join(f"{s['text_code']} {counts[s['code']]}" for s in statuses if counts.get(s["code"]))


def when(value: dt.datetime | dt.date | None) -> str:
    """A date or time as people here write it, or a dash."""
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def message_page(title: str, text: str) -> html.Div:
    """A page that only says something (not found, bad link)."""
    return html.Div([html.H1(title, className="h3"), html.P(text), dcc.Link("Back to all buildings", href="/")])


def not_allowed() -> html.Div:
    """A page or panel for a user whose role does not allow it."""
    return message_page("Not allowed", "Your account may not see this page.")
