"""What a user sees when the database cannot be reached (or stays locked): a message where they look, nothing
half-done, and the session kept; a bug answered in words rather than a bare 500; and callback requests that are no
callback requests at all, refused."""
from __future__ import annotations

import logging

from flask import Flask, jsonify, request
from markupsafe import escape
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import InternalServerError

from dashboard import ids
from dashboard.i18n import _, html_lang
from data.i18n import N_

log = logging.getLogger(__name__)
CALLBACK_PATH = "/_dash-update-component"
UNREACHABLE = N_("The database cannot be reached or is busy: nothing was saved. Try again in a moment.")
UNEXPECTED = N_("Something went wrong on the server. Reload the page; if it happens again, tell your administrator.")
NOT_A_CALLBACK = "not a callback request"
# Dash's page router reads the address from this component; it fails on anything but text.
PAGE_LOCATION = "_pages_location"
PAGE = ("<!doctype html><html lang='{lang}'><head><meta charset='utf-8'><title>{status}</title><link rel='stylesheet' "
        "href='/assets/bootstrap.min.css'></head><body class='container py-5'><main><div class='alert alert-danger' "
        "role='alert' id='{id}'>{message}</div><a href=''>{reload}</a></main></body></html>")


def is_outage(error: Exception) -> bool:
    """A failure to reach the database (or to get its lock in time), as opposed to a bug."""
    return isinstance(error, OperationalError) or (isinstance(error, DBAPIError) and error.connection_invalidated)


def outage_answer(error: Exception):
    """The answer to any request the database failed under: a message in the app for callbacks, 503 elsewhere."""
    if not is_outage(error):
        raise error
    log.warning("database unreachable: %s", error.__class__.__name__)
    return _answer(UNREACHABLE, 503)


def unexpected_answer(error):
    """The answer to a bug: logged, and a message in the reader's language rather than a bare 500."""
    log.error("unexpected error", exc_info=getattr(error, "original_exception", error))
    return _answer(UNEXPECTED, 500)


def _answer(message: str, status: int):
    """A message in the app's banner for callbacks (the page stays as it was), JSON for the API, a page elsewhere."""
    if request.path == CALLBACK_PATH:
        return jsonify(multi=True, response={}, sideUpdate=problem_props(_(message)))
    if request.path.startswith("/api/"):
        return jsonify(error=message), status
    page = PAGE.format(lang=html_lang(), status=status, id=ids.DATABASE_PROBLEM, message=escape(_(message)),
                       reload=escape(_("Reload")))
    return page, status, {"Content-Type": "text/html; charset=utf-8"}


def problem_props(message: str) -> dict:
    """The side update that opens the app's problem banner with a message."""
    return {ids.DATABASE_PROBLEM: {"children": message, "is_open": True}}


def malformed_callback():
    """400 for a POST to the callback endpoint whose body is not a callback request (Dash would answer 500)."""
    if request.method != "POST" or request.path != CALLBACK_PATH:
        return None
    body = request.get_json(silent=True)
    return None if _is_callback_request(body) else (jsonify(error=NOT_A_CALLBACK), 400)


def _is_callback_request(body) -> bool:
    """A JSON object shaped as dash-renderer sends it, whose page address (for Dash's own page router) is text."""
    shaped = isinstance(body, dict) and isinstance(body.get("output"), str) and isinstance(body.get("inputs"), list) \
        and isinstance(body.get("outputs"), (dict, list)) and isinstance(body.get("state", []), list) \
        and isinstance(body.get("changedPropIds", []), list)
    items = [item for group in (body["inputs"], body.get("state", [])) for item in group] if shaped else []
    return shaped and all(_is_item(item) for item in items) and all(
        _is_address_part(item) for item in items if isinstance(item, dict) and item.get("id") == PAGE_LOCATION)


def _is_address_part(item: dict) -> bool:
    """A path that starts with a slash, or a query string (or none)."""
    value = item.get("value")
    if item["property"] == "pathname":
        return isinstance(value, str) and value.startswith("/")
    return value is None or isinstance(value, str)


def _is_item(item) -> bool:
    """One input or state: {id, property, value}, or a list of them for a pattern-matching id."""
    if isinstance(item, list):
        return all(_is_item(one) for one in item if not isinstance(one, list))
    return isinstance(item, dict) and "id" in item and isinstance(item.get("property"), str)


def init_outage(server: Flask) -> None:
    """Answer database outages everywhere, and refuse malformed callback bodies before Dash sees them."""
    server.register_error_handler(DBAPIError, outage_answer)
    server.register_error_handler(InternalServerError, unexpected_answer)
