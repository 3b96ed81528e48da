"""The overview page: every building with its counts by status, grouped by area."""
from __future__ import annotations

from itertools import groupby

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard import ids
from dashboard.i18n import _, label, ngettext, number
from data.vocabulary import BUILDING_USES
from layouts.common import counts_text, status_bar, status_chip


def page(
    statuses: list[dict], buildings: list[dict], counts: dict[int, dict[str, int]], search: str, limit: int
) -> html.Div:
    """The whole overview page."""
    return html.Div(
        [
            html.Div(
                [
                    html.H1(_("Buildings"), className="h3 mb-0 me-auto"),
                    html.Label(_("Search buildings"), htmlFor=ids.OVERVIEW_SEARCH, className="visually-hidden"),
                    dcc.Input(
                        id=ids.OVERVIEW_SEARCH,
                        type="search",
                        value=search,
                        debounce=0.3,
                        className="form-control",
                        placeholder=_("Search buildings…"),
                        style={"maxWidth": "24rem"},
                    ),
                ],
                className="d-flex align-items-center gap-3 mb-2",
            ),
            html.Div(
                [status_chip(s) for s in statuses],
                className="d-flex flex-wrap gap-2 mb-3",
                **{"aria-label": _("Status legend")},
            ),
            html.Div(building_groups(statuses, buildings, counts, limit), id=ids.OVERVIEW_LIST),
        ]
    )


def building_groups(statuses: list[dict], buildings: list[dict], counts: dict[int, dict[str, int]], limit: int) -> list:
    """Buildings grouped under their area, or a note that nothing matched."""
    if not buildings:
        return [dbc.Alert(_("No building matches this search."), color="secondary")]
    groups = [_group(list(rows), statuses, counts) for _, rows in groupby(buildings, key=lambda b: b["area_id"])]
    if len(buildings) >= limit:
        groups.append(dbc.Alert(_("Showing the first %(count)s buildings: narrow the search to see others.",
                                  count=number(limit)), color="info"))
    return groups


def _group(buildings: list[dict], statuses: list[dict], counts: dict[int, dict[str, int]]) -> html.Section:
    """One area's buildings as a table, headed by the area and its parent (every sub-district has a 第一楼宇工作站)."""
    total = sum(sum(counts[b["id"]].values()) for b in buildings)
    area = buildings[0]
    heading = f"{area['parent_name']} › {area['area_name']}" if area.get("parent_name") else area["area_name"]
    return html.Section(
        [
            html.H2(
                [heading, html.Small(f" {_group_size(len(buildings), total)}", className="text-muted")],
                className="h5 mt-3",
            ),
            dbc.Table(
                [
                    html.Thead(
                        html.Tr(
                            [
                                html.Th(_("Building")),
                                html.Th(_("Use")),
                                html.Th(_("Units"), className="text-end"),
                                html.Th(_("Status"), className="w-50"),
                            ]
                        )
                    ),
                    html.Tbody([building_row(b, statuses, counts[b["id"]]) for b in buildings]),
                ],
                size="sm",
                hover=True,
                className="align-middle building-table",
            ),
        ]
    )


def building_row(building: dict, statuses: list[dict], counts: dict[str, int]) -> html.Tr:
    """One building: name and address, use, unit count and the status bar."""
    return html.Tr([
        html.Td([dcc.Link(building["name"], href=f"/building/{building['id']}", className="fw-semibold"),
                 html.Div(building["address"], className="small text-muted")]),
        html.Td(label(BUILDING_USES.get(building["use"], building["use"]))),
        html.Td(number(sum(counts.values())), className="text-end"),
        html.Td([status_bar(statuses, counts), html.Div(counts_text(statuses, counts), className="small text-muted")]),
    ])


def _group_size(buildings: int, units: int) -> str:
    """How many buildings and units an area's group holds."""
    return ngettext("%(num)s building · %(units)s units", "%(num)s buildings · %(units)s units", buildings,
                    units=number(units))
