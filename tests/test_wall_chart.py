"""The wall chart (楼盘图) as .xlsx: read back with openpyxl and compared with the building page's own grid payload and
legend (today and ?as_of=), counts against plain GROUP BYs, the area's workbook, the download routes and the buttons
(both backends)."""
from __future__ import annotations

import datetime as dt
import io
import re
from urllib.parse import quote
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import select, text, update

from bench.charts import chart_figures
from dashboard import ids
from data import queries, wall_chart
from data.demo import add_tower
from data.ledger_export import NoArea
from data.models import Building, PersonalDataView
from data.wall_chart import FIRST_FLOOR_ROW, HEADER_ROW, SUBTITLE_ROW, TITLE_ROW, NoBuilding, area_workbook, chart_xlsx
from scripts.dash_client import by_id, open_page, text_of
from tests.helpers import ADMIN, BUILDING, DEMO_TODAY, LEADER, STAFF, database, start_signed_in

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TIMEZONE = "Asia/Shanghai"
PAST_DAY = DEMO_TODAY - dt.timedelta(days=12)
OTHER_WORKSTATIONS_BUILDING = text("SELECT min(b.id) FROM buildings b JOIN areas a ON a.id = b.area_id "
                                   "WHERE a.path LIKE '/1/2/3/5/%'")
WITH_BASEMENT = text("SELECT min(e.building_id) FROM floors f JOIN entrances e ON e.id = f.entrance_id "
                     "WHERE f.level < 0")
# Units by building and status, counted from the units themselves (not the maintained counts the export reads).
UNITS_BY_STATUS = text("SELECT b.name, u.status, count(*) FROM units u JOIN buildings b ON b.id = u.building_id "
                       "JOIN areas a ON a.id = b.area_id WHERE u.retired_at IS NULL AND a.path LIKE :path "
                       "GROUP BY b.name, u.status")
LANGUAGES = {"zh_CN": "zh-CN", "en": "en"}


def sheet_of(data: bytes, index: int = 0):
    """One sheet of a workbook's bytes."""
    return openpyxl.load_workbook(io.BytesIO(data)).worksheets[index]


def page_of(client, path: str, search: str = "") -> dict:
    """The building page a client gets, as its layout tree."""
    return open_page(client, path, search)


def grid_matrix(payload: dict, statuses: dict[str, dict], language: str) -> dict[tuple[int, int], tuple]:
    """What each cell of the chart should hold, from the page's grid payload decoded as assets/grid.js decodes it:
    (text, colour, mixed) by (sheet row, sheet column), entrances side by side with one gap column between them."""
    starts, column = [], 2
    for entrance in payload["entrances"]:
        starts.append(column)
        column += entrance["width"] + 1
    cells, unit_id, expected = payload["cells"], payload["base"], {}
    for i in range(payload["count"]):
        unit_id += cells["unit"][i]
        row, entrance = payload["floors"][cells["floor"][i]]
        label = payload["labels"].get(str(i)) or f"{payload['rows'][row]}{cells['position'][i] + 1:02d}"
        status = statuses[payload["statuses"][cells["status"][i]]["code"]]
        code = status["text_code_zh"] if language == "zh_CN" else status["text_code"]
        expected[(FIRST_FLOOR_ROW + row, starts[entrance] + cells["position"][i])] = (
            f"{label} {code}", status["color"].upper(), payload["uses"][cells["use"][i]]["mixed"])
    return expected


def chart_matrix(sheet, rows: int) -> dict[tuple[int, int], tuple]:
    """What each unit cell of a chart holds: (text, fill colour, bold and underlined), by (row, column)."""
    found = {}
    for row in sheet.iter_rows(min_row=FIRST_FLOOR_ROW, max_row=FIRST_FLOOR_ROW + rows - 1, min_col=2):
        for cell in row:
            if cell.value is not None:
                mixed = bool(cell.font.b) and cell.font.u == "single"
                assert mixed or not (cell.font.b or cell.font.u), cell.coordinate
                found[(cell.row, cell.column)] = (cell.value, wall_chart.fill_colour(cell.fill), mixed)
    return found


def catalogue(app) -> dict[str, dict]:
    """The status catalogue by code."""
    with database(app).connect() as conn:
        return {status["code"]: status for status in queries.statuses(conn)}


def legend_rows(sheet, floors: int) -> dict[str, tuple]:
    """The chart's legend: (code shown, count, label, swatch colour) by label."""
    rows = sheet.iter_rows(min_row=FIRST_FLOOR_ROW + floors + 2, max_col=3)
    legend = {}
    for swatch, count, label in rows:
        if swatch.value is None:
            break
        legend[label.value] = (swatch.value, count.value, wall_chart.fill_colour(swatch.fill))
    return legend


def page_counts(page: dict, statuses: dict[str, dict]) -> dict[str, int]:
    """The counts the building page's legend shows, by status code."""
    found = {}
    for code in statuses:
        item = by_id(page, ids.legend_item(code))
        if item is not None:
            found[code] = int(re.sub(r"\D", "", text_of(item["props"]["children"][2])))
    return found


@pytest.fixture
def basement_building(app) -> int:
    """A demo building with floors below ground."""
    with database(app).connect() as conn:
        return conn.execute(WITH_BASEMENT).scalar_one()


@pytest.mark.parametrize("language", list(LANGUAGES))
@pytest.mark.parametrize("building", ["mixed", "basement"])
def test_each_unit_cell_is_the_page_grid_cell_in_colour_code_label_and_weight(app, client_as, language, building,
                                                                               basement_building):
    building_id = BUILDING if building == "mixed" else basement_building
    admin, statuses = client_as("admin"), catalogue(app)
    payload = by_id(page_of(admin, f"/building/{building_id}"), ids.GRID_DATA)["props"]["data"]
    answer = admin.get(f"/building/{building_id}/chart.xlsx", headers={"Accept-Language": LANGUAGES[language]})
    sheet = sheet_of(answer.data)
    assert chart_matrix(sheet, len(payload["rows"])) == grid_matrix(payload, statuses, language)
    assert {mixed for _text, _colour, mixed in grid_matrix(payload, statuses, language).values()} == (
        {True, False} if building == "mixed" else {False})


def test_floors_run_top_down_with_basements_at_the_bottom(app, client, basement_building):
    payload = by_id(page_of(client, f"/building/{basement_building}"), ids.GRID_DATA)["props"]["data"]
    sheet = sheet_of(client.get(f"/building/{basement_building}/chart.xlsx").data)
    floors = [sheet.cell(row, 1).value for row in range(FIRST_FLOOR_ROW, FIRST_FLOOR_ROW + len(payload["rows"]))]
    with database(app).connect() as conn:
        levels = dict(conn.execute(text(
            "SELECT f.label, f.level FROM floors f JOIN entrances e ON e.id = f.entrance_id WHERE e.building_id = :b"),
            {"b": basement_building}).all())
    assert floors == payload["rows"] and [levels[floor] for floor in floors] == sorted(levels.values(), reverse=True)
    assert floors[-1].startswith("B") and levels[floors[-1]] < 0 < levels[floors[0]]


def test_entrances_head_their_columns_with_an_empty_narrow_gap_between(client):
    payload = by_id(page_of(client, f"/building/{BUILDING}"), ids.GRID_DATA)["props"]["data"]
    sheet = sheet_of(client.get(f"/building/{BUILDING}/chart.xlsx").data)
    column, merged = 2, {str(cells) for cells in sheet.merged_cells.ranges}
    assert len(payload["entrances"]) >= 2
    for entrance in payload["entrances"]:
        assert sheet.cell(HEADER_ROW, column).value == entrance["name"]
        last = column + entrance["width"] - 1
        assert entrance["width"] == 1 or f"{sheet.cell(HEADER_ROW, column).coordinate}:" \
                                          f"{sheet.cell(HEADER_ROW, last).coordinate}" in merged
        gap = last + 1
        assert [sheet.cell(row, gap).value for row in range(HEADER_ROW, FIRST_FLOOR_ROW + len(payload["rows"]))] == [
            None] * (len(payload["rows"]) + 1)
        assert sheet.column_dimensions[openpyxl.utils.get_column_letter(gap)].width < 3
        column = gap + 1


@pytest.mark.parametrize("search", ["", f"?as_of={PAST_DAY.isoformat()}"])
def test_the_legend_counts_are_the_building_pages(app, client, search):
    statuses = catalogue(app)
    page = page_of(client, f"/building/{BUILDING}", search)
    rows = len(by_id(page, ids.GRID_DATA)["props"]["data"]["rows"])
    legend = legend_rows(sheet_of(client.get(f"/building/{BUILDING}/chart.xlsx{search}").data), rows)
    expected = page_counts(page, statuses)
    assert {code: legend[statuses[code]["label_zh"]][1] for code in expected} == expected
    assert {label: (code, colour) for label, (code, _count, colour) in legend.items()} == {
        statuses[code]["label_zh"]: (statuses[code]["text_code_zh"], statuses[code]["color"].upper())
        for code in expected}
    total = sheet_of(client.get(f"/building/{BUILDING}/chart.xlsx{search}").data).cell(
        FIRST_FLOOR_ROW + rows + 2 + len(legend), 2).value
    assert total == sum(expected.values())


def test_a_past_day_chart_is_the_page_grid_as_of_that_day(app, client):
    statuses = catalogue(app)
    past = by_id(page_of(client, f"/building/{BUILDING}", f"?as_of={PAST_DAY}"), ids.GRID_DATA)["props"]["data"]
    today = by_id(page_of(client, f"/building/{BUILDING}"), ids.GRID_DATA)["props"]["data"]
    chart = sheet_of(client.get(f"/building/{BUILDING}/chart.xlsx?as_of={PAST_DAY}").data)
    assert chart_matrix(chart, len(past["rows"])) == grid_matrix(past, statuses, "zh_CN")
    assert grid_matrix(past, statuses, "zh_CN") != grid_matrix(today, statuses, "zh_CN")
    assert PAST_DAY.isoformat() in chart.cell(SUBTITLE_ROW, 1).value


def test_the_title_names_the_building_its_area_and_the_local_time(demo_engine):
    now = dt.datetime(2020, 3, 1, 16, 30, tzinfo=dt.UTC)
    with demo_engine.connect() as conn:
        sheet = sheet_of(chart_xlsx(conn, STAFF, BUILDING, "zh_CN", TIMEZONE, now=now))
        found = queries.building(conn, BUILDING)
        trail, name = " / ".join(area["name"] for area in queries.area_trail(conn, found["area_id"])), found["name"]
        english = sheet_of(chart_xlsx(conn, STAFF, BUILDING, "en", TIMEZONE, now=now))
    assert name in sheet.cell(TITLE_ROW, 1).value and "楼盘图" in sheet.cell(TITLE_ROW, 1).value
    subtitle = sheet.cell(SUBTITLE_ROW, 1).value
    assert subtitle.startswith(trail) and "2020-03-02 00:30" in subtitle
    assert "wall chart" in english.cell(TITLE_ROW, 1).value and english.cell(HEADER_ROW, 1).value == "Floor"
    assert sheet.title == name


def test_a_day_before_any_record_gives_the_floors_without_units(demo_engine):
    with demo_engine.connect() as conn:
        sheet = sheet_of(chart_xlsx(conn, ADMIN, BUILDING, "en", TIMEZONE, as_of=dt.date(1990, 1, 1)))
        floors = len({floor["level"] for floor in queries.building_layout(conn, BUILDING)[1]})
    assert [sheet.cell(row, 1).value for row in range(FIRST_FLOOR_ROW, FIRST_FLOOR_ROW + floors)][-1] == "1"
    assert chart_matrix(sheet, floors) == {}
    assert {count for _code, count, _colour in legend_rows(sheet, floors).values()} == {0}


def test_the_chart_prints_landscape_on_a3_one_page_wide_with_its_title_on_every_page(demo_engine):
    with demo_engine.connect() as conn:
        sheet = sheet_of(chart_xlsx(conn, ADMIN, BUILDING, "zh_CN", TIMEZONE))
    setup = sheet.page_setup
    assert (setup.orientation, int(setup.paperSize), int(setup.fitToWidth), int(setup.fitToHeight)) == (
        "landscape", 8, 1, 0)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.print_title_rows == "$1:$3"
    assert sheet.page_margins.left <= 0.3 and sheet.freeze_panes == f"B{FIRST_FLOOR_ROW}"


def test_a_hatched_status_reads_in_black_and_white(app, client):
    statuses = catalogue(app)
    statuses["unverified"]["pattern"] = "hatched"
    hatched = wall_chart.status_style(statuses["unverified"])[1]
    assert hatched.fill_type == "lightUp" and wall_chart.fill_colour(hatched) == statuses["unverified"]["color"].upper()
    with database(app).begin() as conn:
        conn.execute(text("UPDATE statuses SET pattern = 'hatched' WHERE code = 'unverified'"))
    sheet = sheet_of(client.get(f"/building/{BUILDING}/chart.xlsx").data)
    fills = {cell.fill.fill_type for row in sheet.iter_rows(min_row=FIRST_FLOOR_ROW, min_col=2) for cell in row
             if isinstance(cell.value, str) and cell.value.endswith(" ?")}
    assert fills == {"lightUp"}


def test_names_that_look_like_formulas_stay_text(app, client):
    with database(app).begin() as conn:
        conn.execute(update(Building).where(Building.id == BUILDING).values(name='=HYPERLINK("x")'))
    book = openpyxl.load_workbook(io.BytesIO(client.get("/area/3/charts.xlsx").data))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert [cell.coordinate for cell in cells if cell.data_type == "f"] == []
    assert '=HYPERLINK("x")' in [cell.value for cell in cells]


def test_the_area_workbook_has_its_figures_then_one_sheet_a_building(app, client_as):
    engine = database(app)
    with engine.connect() as conn:
        names = conn.execute(text("SELECT b.name FROM buildings b JOIN areas a ON a.id = b.area_id "
                                  "WHERE a.path LIKE '/1/2/3/%'")).scalars().all()
        counted = conn.execute(UNITS_BY_STATUS, {"path": "/1/2/3/%"}).all()
        statuses = queries.statuses(conn)
    book = openpyxl.load_workbook(io.BytesIO(client_as("leader").get("/area/3/charts.xlsx").data))
    assert book.sheetnames[0] == "统计" and sorted(book.sheetnames[1:]) == sorted(names)
    assert all(name in book[name].cell(TITLE_ROW, 1).value for name in names)
    figures = book.worksheets[0]
    header = [cell.value for cell in figures[HEADER_ROW]]
    columns = {header.index(f"{s['text_code_zh']} {s['label_zh']}"): s["code"] for s in statuses}
    assert sorted(columns) == list(range(2, 2 + len(statuses)))
    found = {(row[0].value, columns[i]): row[i].value for row in figures.iter_rows(min_row=HEADER_ROW + 1)
             for i in columns if row[i].value and row[0].value != "合计"}
    assert found == {(name, status): units for name, status, units in counted}
    totals = next(row for row in figures.iter_rows(values_only=True) if row[0] == "合计")
    assert totals[-1] == sum(units for *_key, units in counted)


def test_sheet_names_are_what_excel_takes():
    names = wall_chart.sheet_names(["统计", "a[b]:c*d?e/f\\g", "x" * 40, "X" * 40, "'quoted'", "统计", ""])
    assert names[:2] == ["统计", "a_b__c_d_e_f_g"] and names[2] == "x" * 31
    assert names[3] == "X" * 27 + " (2)" and names[4] == "quoted" and names[5] == "统计 (2)"
    assert all(len(name) <= 31 and name and not set(name) & set("[]:*?/\\") for name in names)
    assert len({name.casefold() for name in names}) == len(names)


def test_the_data_layer_refuses_what_the_actor_may_not_see(demo_engine):
    with demo_engine.connect() as conn:
        other = conn.execute(OTHER_WORKSTATIONS_BUILDING).scalar_one()
        with pytest.raises(NoBuilding):
            chart_xlsx(conn, STAFF, other, "zh_CN", TIMEZONE)
        with pytest.raises(NoBuilding):
            chart_xlsx(conn, STAFF, 999_999, "zh_CN", TIMEZONE)
        with pytest.raises(NoArea):
            area_workbook(conn, STAFF, 3, "zh_CN", TIMEZONE)
        assert sheet_of(chart_xlsx(conn, LEADER, other, "en", TIMEZONE)).cell(HEADER_ROW, 1).value == "Floor"


def test_the_download_answers_a_named_workbook_and_logs_nothing(app, client_as):
    staff = client_as("staff")
    answer = staff.get(f"/building/{BUILDING}/chart.xlsx")
    assert answer.status_code == 200 and answer.content_type == XLSX
    today = dt.datetime.now(ZoneInfo(TIMEZONE)).date()
    disposition = answer.headers["Content-Disposition"]
    assert disposition.startswith(f'attachment; filename="building-{BUILDING}-chart.xlsx"; filename*=UTF-8\'\'')
    assert disposition.endswith(quote(f"鲁谷大厦1号楼楼盘图-{today}.xlsx"))
    assert answer.headers["Cache-Control"] == "no-store"
    past = staff.get(f"/building/{BUILDING}/chart.xlsx?as_of={PAST_DAY}").headers["Content-Disposition"]
    assert past.endswith(quote(f"楼盘图-{PAST_DAY}.xlsx"))
    area = staff.get("/area/4/charts.xlsx")
    assert area.status_code == 200 and area.content_type == XLSX
    assert area.headers["Content-Disposition"].endswith(quote(f"第一楼宇工作站楼盘图-{today}.xlsx"))
    with database(app).connect() as conn:
        assert conn.execute(select(PersonalDataView.id)).all() == []


@pytest.mark.parametrize("address", ["/building/{other}/chart.xlsx", "/building/999999/chart.xlsx",
                                     "/building/99999999999/chart.xlsx", "/building/0/chart.xlsx",
                                     "/area/3/charts.xlsx", "/area/5/charts.xlsx", "/area/999999/charts.xlsx"])
def test_charts_out_of_reach_are_not_found(app, client_as, address):
    with database(app).connect() as conn:
        other = conn.execute(OTHER_WORKSTATIONS_BUILDING).scalar_one()
    assert client_as("staff").get(address.format(other=other)).status_code == 404


def test_anonymous_chart_downloads_go_to_sign_in(anonymous):
    for address in (f"/building/{BUILDING}/chart.xlsx", "/area/3/charts.xlsx"):
        answer = anonymous.get(address)
        assert answer.status_code == 302 and answer.headers["Location"].startswith(f"/login?next={address}")


@pytest.mark.parametrize("day", ["2020-02-30", "yesterday", "2999-01-01", "1800-01-01"])
def test_a_day_that_cannot_be_shown_is_refused_with_a_message(client, day):
    answer = client.get(f"/building/{BUILDING}/chart.xlsx?as_of={day}")
    assert answer.status_code == 400 and answer.content_type == "text/plain; charset=utf-8"
    assert answer.get_data(as_text=True).strip()


def test_an_area_of_too_many_buildings_is_refused_with_a_message(client, monkeypatch):
    monkeypatch.setattr(wall_chart, "MAX_CHARTS", 2)
    answer = client.get("/area/3/charts.xlsx", headers={"Accept-Language": "en"})
    assert answer.status_code == 400 and "more than 2 buildings" in answer.get_data(as_text=True)
    assert client.get("/area/3/charts.xlsx").get_data(as_text=True).startswith("鲁谷街道")


@pytest.mark.parametrize("search", ["", f"?as_of={PAST_DAY}"])
def test_the_building_page_button_downloads_the_chart_of_the_day_shown(client, search):
    button = by_id(page_of(client, f"/building/{BUILDING}", search), ids.CHART_DOWNLOAD)["props"]
    assert button["href"] == f"/building/{BUILDING}/chart.xlsx{search}"
    answer = client.get(button["href"])
    assert answer.status_code == 200 and answer.content_type == XLSX
    subtitle = sheet_of(answer.data).cell(SUBTITLE_ROW, 1).value
    assert (PAST_DAY.isoformat() in subtitle) == bool(search)


def test_the_area_page_links_to_the_area_workbook(client_as):
    leader = client_as("leader")
    link = by_id(open_page(leader, "/area/3"), ids.AREA_CHARTS_XLSX)["props"]["href"]
    assert link == "/area/3/charts.xlsx" and leader.get(link).content_type == XLSX


def test_the_bench_measures_a_60_by_40_chart(demo_engine):
    tower = add_tower(demo_engine, 4, floors=60, width=40, status="unverified")
    figures = chart_figures(demo_engine, tower, 1)
    assert set(figures) == {"chart_60x40_s"} and 0 < figures["chart_60x40_s"] < 3


def test_a_user_downloads_the_chart_from_the_building_page(browser, sqlite_app, tmp_path):
    browser.driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)})
    start_signed_in(browser, sqlite_app, "staff")
    browser.driver.get(f"{browser.server_url}/building/{BUILDING}")
    browser.wait_for_element(f"#{ids.CHART_DOWNLOAD}", timeout=15).click()
    WebDriverWait(browser.driver, 30).until(lambda _driver: list(tmp_path.glob("*.xlsx")))
    downloaded = next(tmp_path.glob("*.xlsx"))
    assert downloaded.name.startswith("鲁谷大厦1号楼楼盘图-")
    assert sheet_of(downloaded.read_bytes()).cell(TITLE_ROW, 1).value.startswith("鲁谷大厦1号楼")
    assert browser.get_logs() == []
