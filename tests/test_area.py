"""Area pages: figures from maintained rollups, breakdowns, drill-down and scope."""
from __future__ import annotations

import datetime as dt
import json

from plotly.utils import PlotlyJSONEncoder
from sqlalchemy import func, select

from dashboard.config import local_today
from dashboard.extensions import engine
from dashboard.i18n import _, label, ngettext, number, when
from data import queries, summary
from data.models import Building, Unit, UnitChange
from data.vocabulary import AREA_KINDS
from layouts import area, building
from scripts.dash_client import by_id, open_page, text_of
from tests.helpers import DEMO_TODAY, STATUSES, as_read, cells_of

CATALOGUE = [
    {**STATUSES[0], "applies_to": ["home", "mixed"]}, {**STATUSES[1], "applies_to": ["home", "mixed"]},
    {"code": "reopened", "label_en": "Reopened", "applies_to": ["firm", "mixed"], "requires_dates": False},
    {"code": "not_reopened", "label_en": "Not reopened", "applies_to": ["firm", "mixed"], "requires_dates": False},
    {**STATUSES[2], "applies_to": ["home", "firm", "mixed"]},
]
ROWS = [{"status": "healthy", "use": "home", "units": 40, "residents": 100, "staff": 0},
        {"status": "quarantined", "use": "home", "units": 5, "residents": 12, "staff": 0},
        {"status": "quarantined", "use": "mixed", "units": 1, "residents": 3, "staff": 47},
        {"status": "reopened", "use": "firm", "units": 30, "residents": 0, "staff": 400},
        {"status": "not_reopened", "use": "firm", "units": 10, "residents": 0, "staff": 90},
        {"status": "unverified", "use": "firm", "units": 4, "residents": 0, "staff": 0}]


def test_kpis_come_from_rollups_and_the_catalogue():
    figures = summary.kpis(ROWS, CATALOGUE)
    assert (figures["units"], figures["households"], figures["firms"]) == (90, 46, 40)
    assert figures["residents"] == {"quarantined": 15}, "a mixed unit's staff are not people in home quarantine"
    assert figures["people"] == {"residents": 115, "staff": 537}
    assert figures["firm_shares"] == {"not_reopened": 0.25, "reopened": 0.75}


def test_a_new_status_needs_no_code_to_be_counted():
    inspected = {"code": "inspected", "label_en": "Inspected", "applies_to": ["home"], "requires_dates": False}
    figures = summary.kpis(
        ROWS + [{"status": "inspected", "use": "home", "units": 7, "residents": 9, "staff": 0}], CATALOGUE + [inspected]
    )
    assert figures["households"] == 53 and figures["by_status"]["inspected"] == 7


def test_area_page_layout_links_only_what_the_user_may_open():
    found = {"id": 4, "name": "第一楼宇工作站", "kind": "workstation", "path": "/1/2/3/4/"}
    trail = [{"id": 1, "name": "北京市", "kind": "city"}, {"id": 3, "name": "鲁谷街道", "kind": "subdistrict"},
             {"id": 4, "name": "第一楼宇工作站", "kind": "workstation"}]
    buildings = [{"id": 9, "name": "楼](javascript:alert(1))", "area_name": "第一楼宇工作站"}]
    page = area.page(
        found, trail, {3, 4}, STATUSES, summary.kpis(ROWS[:2], CATALOGUE), [], {}, buildings, {9: {"healthy": 3}}, 300
    )
    assert "Needs attention" not in text_of(page)
    crumbs = json.dumps(page.children[0], cls=PlotlyJSONEncoder)
    assert '"/area/3"' in crumbs and '"/area/1"' not in crumbs
    assert "Households" in text_of(page) and "45" in text_of(page)
    row = by_id(page, "area-buildings").data[0]
    assert row["building"] == r"[楼\]\(javascript:alert\(1\)\)](/building/9)" and row["total"] == 3


def test_breakdown_chart_has_a_clickable_bar_per_status():
    children = [{"id": 4, "name": "一站", "kind": "workstation"}, {"id": 5, "name": "二站", "kind": "workstation"}]
    figure = area.breakdown_figure(children, {4: {"healthy": 3}, 5: {"quarantined": 2}}, STATUSES)
    assert [trace.marker.color for trace in figure.data] == [s["color"] for s in STATUSES]
    assert list(figure.data[0].x) == [3, 0] and list(figure.data[0].customdata) == [4, 5]


def test_charts_and_tables_name_statuses_kinds_and_days_in_the_readers_language(sqlite_app):
    children = [{"id": 4, "name": "一站", "kind": "workstation"}]
    series = {dt.date(2020, 1, d): {"healthy": d} for d in range(1, 4)}
    with sqlite_app.server.test_request_context(headers={"Accept-Language": "zh-CN"}):
        trend = area.trend_figure(series, STATUSES)
        breakdown = area.breakdown_figure(children, {4: {"healthy": 3}}, STATUSES)
        page = area.page({"id": 3, "name": "鲁谷街道", "kind": "subdistrict", "path": "/1/2/3/"}, [], set(), STATUSES,
                         summary.kpis(ROWS[:2], CATALOGUE), children, {4: {"healthy": 3}}, [], {}, 300)
    names = [f"{s['text_code_zh']} {s['label_zh']}" for s in STATUSES]
    assert [trace.name for trace in trend.data] == names == [trace.name for trace in breakdown.data]
    assert all(s["label_zh"] in trace.hovertemplate for trace, s in zip(breakdown.data, STATUSES, strict=True))
    assert "%b" not in trend.layout.xaxis.tickformat + trend.layout.xaxis.hoverformat
    children_table = by_id(page, "area-children")
    assert [row["kind"] for row in children_table.data] == ["楼宇工作站"]
    assert [column["name"] for column in children_table.columns][2:-1] == names
    assert "街道" in text_of(page.children[2])


def units_in(app, area_path: str) -> int:
    """Units under an area, counted the slow way."""
    from data.models import Area
    with app.server.app_context(), engine().connect() as conn:
        return conn.execute(
            select(func.count())
            .select_from(Unit)
            .join(Building, Building.id == Unit.building_id)
            .join(Area, Area.id == Building.area_id)
            .where(Area.path.startswith(area_path))
        ).scalar_one()


def test_admins_see_the_city_and_drill_down(app, client):
    city = text_of(open_page(client, "/areas"))
    assert "北京市" in city and as_read(app, lambda: number(units_in(app, "/1/"))) in city
    subdistrict = open_page(client, "/area/3")
    workstation = as_read(app, lambda: label(AREA_KINDS["workstation"]))
    assert [row["kind"] for row in by_id(subdistrict, "area-children")["props"]["data"]] == [workstation] * 4
    assert as_read(app, lambda: number(units_in(app, "/1/2/3/4/"))) in text_of(open_page(client, "/area/4"))


def test_staff_and_leaders_see_only_their_areas(app, client_as):
    staff, leader = client_as("staff"), client_as("leader")
    not_found, households = as_read(app, lambda: _("Area not found")), as_read(app, lambda: _("Households"))
    assert not_found in text_of(open_page(staff, "/area/3"))
    assert "第一楼宇工作站" in text_of(open_page(staff, "/areas"))
    home = text_of(open_page(leader, "/"))
    assert "鲁谷街道" in home and households in home
    assert not_found in text_of(open_page(leader, "/area/2"))
    assert text_of(open_page(leader, "/", "?buildings=all")).count("鲁谷路") == 33
    assert not_found in text_of(open_page(leader, "/area/abc"))


def test_exceptions_list_what_needs_people_in_the_area(app, client):
    with app.server.app_context(), engine().begin() as conn:
        ending = conn.execute(select(Unit.id).where(Unit.status == "quarantined").order_by(Unit.id)).scalars().first()
        conn.execute(
            Unit.__table__.update().where(Unit.id == ending).values(quarantine_end=local_today(app.server.config))
        )
        mixed = (
            conn.execute(select(Unit.id).where(Unit.status == "quarantined", Unit.id != ending).order_by(Unit.id))
            .scalars()
            .first()
        )
        conn.execute(Unit.__table__.update().where(Unit.id == mixed).values(use="mixed"))
        found = queries.area_exceptions(conn, "/1/2/3/", local_today(app.server.config), waited_days=7)
    assert ending in [u["id"] for u in found["ending"]]
    assert mixed in [u["id"] for u in found["mixed"]]
    assert found["unverified"] and all(u["status"] == "unverified" for u in found["unverified"])
    counts = [b["units"] for b in found["buildings"]]
    assert counts == sorted(counts, reverse=True) and counts[0] >= 1
    page = json.dumps(open_page(client, "/area/3", "?days=7"), ensure_ascii=False)
    assert f"?unit={ending}" in page and as_read(app, lambda: unverified_for(7)) in page
    none_waited = as_read(app, lambda: area.counted(unverified_for(3000), 0, queries.EXCEPTION_LIMIT))
    assert none_waited in text_of(open_page(client, "/area/3", "?days=3000"))


def unverified_for(days: int) -> str:
    """The heading of the exceptions' list of long-unverified units."""
    return ngettext("Unverified for more than %(num)s day", "Unverified for more than %(num)s days", days)


def beijing_day(at: dt.datetime) -> dt.date:
    """The Beijing day of a stored (naive UTC) time, worked out here apart from the code under test."""
    return (at + dt.timedelta(hours=8)).date()


def test_trend_and_as_of_agree_with_a_replay_of_the_history(app, client):
    day = DEMO_TODAY - dt.timedelta(days=15)
    with app.server.app_context(), engine().connect() as conn:
        history = conn.execute(select(UnitChange.unit_id, UnitChange.status_after, UnitChange.changed_at)
                               .order_by(UnitChange.changed_at, UnitChange.id)).all()
        statuses = {s["code"]: s for s in queries.statuses(conn)}
    last = {unit_id: status for unit_id, status, at in history if beijing_day(at) <= day}
    replayed = {status: list(last.values()).count(status) for status in set(last.values())}
    page = text_of(open_page(client, "/area/3", f"?as_of={day.isoformat()}"))
    assert as_read(app, lambda: _(area.AS_OF_NOTE, day=when(day))) in page
    chips = as_read(app, lambda: [f"{label(statuses[s])} {number(replayed[s])}" for s in ("unverified", "reopened")])
    assert all(chip in page for chip in chips), chips
    quarantined = statuses["quarantined"]
    assert as_read(app, lambda: _("Residents in %(status)s", status=label(quarantined).lower())) not in page


def test_trend_figure_starts_when_records_start():
    series = {dt.date(2020, 1, d): ({} if d < 3 else {"healthy": d}) for d in range(1, 6)}
    figure = area.trend_figure(series, STATUSES)
    assert list(figure.data[0].x) == [dt.date(2020, 1, d) for d in (3, 4, 5)] and list(figure.data[0].y) == [3, 4, 5]


def building_payload(client, search: str, building: int = 4) -> dict:
    """The grid payload of a building page with a query string."""
    return by_id(open_page(client, f"/building/{building}", search), "grid-data")["props"]["data"]


def test_a_building_grid_as_it_was_on_a_past_day(app, client):
    day = DEMO_TODAY - dt.timedelta(days=15)
    with app.server.app_context(), engine().connect() as conn:
        history = conn.execute(select(UnitChange.unit_id, UnitChange.status_after, UnitChange.changed_at)
                               .where(UnitChange.building_id == 4).order_by(UnitChange.changed_at, UnitChange.id)).all()
    then = {unit_id: status for unit_id, status, at in history if beijing_day(at) <= day}
    payload = building_payload(client, f"?as_of={day.isoformat()}")
    drawn = {cell["unit"]: payload["statuses"][cell["status"]]["code"] for cell in cells_of(payload)}
    assert drawn == then and payload["due"] == []
    page = open_page(client, "/building/4", f"?as_of={day.isoformat()}")
    read_only = as_read(app, lambda: _(
        "The grid as it was at the end of %(day)s: read-only. The unit panel shows today.", day=when(day)))
    assert read_only in text_of(page) and by_id(page, "refresh")["props"]["disabled"] is True
    assert "bulk-apply" not in json.dumps(page)


def test_changes_between_two_days_are_outlined_and_listed(app, client):
    first, last = DEMO_TODAY - dt.timedelta(days=20), DEMO_TODAY - dt.timedelta(days=10)
    with app.server.app_context(), engine().connect() as conn:
        history = conn.execute(
            select(UnitChange.unit_id, UnitChange.changed_at, Unit.label)
            .join(Unit, Unit.id == UnitChange.unit_id)
            .where(UnitChange.building_id == 4)
        ).all()
    changed = {unit_id for unit_id, at, _ in history if first <= beijing_day(at) <= last}
    payload = building_payload(client, f"?from={first.isoformat()}&to={last.isoformat()}")
    assert {payload["base"] + offset for offset in payload["changed"]} == changed and changed
    listed = text_of(open_page(client, "/building/4", f"?from={first.isoformat()}&to={last.isoformat()}"))
    assert as_read(app, lambda: _(building.IN_PERIOD)) in listed
    assert all(label in listed for unit_id, _at, label in history if unit_id in changed)
    assert building_payload(client, "?from=not-a-date")["changed"] == []
