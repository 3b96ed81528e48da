"""Files to download: an area's ledger (台账) as .xlsx or CSV, in the reader's language, personal data per role."""
from __future__ import annotations

from urllib.parse import quote

from flask import Flask, Response, abort, current_app

from callbacks.parse import positive_int
from dashboard.auth import current_account
from dashboard.config import local_today
from dashboard.extensions import reading, writing
from dashboard.i18n import language, shown
from data.access import area_for, authorize
from data.accounts import Account
from data.i18n import Text
from data.ledger_export import FORMATS, file_name, ledger_rows, written

MEDIA_TYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
               "csv": "text/csv; charset=utf-8"}


def area_ledger(area_id: int, extension: str):
    """An area's ledger file; 404 for an area the user may not see, as its page answers."""
    account, shown_in = current_account(), language()
    with _transaction(account) as conn:
        found = area_for(conn, account, positive_int(area_id))
        if found is None:
            abort(404)
        title_rows, header, rows = ledger_rows(conn, account, found["id"], shown_in, current_app.config["TIMEZONE"])
    body = written((title_rows, header, _in_language(rows)), extension)
    name = file_name(found["name"], shown_in, local_today(current_app.config), extension)
    return Response(body, content_type=MEDIA_TYPES[extension],
                    headers={"Content-Disposition": attachment(name, found["id"], extension)})


def _in_language(rows: list[list]) -> list[list]:
    """Rows with the data layer's messages (a hidden name) in the reader's language, each message translated once."""
    messages = {cell for row in rows for cell in row if isinstance(cell, Text)}
    translated = {message: shown(message) for message in messages}
    return [[translated[cell] if isinstance(cell, Text) else cell for cell in row] for row in rows]


def _transaction(account: Account | None):
    """A write transaction when the export will log views of personal data, else a read."""
    return writing() if authorize(account, "view_personal") else reading()


def attachment(name: str, area_id: int, extension: str) -> str:
    """A Content-Disposition that saves the file under its name: an ASCII name for old clients, the real one in
    RFC 5987 form."""
    return f"attachment; filename=\"area-{area_id}-ledger.{extension}\"; filename*=UTF-8''{quote(name, safe='')}"


def register(server: Flask) -> None:
    """Add the download routes to the Flask app."""
    server.add_url_rule(f"/area/<int:area_id>/ledger.<any({', '.join(FORMATS)}):extension>", "area_ledger",
                        area_ledger)
