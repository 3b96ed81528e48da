"""Overview page glue: buildings with counts, filtered by a search box."""
from dash import Dash, Input, Output

from dashboard import ids
from dashboard.extensions import engine
from data import queries
from layouts import overview


def page(q: str = "", **_query):
    """The overview page, with the search from `?q=` applied."""
    statuses, buildings, counts = _buildings(q)
    return overview.page(statuses, buildings, counts, q, queries.OVERVIEW_LIMIT)


def filter_buildings(search: str | None):
    """The building list for a search text."""
    statuses, buildings, counts = _buildings(search or "")
    return overview.building_groups(statuses, buildings, counts, queries.OVERVIEW_LIMIT)


def _buildings(search: str) -> tuple[list[dict], list[dict], dict]:
    """Statuses, matching buildings and their maintained counts."""
    with engine().connect() as conn:
        buildings = queries.building_list(conn, str(search)[:100])
        return queries.statuses(conn), buildings, queries.status_counts(conn, [b["id"] for b in buildings])


def register(app: Dash) -> None:
    """Register the search callback."""
    app.callback(Output(ids.OVERVIEW_LIST, "children"), Input(ids.OVERVIEW_SEARCH, "value"),
                 prevent_initial_call=True)(filter_buildings)
