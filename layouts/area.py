"""An area's page for leaders: headline figures, a breakdown by child area and by building, breadcrumbs up."""
from __future__ import annotations

import re

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import dash_table, dcc, html

from dashboard import ids
from dashboard.i18n import _, label, language, number, text_code, when
from data.colours import contrast_ratio, safe_colour
from data.i18n import N_
from data.vocabulary import AREA_KINDS
from layouts.common import status_chip

MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!<>|~])")
AS_OF_NOTE = N_("As it was at the end of %(day)s: counts by status and by area. Buildings, exceptions and people show "
                "today.")


def page(found: dict, trail: list[dict], visible: set[int], statuses: list[dict], figures: dict,
         children: list[dict], child_counts: dict[int, dict[str, int]], buildings: list[dict],
         building_counts: dict[int, dict[str, int]], limit: int, attention=None, trend=None, as_of=None,
         refusals: list[str] = ()) -> html.Div:
    """The whole area page; `attention` is the exceptions section, `trend` the daily chart, `as_of` a past date shown,
    `refusals` why values of the address were not followed."""
    return html.Div([
        breadcrumbs(trail, visible),
        dbc.Alert([html.Div(refusal) for refusal in refusals], id=ids.ADDRESS_PROBLEM, color="warning",
                  className="py-2") if refusals else None,
        html.Div([
            html.H1([found["name"], html.Small(f" {kind_label(found['kind'])}", className="text-muted h6")],
                    className="h3 me-auto mb-0"),
            ledger_links(found["id"]),
            figures_links(found["id"]),
            charts_link(found["id"]),
            as_of_form(as_of),
        ], className="d-flex flex-wrap align-items-center gap-2 mb-2"),
        dbc.Alert(_(AS_OF_NOTE, day=when(as_of)), color="info", className="py-2") if as_of else None,
        kpi_cards(figures, statuses),
        html.Div([status_chip(s, f"{label(s)} {number(figures['by_status'].get(s['code'], 0))}") for s in statuses],
                 className="d-flex flex-wrap gap-2 my-2"),
        _children_section(children, child_counts, statuses) if children else None,
        html.H2(_("Needs attention"), className="h5 mt-3") if attention is not None else None,
        attention,
        html.Section([html.H2(_("Last 90 days"), className="h5 mt-3"),
                      _graph(trend, ids.AREA_TREND)]) if trend is not None else None,
        html.H2(counted(_("Buildings"), len(buildings), limit), className="h5 mt-3"),
        building_table(buildings, building_counts, statuses),
    ])


def breadcrumbs(trail: list[dict], visible: set[int]) -> html.Nav:
    """Links up the tree, to the areas the user may open."""
    items = [
        html.Li(
            dcc.Link(a["name"], href=f"/area/{a['id']}") if a["id"] in visible and a is not trail[-1] else a["name"],
            className="breadcrumb-item" + (" active" if a is trail[-1] else ""),
        )
        for a in trail
    ]
    return html.Nav(html.Ol(items, className="breadcrumb mb-2"), **{"aria-label": _("Breadcrumb")})


def kind_label(kind: str) -> str:
    """An area kind in the reader's language (an unknown one as stored)."""
    return label(AREA_KINDS.get(kind, kind))


def status_name(status: dict) -> str:
    """A status as a chart legend or table column names it: its text code and label."""
    return f"{text_code(status)} {label(status)}"


def counted(title: str, count: int, limit: int) -> str:
    """A heading with how many items it lists; '300+' when the list stops at its limit."""
    if count >= limit:
        return _("%(title)s (%(count)s+)", title=title, count=number(count))
    return _("%(title)s (%(count)s)", title=title, count=number(count))


def ledger_links(area_id: int) -> html.Div:
    """Links that download the area's ledger (台账), as .xlsx and as CSV."""
    return _download_links(_("Download the ledger"), f"/area/{area_id}/ledger", (
        (ids.AREA_LEDGER_XLSX, "Excel", "xlsx", _("Download the ledger as an Excel workbook")),
        (ids.AREA_LEDGER_CSV, "CSV", "csv", _("Download the ledger as a CSV file"))))


def figures_links(area_id: int) -> html.Div:
    """Links that download the area's figures for leaders (by area, by building, needs attention), as .xlsx and CSV."""
    return _download_links(_("Download the figures"), f"/area/{area_id}/figures", (
        (ids.AREA_FIGURES_XLSX, "Excel", "xlsx", _("Download the figures as an Excel workbook")),
        (ids.AREA_FIGURES_CSV, "CSV", "csv", _("Download the figures as a CSV file"))))


def _download_links(title: str, address: str, links: tuple) -> html.Div:
    """A titled group of links that download one file in several formats (id, name, extension, purpose)."""
    return html.Div([
        html.Span(title, className="small"),
        *(html.A(name, id=link_id, href=f"{address}.{extension}", download="", title=purpose,
                 className="btn btn-sm btn-outline-secondary")
          for link_id, name, extension, purpose in links),
    ], className="d-flex align-items-center gap-2 me-3")


def charts_link(area_id: int) -> html.A:
    """A link that downloads every wall chart (楼盘图) of the area's buildings as one Excel workbook."""
    return html.A(_("All wall charts (Excel)"), id=ids.AREA_CHARTS_XLSX, href=f"/area/{area_id}/charts.xlsx",
                  download="", title=_("Download a workbook of the area's figures and every building's wall chart"),
                  className="btn btn-sm btn-outline-secondary me-3")


def as_of_form(as_of) -> html.Form:
    """A date and a button: a plain GET, so that the address of a past view can be shared."""
    return html.Form([
        html.Label(_("As of"), htmlFor="as-of", className="small"),
        dcc.Input(id="as-of", name="as_of", type="date", value=as_of.isoformat() if as_of else None,
                  className="form-control form-control-sm", style={"width": "10rem"}),
        html.Button(_("Show"), type="submit", className="btn btn-sm btn-outline-primary"),
        dcc.Link(_("Today"), href="?", className="small") if as_of else None,
    ], method="get", className="d-flex align-items-center gap-2")


def trend_figure(series: dict, statuses: list[dict]) -> go.Figure:
    """Units by status per day, one line per status in the catalogue's colours (light colours drawn grey)."""
    days = list(series)
    days = days[next((i for i, day in enumerate(days) if any(series[day].values())), len(days)):]
    figure = go.Figure(
        [
            go.Scatter(
                x=days,
                y=[series[day].get(s["code"], 0) for day in days],
                mode="lines",
                name=status_name(s),
                line={
                    "color": _line_colour(s["color"]),
                    "width": 2,
                    "dash": "dot" if _line_colour(s["color"]) != safe_colour(s["color"]) else None,
                },
            )
            for s in statuses
        ]
    )
    figure.update_layout(height=280, margin={"l": 10, "r": 10, "t": 30, "b": 20}, plot_bgcolor="white",
                         legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "traceorder": "normal"},
                         xaxis={"tickformat": date_format(), "hoverformat": date_format()},
                         yaxis={"gridcolor": "#eeeeee", "rangemode": "tozero"}, hovermode="x unified")
    return figure


def date_format() -> str:
    """How the trend's axis and hover write a day (a d3 format: plotly's own month names are English only)."""
    return "%-m月%-d日" if language().startswith("zh") else "%b %-d"


def _line_colour(color: str) -> str:
    """The status colour, or grey when it would not show on white (vacant)."""
    return safe_colour(color) if contrast_ratio(safe_colour(color), "#FFFFFF") >= 1.3 else "#9E9E9E"


def kpi_cards(figures: dict, statuses: list[dict]) -> dbc.Row:
    """Units, households, firms, residents and staff, residents in dated statuses, and the share of firms in each
    firm status."""
    by_code = {s["code"]: s for s in statuses}
    cards = [
        ("units", _("Units"), number(figures["units"])),
        ("households", _("Households"), number(figures["households"])),
        ("firms", _("Firms"), number(figures["firms"])),
    ]
    cards += [(key, name, number(figures["people"][key])) for key, name in (("residents", _("Residents")),
                                                                             ("staff", _("Staff")))
              if key in figures["people"]]
    cards += [
        (f"residents-{code}", _("Residents in %(status)s", status=label(by_code[code]).lower()), number(people))
        for code, people in figures["residents"].items()
    ]
    cards += [
        (f"firms-{code}", _("Firms: %(status)s", status=label(by_code[code]).lower()), f"{share:.0%}")
        for code, share in figures["firm_shares"].items()
    ]
    return dbc.Row(
        [
            dbc.Col(
                dbc.Card(
                    dbc.CardBody([html.Div(name, className="small text-muted"), html.Div(value, className="h4 mb-0")])
                ),
                xs=6,
                md=4,
                xl=2,
                className=f"mb-2 kpi-{key}",
            )
            for key, name, value in cards
        ],
        className="g-2 kpis",
    )


def breakdown_figure(children: list[dict], child_counts: dict[int, dict[str, int]], statuses: list[dict]) -> go.Figure:
    """Stacked horizontal bars, one per child area, in the catalogue's colours; a click opens the area."""
    names = [c["name"] for c in children]
    figure = go.Figure(
        [
            go.Bar(
                y=names,
                x=[child_counts[c["id"]].get(s["code"], 0) for c in children],
                name=status_name(s),
                orientation="h",
                marker={"color": safe_colour(s["color"]), "line": {"color": "#9e9e9e", "width": 0.5}},
                customdata=[c["id"] for c in children],
                # Plotly's own placeholders go in as values: the message keeps its place for them.
                hovertemplate=_("%(area)s: %(count)s %(status)s", area="%{y}", count="%{x}", status=label(s))
                + "<extra></extra>",
            )
            for s in statuses
        ]
    )
    figure.update_layout(barmode="stack", height=90 + 34 * len(children), margin={"l": 10, "r": 10, "t": 30, "b": 20},
                         legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "traceorder": "normal"},
                         yaxis={"autorange": "reversed"},
                         plot_bgcolor="white")
    return figure


def _graph(figure: go.Figure, graph_id: str) -> dcc.Graph:
    """A chart whose space is kept while plotly.js loads, so that nothing below it jumps."""
    return dcc.Graph(
        id=graph_id, figure=figure, config={"displayModeBar": False}, style={"height": f"{figure.layout.height}px"}
    )


def _children_section(
    children: list[dict], child_counts: dict[int, dict[str, int]], statuses: list[dict]
) -> html.Section:
    """The breakdown by child area: a chart and a sortable table."""
    rows = [{"area": _link(c["name"], f"/area/{c['id']}"), "kind": kind_label(c["kind"]),
             **_status_columns(child_counts[c["id"]], statuses)} for c in children]
    return html.Section([
        html.H2(_("By area"), className="h5 mt-3"),
        _graph(breakdown_figure(children, child_counts, statuses), ids.AREA_CHART),
        _table(ids.AREA_CHILDREN, rows, [("area", _("Area")), ("kind", _("Kind"))], statuses),
    ])


def building_table(
    buildings: list[dict], counts: dict[int, dict[str, int]], statuses: list[dict]
) -> dash_table.DataTable:
    """Buildings of the subtree with their counts; the name opens the grid."""
    rows = [{"building": _link(b["name"], f"/building/{b['id']}"), "area": b["area_name"],
             **_status_columns(counts[b["id"]], statuses)} for b in buildings]
    return _table(ids.AREA_BUILDINGS, rows, [("building", _("Building")), ("area", _("Workstation"))], statuses)


def _table(
    table_id: str, rows: list[dict], leading: list[tuple[str, str]], statuses: list[dict]
) -> dash_table.DataTable:
    """A sortable table: leading text columns, then one numeric column per status and the total."""
    columns = [{"id": key, "name": name, "presentation": "markdown"} for key, name in leading]
    columns += [{"id": s["code"], "name": status_name(s), "type": "numeric"} for s in statuses]
    columns.append({"id": "total", "name": _("Total"), "type": "numeric"})
    return dash_table.DataTable(id=table_id, data=rows, columns=columns, sort_action="native", page_size=50,
                                markdown_options={"html": False}, style_table={"overflowX": "auto"},
                                style_cell={"fontFamily": "inherit", "fontSize": "0.85rem", "padding": "4px 8px"},
                                style_header={"fontWeight": "600"})


def _status_columns(counts: dict[str, int], statuses: list[dict]) -> dict:
    """Counts per status and their total, for a table row."""
    return {**{s["code"]: counts.get(s["code"], 0) for s in statuses}, "total": sum(counts.values())}


def _link(text: str, href: str) -> str:
    """A markdown link whose text is escaped, so that a stored name cannot make a link of its own."""
    escaped = MARKDOWN_SPECIALS.sub(r"\\\1", text)
    return "[" + escaped + "](" + href + ")"
