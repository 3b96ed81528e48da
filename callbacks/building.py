"""Building page glue: the grid payload, the unit panel, and the clientside drawing."""
from dash import ClientsideFunction, Dash, Input, Output, State
from flask import current_app

from callbacks.parse import BadAddress, positive_int, url_day, url_period
from dashboard import ids
from dashboard.auth import current_account
from dashboard.config import local_today
from dashboard.extensions import reading, writing
from dashboard.i18n import _, translated
from data import queries
from data.access import authorize, building_for, redact_batch, redact_change, redact_unit, visible_ancestors
from data.accounts import log_personal_view
from data.quarantine import ended_units
from data.validation import Catalogues
from layouts import building, bulk, due_list, edit_form, grid, recent_changes, unit_panel
from layouts.common import message_page

PERIOD_LIMIT = 100


def page(building_id=None, unit=None, as_of=None, **query):
    """The building page with its grid payload, the unit panel of `?unit=` if given, and a past view if asked:
    `?as_of=DAY` draws the grid as it was, `?from=DAY&to=DAY` marks the units changed in between. An address that
    asks for an impossible past gets today's page and says why."""
    number, account = positive_int(building_id), current_account()
    try:
        period, refusal = time_view(as_of, query.get("from"), query.get("to")), None
    except BadAddress as bad:
        period, refusal = {}, translated(bad.args[0])
    with reading() as conn:
        found = building_for(conn, account, number)
        if found is None:
            return message_page(_("Building not found"),
                                _("There is no building %(number)s that you may see.", number=building_id))
        statuses = queries.statuses(conn)
        selected = positive_int(unit)
        return building.page(
            found,
            queries.area_trail(conn, found["area_id"]),
            building_parts(conn, account, found, statuses, period),
            selected,
            panel_for(conn, account, selected, found, statuses) if selected else unit_panel.empty(),
            bulk.bulk_bar(statuses) if authorize(account, "edit", found) and "as_of" not in period else None,
            period,
            visible_ancestors(account, found["area_path"]),
            refusal,
            admin=authorize(account, "admin"),
        )


def time_view(as_of, first, last) -> dict:
    """Which past the page shows: {"as_of": day} (not after today), {"from": day, "to": day}, or {} for today;
    BadAddress when the address asks for a day or period that cannot be shown."""
    day = url_day(as_of, "as_of", local_today(current_app.config))
    if day:
        return {"as_of": day}
    period = url_period(first, last, local_today(current_app.config))
    return {"from": period[0], "to": period[1]} if period else {}


def building_parts(conn, account, found: dict, statuses: list[dict], period: dict | None = None) -> dict:
    """What changes when a unit changes: the grid payload, the legend, the recent changes and the units due a check;
    for a past view, the grid and legend as they were and that day's changes, or the units changed in the period and
    those changes."""
    number, can_edit, period = found["id"], authorize(account, "edit", found), period or {}
    entrances, floors = queries.building_layout(conn, number)
    units, uses, today = queries.building_units(conn, number), queries.unit_uses(conn), local_today(current_app.config)
    catalogues = Catalogues.of(statuses, uses)
    counts = queries.status_counts(conn, [number])[number]
    if "as_of" in period:
        then = queries.statuses_as_of(conn, number, period["as_of"], current_app.config["TIMEZONE"])
        units = queries.units_as_of(units, then)
        counts = {code: sum(1 for u in units if u["status"] == code) for code in catalogues.statuses}
    payload = grid.grid_payload(found, statuses, uses, entrances, floors, units, today)
    if "from" in period:
        payload = grid.mark_changed(payload, queries.units_changed_between(
            conn, number, period["from"], period["to"], current_app.config["TIMEZONE"]))
    names = {entrance["id"]: entrance["name"] for entrance in entrances}
    due = [{**unit, "entrance_name": names[unit["entrance_id"]]} for unit in ended_units(units, statuses, today)]
    return {
        "payload": payload,
        "legend": building.legend_items(statuses, counts),
        "recent": recent_changes.recent(_batches(conn, number, period), catalogues, can_edit and not period,
                                        bool(period)),
        "due": due_list.due_list(due, catalogues.statuses, can_edit and not period),
    }


def _batches(conn, building_id: int, period: dict) -> list[dict]:
    """The batches the list under the grid shows: the latest, those of a past view's day, or those of a period."""
    days = (period["from"], period["to"]) if "from" in period else None
    if "as_of" in period:
        days = (period["as_of"], period["as_of"])
    batches = queries.recent_batches(
        conn, building_id, limit=PERIOD_LIMIT if days else queries.RECENT_LIMIT, between=days,
        timezone=current_app.config["TIMEZONE"],
    )
    # Personal data hidden whoever looks: the list shows many units at once and is not a logged view (the panel is).
    return [redact_batch(batch) for batch in batches]


def show_unit(unit_id, building_id):
    """The unit panel for a clicked unit of the building on screen."""
    if unit_id is None:
        return unit_panel.empty()
    unit, building_number, account = positive_int(unit_id), positive_int(building_id), current_account()
    with reading() as conn:
        found = building_for(conn, account, building_number)
        if unit is None or found is None:
            return unit_panel.not_found(unit_id)
        return panel_for(conn, account, unit, found, queries.statuses(conn))


def panel_for(conn, account, unit_id: int, building: dict, statuses: list[dict], state=None, notice=None):
    """The panel of a unit of this building: the edit form (in `state` after a refused save) for editors, personal
    data only for those who need it."""
    unit = queries.unit(conn, unit_id)
    if unit is None or unit["building_id"] != building["id"]:
        return unit_panel.not_found(unit_id)
    history = queries.unit_history(conn, unit_id)
    if authorize(account, "view_personal", building):
        _log_view(account.id, unit_id)
    else:
        unit, history = redact_unit(unit), [redact_change(change) for change in history]
    uses = queries.unit_uses(conn)
    editor = edit_form.form(unit, statuses, uses, state) if authorize(account, "edit", building) else None
    return unit_panel.panel(unit, Catalogues.of(statuses, uses), history, editor, notice)


def _log_view(user_id: int, unit_id: int) -> None:
    """Record a view of unmasked personal data, in its own write transaction."""
    with writing() as conn:
        log_personal_view(conn, user_id, unit_id)


def register(app: Dash) -> None:
    """Register the unit panel callback and the clientside grid drawing, highlighting and bulk bar."""
    app.callback(Output(ids.UNIT_PANEL, "children"), Input(ids.SELECTED_UNIT, "data"),
                 State(ids.BUILDING_ID, "data"), prevent_initial_call=True)(show_unit)
    register_grid_drawing(app, ids.GRID_SUMMARY, ids.GRID_DATA, ids.SELECTED_UNIT, ids.SELECTION, ids.GRID_HOST)
    app.clientside_callback(ClientsideFunction("unitGrid", "bulkBar"), Output(ids.BULK_COUNT, "children"),
                            Output(ids.BULK_BAR, "className"), Input(ids.SELECTION, "data"),
                            State(ids.GRID_DATA, "data"), prevent_initial_call=True)
    for part in (ids.BULK_DATES, ids.BULK_UNOCCUPIED):
        app.clientside_callback(ClientsideFunction("unitGrid", "showFor"), Output(part, "className"),
                                Input(ids.BULK_STATUS, "value"), State(part, "id"), prevent_initial_call=True)
    app.clientside_callback(
        ClientsideFunction("unitGrid", "clearSelection"),
        Output(ids.SELECTION, "data", allow_duplicate=True),
        Input(ids.BULK_CLEAR, "n_clicks"),
        State(ids.GRID_HOST, "id"),
        prevent_initial_call=True,
    )
    app.clientside_callback(ClientsideFunction("unitGrid", "highlight"), Output(ids.ALL_LEGEND_ITEMS, "className"),
                            Input(ids.ALL_LEGEND_ITEMS, "n_clicks"), State(ids.GRID_HOST, "id"),
                            prevent_initial_call=True)


def register_grid_drawing(app: Dash, summary: str, data: str, selected: str, selection: str, host: str) -> None:
    """Draw a grid in the browser (assets/grid.js) whenever its payload changes: the building page's, and the admin
    pages' previews of a new or changed building."""
    app.clientside_callback(
        ClientsideFunction("unitGrid", "render"),
        Output(summary, "children"),
        Input(data, "data"),
        State(selected, "data"),
        State(selection, "data"),
        State(host, "id"),
    )
