"""Area page glue: figures from maintained rollups and daily deltas, the breakdown, and drill-down."""
import datetime as dt

from dash import ClientsideFunction, Dash, Input
from flask import current_app

from callbacks.parse import BadAddress, positive_int, url_count, url_day
from dashboard import ids
from dashboard.auth import current_account
from dashboard.config import local_today
from dashboard.extensions import reading
from dashboard.i18n import _, translated
from data import queries, summary
from data.access import area_for, authorize, scope_paths, visible_ancestors
from layouts import area as layout
from layouts import exceptions
from layouts.common import message_page, not_allowed

DEFAULT_WAIT_DAYS = 7
MAX_WAIT_DAYS = 10_000
TREND_DAYS = 90


def page(area_id=None, days=None, as_of=None, **_query):
    """The page of one area of the user's scope; `?days=` sets how long 'unverified' may wait, `?as_of=` a past date."""
    account, number = current_account(), positive_int(area_id)
    with reading() as conn:
        found = area_for(conn, account, number)
        if found is None:
            return message_page(_("Area not found"), _("There is no area %(number)s that you may see.", number=area_id))
        return area_page(conn, account, found, *address_values(days, as_of))


def top_page(days=None, as_of=None, **_query):
    """The page of the highest area the user covers (a leader's home), with the same `?days=` and `?as_of=`."""
    account = current_account()
    if not authorize(account, "view"):
        return not_allowed()
    with reading() as conn:
        found = queries.top_area(conn, scope_paths(account))
        if found is None:
            return message_page(_("No area"), _("Your account covers no area yet."))
        return area_page(conn, account, found, *address_values(days, as_of))


def address_values(days, as_of) -> tuple[int, dt.date | None, list[str]]:
    """The waiting days and past day the address asks for; defaults instead of refused values, and why each was."""
    refusals: list[str] = []
    waited = _checked(lambda: url_count(days, "days", DEFAULT_WAIT_DAYS, MAX_WAIT_DAYS), DEFAULT_WAIT_DAYS, refusals)
    day = _checked(lambda: url_day(as_of, "as_of", local_today(current_app.config)), None, refusals)
    return waited, day, refusals


def _checked(read, default, refusals: list[str]):
    """What `read` makes of an address value, or the default, noting why, when the value is refused."""
    try:
        return read()
    except BadAddress as bad:
        refusals.append(translated(bad.args[0]))
        return default


def area_page(conn, account, found: dict, waited_days: int = DEFAULT_WAIT_DAYS, as_of: dt.date | None = None,
              refusals: list[str] = ()):
    """Figures, trend, exceptions, child areas and buildings of an area, from maintained counts and daily deltas;
    `refusals` say which values of the address were not followed."""
    statuses, children = queries.statuses(conn), queries.child_areas(conn, found["id"])
    area_ids = [found["id"]] + [child["id"] for child in children]
    rollups, today = queries.area_rollups(conn, area_ids), local_today(current_app.config)
    start = min(as_of or today, today) - dt.timedelta(days=TREND_DAYS)
    deltas = queries.area_daily_deltas(conn, area_ids, start)
    current = {area_id: summary.by_status(rows) for area_id, rows in rollups.items()}
    series = summary.counts_by_day(
        current[found["id"]], deltas[found["id"]], [start + dt.timedelta(days=n) for n in range(1, TREND_DAYS + 1)]
    )
    if as_of:
        current = {a: summary.counts_by_day(current[a], deltas[a], [as_of])[as_of] for a in area_ids}
        rollups = {
            a: [{"status": s, "use": "", "units": n, "residents": 0, "staff": 0} for s, n in current[a].items()]
            for a in area_ids
        }
    buildings = queries.building_list(conn, scope=(found["path"],))
    figures = summary.kpis(rollups[found["id"]], statuses)
    if as_of:
        figures["residents"], figures["people"] = {}, {}
    return layout.page(
        found, queries.area_trail(conn, found["id"]), visible_ancestors(account, found["path"]), statuses, figures,
        children, {child["id"]: current[child["id"]] for child in children},
        buildings, queries.status_counts(conn, [b["id"] for b in buildings]), queries.OVERVIEW_LIMIT,
        exceptions.exceptions(
            queries.area_exceptions(conn, found["path"], today, waited_days, current_app.config["TIMEZONE"]),
            waited_days, queries.EXCEPTION_LIMIT),
        layout.trend_figure(series, statuses), as_of, refusals,
    )


def register(app: Dash) -> None:
    """A click on a bar of the breakdown opens that area."""
    app.clientside_callback(ClientsideFunction("overview", "openArea"), Input(ids.AREA_CHART, "clickData"),
                            prevent_initial_call=True)
