"""Overview page glue: the buildings in the user's areas with counts, filtered by a search box."""
from dash import ClientsideFunction, Dash, Input, Output

from callbacks import area
from callbacks.parse import search_text
from dashboard import ids
from dashboard.auth import current_account
from dashboard.extensions import reading
from data import queries
from data.access import authorize, scope_paths
from layouts import overview
from layouts.common import not_allowed


def page(q: str = "", buildings: str = "", **_query):
    """The overview page, with the search from `?q=` applied; a leader's home is their top area (not with
    `?buildings=all`)."""
    account = current_account()
    if not authorize(account, "view"):
        return not_allowed()
    if account.role == "leader" and not q and buildings != "all":
        return area.top_page()
    search = search_text(q)
    statuses, found, counts = _buildings(search, scope_paths(account))
    return overview.page(statuses, found, counts, search, queries.OVERVIEW_LIMIT)


def filter_buildings(search):
    """The building list for a search text."""
    account = current_account()
    if not authorize(account, "view"):
        return not_allowed()
    statuses, buildings, counts = _buildings(search_text(search), scope_paths(account))
    return overview.building_groups(statuses, buildings, counts, queries.OVERVIEW_LIMIT)


def _buildings(search: str, scope) -> tuple[list[dict], list[dict], dict]:
    """Statuses, matching buildings in scope and their maintained counts."""
    with reading() as conn:
        buildings = queries.building_list(conn, search, scope=scope)
        return queries.statuses(conn), buildings, queries.status_counts(conn, [b["id"] for b in buildings])


def register(app: Dash) -> None:
    """Register the search callback, and the clientside one that keeps the search in the URL."""
    app.callback(Output(ids.OVERVIEW_LIST, "children"), Input(ids.OVERVIEW_SEARCH, "value"),
                 prevent_initial_call=True)(filter_buildings)
    app.clientside_callback(ClientsideFunction("overview", "syncSearch"), Input(ids.OVERVIEW_SEARCH, "value"),
                            prevent_initial_call=True)
