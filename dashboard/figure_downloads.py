"""Files to download: an area's figures for leaders (.xlsx or CSV) in the reader's language, personal data per role."""
from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from babel.support import Translations
from flask import Flask, Response, abort, current_app, request

from callbacks.area import DEFAULT_WAIT_DAYS, MAX_WAIT_DAYS
from callbacks.parse import BadAddress, positive_int, url_count
from dashboard.auth import current_account
from dashboard.config import local_today
from dashboard.downloads import MEDIA_TYPES
from dashboard.extensions import reading, writing
from dashboard.i18n import _, language, translated
from dashboard.language import TRANSLATIONS
from data.access import area_for, authorize
from data.accounts import Account
from data.figures_export import FORMATS, figures, file_name, written


def area_figures(area_id: int, extension: str):
    """An area's figures file; 404 for an area the user may not see, as its page answers; 400 for a bad `?days=`."""
    account, shown_in = current_account(), language()
    try:
        days = url_count(request.args.get("days"), "days", DEFAULT_WAIT_DAYS, MAX_WAIT_DAYS)
    except BadAddress as bad:
        return Response(translated(bad.args[0]), status=400, content_type="text/plain; charset=utf-8")
    with _transaction(account) as conn:
        found = area_for(conn, account, positive_int(area_id))
        if found is None:
            abort(404)
        tables = figures(conn, account, found["id"], shown_in, current_app.config["TIMEZONE"], days)
    body = written(tables, extension, _)
    name = file_name(found["name"], local_today(current_app.config), extension, _)
    return Response(body, content_type=MEDIA_TYPES[extension],
                    headers={"Content-Disposition": attachment(name, found["id"], extension)})


def _transaction(account: Account | None):
    """A write transaction when the figures will log views of personal data, else a read."""
    return writing() if authorize(account, "view_personal") else reading()


def attachment(name: str, area_id: int, extension: str) -> str:
    """A Content-Disposition that saves the file under its name: an ASCII name for old clients, the real one in
    RFC 5987 form."""
    return f"attachment; filename=\"area-{area_id}-figures.{extension}\"; filename*=UTF-8''{quote(name, safe='')}"


def catalog(language_code: str) -> Callable[[str], str]:
    """The catalog's gettext for a language outside any request (the command line): English as it is."""
    return Translations.load(str(TRANSLATIONS), [language_code]).gettext


def register(server: Flask) -> None:
    """Add the figures' download routes to the Flask app."""
    server.add_url_rule(f"/area/<int:area_id>/figures.<any({', '.join(FORMATS)}):extension>", "area_figures",
                        area_figures)
