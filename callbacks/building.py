"""Building page glue: the grid payload, the unit panel, and the clientside drawing."""
from dash import ClientsideFunction, Dash, Input, Output, State

from callbacks.parse import positive_int
from dashboard import ids
from dashboard.extensions import engine
from data import queries
from layouts import building, unit_panel
from layouts.common import message_page
from layouts.grid import grid_payload


def page(building_id=None, unit=None, **_query):
    """The building page with its grid payload, and the unit panel of `?unit=` if given."""
    number = positive_int(building_id)
    with engine().connect() as conn:
        found = queries.building(conn, number) if number else None
        if found is None:
            return message_page("Building not found", f"There is no building {building_id}.")
        statuses = queries.statuses(conn)
        entrances, floors = queries.building_layout(conn, number)
        payload = grid_payload(found, statuses, entrances, floors, queries.building_units(conn, number))
        selected = positive_int(unit)
        return building.page(
            found, queries.area_trail(conn, found["area_id"]), statuses,
            queries.status_counts(conn, [number])[number], payload, selected,
            _panel(conn, selected, number, statuses) if selected else unit_panel.empty(),
        )


def show_unit(unit_id, building_id):
    """The unit panel for a clicked unit of the building on screen."""
    if unit_id is None:
        return unit_panel.empty()
    unit, building_number = positive_int(unit_id), positive_int(building_id)
    if unit is None or building_number is None:
        return unit_panel.not_found(unit_id)
    with engine().connect() as conn:
        return _panel(conn, unit, building_number, queries.statuses(conn))


def _panel(conn, unit_id: int, building_id: int, statuses: list[dict]):
    """The panel of a unit, or 'not found' when it is not in this building."""
    unit = queries.unit(conn, unit_id)
    if unit is None or unit["building_id"] != building_id:
        return unit_panel.not_found(unit_id)
    by_code = {status["code"]: status for status in statuses}
    return unit_panel.panel(unit, by_code, queries.unit_history(conn, unit_id))


def register(app: Dash) -> None:
    """Register the unit panel callback and the clientside grid drawing and highlighting."""
    app.callback(Output(ids.UNIT_PANEL, "children"), Input(ids.SELECTED_UNIT, "data"),
                 State(ids.BUILDING_ID, "data"), prevent_initial_call=True)(show_unit)
    app.clientside_callback(ClientsideFunction("unitGrid", "render"), Output(ids.GRID_SUMMARY, "children"),
                            Input(ids.GRID_DATA, "data"), State(ids.SELECTED_UNIT, "data"), State(ids.GRID_HOST, "id"))
    app.clientside_callback(ClientsideFunction("unitGrid", "highlight"), Output(ids.ALL_LEGEND_ITEMS, "className"),
                            Input(ids.ALL_LEGEND_ITEMS, "n_clicks"), State(ids.GRID_HOST, "id"),
                            prevent_initial_call=True)
