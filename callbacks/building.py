"""Building page glue: the grid payload, the unit panel, and the clientside drawing."""
from dash import ClientsideFunction, Dash, Input, Output, State
from flask import current_app

from callbacks.parse import parse_day, positive_int
from dashboard import ids
from dashboard.auth import current_account
from dashboard.config import local_today
from dashboard.extensions import engine
from data.db import writing
from data import queries
from data.access import authorize, redact_change, redact_unit
from data.accounts import log_personal_view
from layouts import building, bulk, due_list, edit_form, recent_changes, unit_panel
from layouts.common import message_page
from layouts import grid
from layouts.grid import due_units


def page(building_id=None, unit=None, as_of=None, **query):
    """The building page with its grid payload, the unit panel of `?unit=` if given, and a past view if asked:
    `?as_of=DAY` draws the grid as it was, `?from=DAY&to=DAY` marks the units changed in between."""
    number, account = positive_int(building_id), current_account()
    period = time_view(as_of, query.get("from"), query.get("to"))
    with engine().connect() as conn:
        found = queries.building(conn, number) if number else None
        if found is None or not authorize(account, "view", found):
            return message_page("Building not found", f"There is no building {building_id} that you may see.")
        statuses = queries.statuses(conn)
        selected = positive_int(unit)
        return building.page(
            found, queries.area_trail(conn, found["area_id"]), building_parts(conn, account, found, statuses, period), selected,
            panel_for(conn, account, selected, found, statuses) if selected else unit_panel.empty(),
            bulk.bulk_bar(statuses) if authorize(account, "edit", found) and "as_of" not in period else None, period,
        )


def time_view(as_of, first, last) -> dict:
    """Which past the page shows: {"as_of": day}, {"from": day, "to": day}, or {} for today."""
    as_of, first, last = (parse_day(value) for value in (as_of, first, last))
    if as_of:
        return {"as_of": as_of}
    if first:
        return {"from": first, "to": max(last or first, first)}
    return {}


def building_parts(conn, account, found: dict, statuses: list[dict], period: dict | None = None) -> dict:
    """What changes when a unit changes: the grid payload, the legend, the recent changes and the units due a check;
    for a past view, the grid and legend as they were, or the units changed in the period and those changes."""
    number, can_edit, by_code, period = found["id"], authorize(account, "edit", found), {s["code"]: s for s in statuses}, period or {}
    entrances, floors = queries.building_layout(conn, number)
    units, today = queries.building_units(conn, number), local_today(current_app.config)
    counts = queries.status_counts(conn, [number])[number]
    if "as_of" in period:
        units = grid.as_of(units, queries.statuses_as_of(conn, number, period["as_of"]))
        counts = {code: sum(1 for u in units if u["status"] == code) for code in by_code}
    payload = grid.grid_payload(found, statuses, entrances, floors, units, today)
    between = (period["from"], period["to"]) if "from" in period else None
    if between:
        payload = grid.mark_changed(payload, queries.units_changed_between(conn, number, *between))
    batches = queries.recent_batches(conn, number, limit=100 if between else queries.RECENT_LIMIT, between=between)
    return {
        "payload": payload,
        "legend": building.legend_items(statuses, counts),
        "recent": recent_changes.recent(batches, by_code, can_edit and not period),
        "due": due_list.due_list(due_units(units, statuses, today), by_code, can_edit and not period),
    }


def show_unit(unit_id, building_id):
    """The unit panel for a clicked unit of the building on screen."""
    if unit_id is None:
        return unit_panel.empty()
    unit, building_number, account = positive_int(unit_id), positive_int(building_id), current_account()
    with engine().connect() as conn:
        found = queries.building(conn, building_number) if building_number else None
        if unit is None or found is None or not authorize(account, "view", found):
            return unit_panel.not_found(unit_id)
        return panel_for(conn, account, unit, found, queries.statuses(conn))


def panel_for(conn, account, unit_id: int, building: dict, statuses: list[dict], values=None, errors=None, notice=None,
              seen_version=None):
    """The panel of a unit of this building: the edit form for editors, personal data only for those who need it."""
    unit = queries.unit(conn, unit_id)
    if unit is None or unit["building_id"] != building["id"]:
        return unit_panel.not_found(unit_id)
    history = queries.unit_history(conn, unit_id)
    if authorize(account, "view_personal", building):
        _log_view(account.id, unit_id)
    else:
        unit, history = redact_unit(unit), [redact_change(change) for change in history]
    editor = edit_form.form(unit, statuses, values, errors, seen_version) if authorize(account, "edit", building) else None
    return unit_panel.panel(unit, {status["code"]: status for status in statuses}, history, editor, notice)


def _log_view(user_id: int, unit_id: int) -> None:
    """Record a view of unmasked personal data, in its own write transaction."""
    with writing(engine()) as conn:
        log_personal_view(conn, user_id, unit_id)


def register(app: Dash) -> None:
    """Register the unit panel callback and the clientside grid drawing and highlighting."""
    app.callback(Output(ids.UNIT_PANEL, "children"), Input(ids.SELECTED_UNIT, "data"),
                 State(ids.BUILDING_ID, "data"), prevent_initial_call=True)(show_unit)
    app.clientside_callback(ClientsideFunction("unitGrid", "render"), Output(ids.GRID_SUMMARY, "children"),
                            Input(ids.GRID_DATA, "data"), State(ids.SELECTED_UNIT, "data"), State(ids.SELECTION, "data"),
                            State(ids.GRID_HOST, "id"))
    app.clientside_callback(ClientsideFunction("unitGrid", "bulkBar"), Output(ids.BULK_COUNT, "children"),
                            Output(ids.BULK_BAR, "className"), Input(ids.SELECTION, "data"), prevent_initial_call=True)
    app.clientside_callback(ClientsideFunction("unitGrid", "clearSelection"), Output(ids.SELECTION, "data", allow_duplicate=True),
                            Input(ids.BULK_CLEAR, "n_clicks"), State(ids.GRID_HOST, "id"), prevent_initial_call=True)
    app.clientside_callback(ClientsideFunction("unitGrid", "highlight"), Output(ids.ALL_LEGEND_ITEMS, "className"),
                            Input(ids.ALL_LEGEND_ITEMS, "n_clicks"), State(ids.GRID_HOST, "id"),
                            prevent_initial_call=True)
