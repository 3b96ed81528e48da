"""The building page: breadcrumbs, legend with counts, the grid host and the unit panel."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import ids
from dashboard.i18n import _, label, ngettext, number, text_code, when
from data.colours import ink, safe_colour
from data.i18n import N_
from data.vocabulary import BUILDING_USES

REFRESH_MS = 3_000
ALL_BUILDINGS = N_("All buildings")
RECENT = N_("Recent changes")
IN_PERIOD = N_("Changes in the period")
ON_DAY = N_("Changes on %(day)s")


def page(building: dict, trail: list[dict], parts: dict, selected_unit: int | None, panel, bulk=None,
         period: dict | None = None, visible: set[int] = frozenset(), refusal: str | None = None,
         admin: bool = False) -> html.Div:
    """The whole building page; the grid itself is drawn in the browser from the payload in `parts`. `visible` are
    the areas of the trail the user may open; `refusal` says why the address could not be followed; `admin` adds
    a link to the layout page."""
    total, period = parts["payload"]["count"], period or {}
    return html.Div([
        breadcrumbs(trail, visible, building["name"]),
        dbc.Alert(refusal, id=ids.ADDRESS_PROBLEM, color="warning", className="py-2") if refusal else None,
        time_form(period),
        _period_banner(period),
        html.Div([
            html.H1(building["name"], className="h3 mb-0"),
            html.Span(" · ".join([building["address"], label(BUILDING_USES.get(building["use"], building["use"])),
                                  ngettext("%(count)s unit", "%(count)s units", total, count=number(total))]),
                      className="text-muted"),
            dcc.Link(_("Change the layout"), id=ids.LAYOUT_LINK, href=f"/admin/buildings/{building['id']}/layout",
                     className="small") if admin else None,
            print_link(building["id"], period),
            chart_link(building["id"], period),
        ], className="d-flex flex-wrap align-items-baseline gap-3 mb-2"),
        html.Div(parts["legend"], id=ids.LEGEND, className="legend d-flex flex-wrap gap-2 mb-2",
                 **{"aria-label": _("Legend: click to highlight")}),
        html.Div(parts["due"], id=ids.DUE_LIST),
        dbc.Row([
            dbc.Col([
                html.Div(bulk, id=ids.BULK_BAR, className="bulk-dock d-none") if bulk is not None else None,
                html.P(id=ids.GRID_SUMMARY, className="small text-muted mb-1", **{"aria-live": "polite"}),
                html.Div(id=ids.GRID_HOST, className="grid-host",
                         **{"data-target": ids.SELECTED_UNIT, "data-selection": ids.SELECTION,
                            "data-editable": "true" if bulk is not None else "false"}),
            ], lg=8, xl=9),
            dbc.Col([
                html.Div(id=ids.ACTION_MESSAGE, **{"aria-live": "polite"}),
                html.Div(panel, id=ids.UNIT_PANEL, className="unit-panel"),
            ], lg=4, xl=3),
        ], className="g-3"),
        html.Section([html.H2(_changes_heading(period), className="h6 mt-3"),
                      html.Div(id=ids.UNDO_MESSAGE, **{"aria-live": "polite"}),
                      html.Div(parts["recent"], id=ids.RECENT_CHANGES)]),
        dcc.Store(id=ids.GRID_DATA, data=parts["payload"]),
        dcc.Store(id=ids.REVISION_SEEN, data=parts["payload"]["revision"]),
        dcc.Store(id=ids.SELECTION, data=[]),
        dcc.Interval(id=ids.REFRESH, interval=REFRESH_MS, disabled=bool(period)),
        dcc.Store(id=ids.BUILDING_ID, data=building["id"]),
        dcc.Store(id=ids.SELECTED_UNIT, data=selected_unit),
    ])


def print_link(building_id: int, period: dict) -> html.A:
    """A link to the grid's print view (of the day shown), opened in a new tab."""
    day = f"?as_of={period['as_of'].isoformat()}" if "as_of" in period else ""
    return html.A(_("Print"), id=ids.PRINT_LINK, href=f"/building/{building_id}/print{day}", target="_blank",
                  rel="noopener", className="small d-print-none")


def chart_link(building_id: int, period: dict) -> html.A:
    """A button that downloads the building's wall chart (楼盘图) as an Excel workbook, of the day shown."""
    day = f"?as_of={period['as_of'].isoformat()}" if "as_of" in period else ""
    return html.A(_("Wall chart (Excel)"), id=ids.CHART_DOWNLOAD, href=f"/building/{building_id}/chart.xlsx{day}",
                  download="", title=_("Download the wall chart as an Excel workbook, to print on A3"),
                  className="btn btn-sm btn-outline-secondary d-print-none")


def time_form(period: dict) -> html.Form:
    """Look at the past: the grid as of a day, or the changes between two days (a plain GET: shareable)."""
    def day_input(name: str, text: str):
        value = period.get(name)
        return [html.Label(text, htmlFor=f"time-{name}", className="small"),
                dcc.Input(id=f"time-{name}", name=name, type="date", value=value.isoformat() if value else None,
                          className="form-control form-control-sm", style={"width": "10rem"})]
    return html.Form([
        *day_input("as_of", _("As of")), html.Span(_("or changes"), className="small text-muted"),
        *day_input("from", _("from")), *day_input("to", _("to")),
        html.Button(_("Show"), type="submit", className="btn btn-sm btn-outline-primary"),
        dcc.Link(_("Today"), href="?", className="small") if period else None,
    ], method="get", className="d-flex flex-wrap align-items-center gap-2 mb-2 d-print-none")


def _period_banner(period: dict):
    """What the page shows when it shows the past."""
    if "as_of" in period:
        return dbc.Alert(_("The grid as it was at the end of %(day)s: read-only. The unit panel shows today.",
                           day=when(period["as_of"])), color="info", className="py-2")
    if "from" in period:
        return dbc.Alert(
            _("Units changed from %(first)s to %(last)s are outlined in purple; their changes are listed under the "
              "grid.", first=when(period["from"]), last=when(period["to"])),
            color="info",
            className="py-2",
        )
    return None


def _changes_heading(period: dict) -> str:
    """What the list under the grid shows: the latest changes, a day's, or a period's."""
    if "as_of" in period:
        return _(ON_DAY, day=when(period["as_of"]))
    return _(IN_PERIOD if "from" in period else RECENT)


def breadcrumbs(trail: list[dict], visible: set[int], current: str) -> html.Nav:
    """All buildings > district > sub-district > workstation > this building; areas the user may open are links."""
    items = [html.Li(dcc.Link(_(ALL_BUILDINGS), href="/"), className="breadcrumb-item")]
    items += [html.Li(dcc.Link(area["name"], href=f"/area/{area['id']}") if area["id"] in visible else area["name"],
                      className="breadcrumb-item") for area in trail]
    items.append(html.Li(current, className="breadcrumb-item active", **{"aria-current": "page"}))
    return html.Nav(html.Ol(items, className="breadcrumb mb-2"), **{"aria-label": _("Breadcrumb")})


def legend_items(statuses: list[dict], counts: dict[str, int]) -> list:
    """One button per status with its count, and the note on bold labels."""
    return [
        html.Button(
            [html.Span(text_code(s), className=f"legend-swatch pat-{s['pattern']}",
                       style={"backgroundColor": safe_colour(s["color"]), "color": ink(s["color"])}),
             html.Span(label(s)), html.B(number(counts.get(s["code"], 0)), className="ms-1")],
            id=ids.legend_item(s["code"]), className="legend-item", title=_("Highlight these units"), n_clicks=0,
            **{"data-status": s["code"]},
        )
        for s in statuses if not s.get("retired_at") or counts.get(s["code"])
    ] + [html.Span(_("Bold label: firm and home"), className="legend-note")]

