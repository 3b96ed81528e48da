"""A small read-only JSON API for other systems: an area's counts by status, from the maintained rollups."""
from __future__ import annotations

from flask import Flask, abort, jsonify

from dashboard.auth import current_account
from dashboard.extensions import engine
from data import queries, summary
from data.access import authorize

PREFIX = "/api/"


def area_counts(area_id: int):
    """Units and people by status in an area's whole subtree; 404 for an area the user may not see."""
    with engine().connect() as conn:
        found = queries.area(conn, area_id)
        if found is None or not authorize(current_account(), "view", {"area_path": found["path"]}):
            abort(404)
        rows = queries.area_rollups(conn, [area_id])[area_id]
    return jsonify(area={"id": found["id"], "name": found["name"], "kind": found["kind"]},
                   units=sum(row["units"] for row in rows), by_status=summary.by_status(rows),
                   people_by_status=summary.by_status(rows, "people"))


def register(server: Flask) -> None:
    """Add the API's routes to the Flask app."""
    server.add_url_rule(f"{PREFIX}areas/<int:area_id>/counts", "api_area_counts", area_counts)
