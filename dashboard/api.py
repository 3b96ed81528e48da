"""A small read-only JSON API for other systems: an area's counts by status, from the maintained rollups. Every
answer is JSON, errors too: {"error": "..."} with 401 (not signed in), 403, 404 or 405."""
from __future__ import annotations

from flask import Flask, abort, jsonify, request
from werkzeug.exceptions import HTTPException

from callbacks.parse import positive_int
from dashboard.auth import current_account
from dashboard.extensions import reading
from data import queries, summary
from data.access import area_for

PREFIX = "/api/"
NO_AREA = "there is no area {area_id} that you may see"
NO_SUCH_ADDRESS = "there is nothing at this address of the API"


def area_counts(area_id: int):
    """Units, residents and staff by status in an area's whole subtree; 404 for an area the user may not see."""
    with reading() as conn:
        found = area_for(conn, current_account(), positive_int(area_id))
        if found is None:
            abort(404, description=NO_AREA.format(area_id=area_id))
        rows = queries.area_rollups(conn, [area_id])[area_id]
    return jsonify(
        area={"id": found["id"], "name": found["name"], "kind": found["kind"]},
        units=sum(row["units"] for row in rows),
        by_status=summary.by_status(rows),
        residents_by_status=summary.by_status(rows, "residents"),
        staff_by_status=summary.by_status(rows, "staff"),
    )


def not_found(**_path):
    """Any other address under the API's prefix (the app's pages would otherwise answer it with a page)."""
    abort(404, description=NO_SUCH_ADDRESS)


def json_error(error: HTTPException):
    """Errors under the API's prefix as JSON {"error": ...} with their status; elsewhere Flask's own answer."""
    if not request.path.startswith(PREFIX):
        return error.get_response()
    response = jsonify(error=error.description)
    response.headers.extend(header for header in error.get_headers() if header[0] != "Content-Type")
    return response, error.code


def register(server: Flask) -> None:
    """Add the API's routes and its JSON errors to the Flask app."""
    server.add_url_rule(f"{PREFIX}areas/<int:area_id>/counts", "api_area_counts", area_counts)
    server.add_url_rule(f"{PREFIX}<path:_path>", "api_not_found", not_found)
    server.register_error_handler(HTTPException, json_error)
