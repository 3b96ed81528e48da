"""Area page glue: figures from maintained rollups, the breakdown, and drill-down."""
from dash import ClientsideFunction, Dash, Input
from flask import current_app

from callbacks.parse import positive_int
from dashboard import ids
from dashboard.auth import current_account
from dashboard.config import local_today
from dashboard.extensions import engine
from data import queries, summary
from data.access import authorize, scope_paths
from layouts import area as layout
from layouts import exceptions
from layouts.common import message_page, not_allowed


DEFAULT_WAIT_DAYS = 7


def page(area_id=None, days=None, **_query):
    """The page of one area of the user's scope; `?days=` sets how long 'unverified' may wait."""
    account, number = current_account(), positive_int(area_id)
    with engine().connect() as conn:
        found = queries.area(conn, number) if number else None
        if found is None or not authorize(account, "view", {"area_path": found["path"]}):
            return message_page("Area not found", f"There is no area {area_id} that you may see.")
        return area_page(conn, account, found, positive_int(days) or DEFAULT_WAIT_DAYS)


def top_page(days=None, **_query):
    """The page of the highest area the user covers (a leader's home)."""
    account = current_account()
    if not authorize(account, "view"):
        return not_allowed()
    with engine().connect() as conn:
        found = queries.top_area(conn, scope_paths(account))
        if found is None:
            return message_page("No area", "Your account covers no area yet.")
        return area_page(conn, account, found, positive_int(days) or DEFAULT_WAIT_DAYS)


def area_page(conn, account, found: dict, waited_days: int = DEFAULT_WAIT_DAYS):
    """Figures, exceptions, child areas and buildings of an area; the figures come from maintained counts."""
    statuses, children = queries.statuses(conn), queries.child_areas(conn, found["id"])
    rollups = queries.area_rollups(conn, [found["id"]] + [child["id"] for child in children])
    buildings = queries.building_list(conn, scope=(found["path"],))
    ancestors = [int(part) for part in found["path"].strip("/").split("/")]
    visible = {a for i, a in enumerate(ancestors)
               if authorize(account, "view", {"area_path": "/" + "/".join(map(str, ancestors[: i + 1])) + "/"})}
    return layout.page(
        found, queries.area_trail(conn, found["id"]), visible, statuses, summary.kpis(rollups[found["id"]], statuses),
        children, {child["id"]: summary.by_status(rollups[child["id"]]) for child in children},
        buildings, queries.status_counts(conn, [b["id"] for b in buildings]), queries.OVERVIEW_LIMIT,
        exceptions.exceptions(queries.area_exceptions(conn, found["path"], local_today(current_app.config), waited_days),
                              waited_days, queries.EXCEPTION_LIMIT),
    )


def register(app: Dash) -> None:
    """A click on a bar of the breakdown opens that area."""
    app.clientside_callback(ClientsideFunction("overview", "openArea"), Input(ids.AREA_CHART, "clickData"),
                            prevent_initial_call=True)
