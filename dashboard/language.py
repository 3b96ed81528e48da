"""Which language a request is answered in, and the switch that changes it: the signed-in user's choice, kept in
their account; else the language cookie (set by the switch for anyone); else the browser's; else Chinese."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, redirect, request
from flask_babel import Babel
from sqlalchemy.exc import DBAPIError

from dashboard.auth import current_account, safe_next
from dashboard.extensions import writing
from dashboard.i18n import DEFAULT_LANGUAGE, _
from data.accounts import LANGUAGES, set_language

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"
COOKIE = "language"
COOKIE_DAYS = 365
# Accept-Language tags as browsers send them, and the language each one means.
BROWSER_TAGS = {"zh-CN": "zh_CN", "zh": "zh_CN", "en": "en"}


def init_language(server: Flask) -> None:
    """Attach Flask-Babel with the language and time zone choices, and the switch's route."""
    server.config.update(BABEL_DEFAULT_LOCALE=DEFAULT_LANGUAGE, BABEL_DEFAULT_TIMEZONE=server.config["TIMEZONE"])
    Babel(server, locale_selector=chosen_language, default_translation_directories=str(TRANSLATIONS))
    server.add_url_rule("/language", "language", switch_language, methods=["POST"])


def chosen_language() -> str:
    """The language this request is answered in."""
    chosen = _account_language()
    if chosen in LANGUAGES:
        return chosen
    if request.cookies.get(COOKIE) in LANGUAGES:
        return request.cookies[COOKIE]
    return BROWSER_TAGS.get(request.accept_languages.best_match(BROWSER_TAGS), DEFAULT_LANGUAGE)


def _account_language() -> str | None:
    """The signed-in user's chosen language, if any."""
    try:
        account = current_account()
    except DBAPIError:  # the database is down: the page that says so still needs a language
        return None
    return account.language if account else None


def switch_language():
    """Answer the top bar's switch: keep the choice (in the account when signed in) and go back to the page."""
    choice = request.form.get("language")
    if choice not in LANGUAGES:
        return _("Unknown language."), 400
    account = current_account()
    if account is not None:
        with writing() as conn:
            set_language(conn, account.id, choice)
    response = redirect(_back(request.form.get("next") or request.referrer or "/"))
    response.set_cookie(COOKIE, choice, max_age=COOKIE_DAYS * 86400, samesite="Lax", httponly=True)
    return response


def _back(address: str) -> str:
    """The page the switch was pressed on (its path and query, never another site)."""
    parts = urlsplit(address)
    return safe_next(f"{parts.path}?{parts.query}" if parts.query else parts.path or "/")
