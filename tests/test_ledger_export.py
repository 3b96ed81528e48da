"""Ledger (台账) export: an area's active units in the import's layout, as .xlsx and CSV, from the data layer, the
download routes and the command line; personal data per role, views logged, no cell a formula (both backends)."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from urllib.parse import quote

import openpyxl
import pytest
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import select, text, update

from dashboard import i18n, ids
from dashboard.__main__ import main
from data import access, accounts, areas, ledger
from data.changes import ChangeContext
from data.db import writing
from data.ledger_columns import FIELDS, escape_cell, unescape
from data.ledger_export import COLUMNS, NoArea, ledger_rows, to_csv, to_xlsx, written
from data.models import PersonalDataView, Unit, UnitChange
from scripts.dash_client import by_id, open_page
from tests.helpers import PASSWORD, as_read, database, start_signed_in

PHONE = re.compile(r"1[3-9]\d{9}")
NOW = dt.datetime(2020, 3, 1, 16, 30, tzinfo=dt.UTC)  # 00:30 on 2 March in Beijing
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Notes a spreadsheet would run as formulas unless written as text, and text XML needs escaped.
TRICKY_NOTES = ['=HYPERLINK("x")', "+1 报备", "-2", "@SUM(A1)", "'=已转义", "第一行\r\n第二行", "<b>&amp;</b>",
                "\t空格"]
# Every active unit under an area, with what a ledger row names it by and where it stands: written apart from the
# export's query.
AREA_UNITS = text("""
    SELECT u.id, b.name AS building, e.name AS entrance, u.label AS unit, b.id AS building_id,
           e.position AS entrance_at, f.level, u.position, u.occupant_name, u.contact_phone
    FROM units u JOIN buildings b ON b.id = u.building_id JOIN areas a ON a.id = b.area_id
    JOIN entrances e ON e.id = u.entrance_id JOIN floors f ON f.id = u.floor_id
    WHERE u.retired_at IS NULL AND a.path LIKE :path
""")


@pytest.fixture
def people(demo_engine) -> dict[str, accounts.Account]:
    """Users with rows behind them (the access log refers to them): staff of the first workstation, a leader of the
    sub-district and an administrator."""
    with demo_engine.begin() as conn:
        for name, role, area_ids in (("wang", "staff", [4]), ("li", "leader", [3]), ("root", "admin", [])):
            accounts.create_user(conn, name, PASSWORD, role, area_ids)
        return {name: accounts.active_account(conn, name) for name in ("wang", "li", "root")}


def export(engine, actor, area_id: int, language: str = "zh_CN"):
    """The ledger of an area as an actor reads it, at NOW."""
    with writing(engine) as conn:
        return ledger_rows(conn, actor, area_id, language, now=NOW)


def area_units(engine, path: str) -> dict[tuple[str, str, str], dict]:
    """The active units under an area path by (building, entrance, unit label)."""
    with engine.connect() as conn:
        rows = [dict(row._mapping) for row in conn.execute(AREA_UNITS, {"path": path + "%"})]
    return {(row["building"], row["entrance"], row["unit"]): row for row in rows}


def views(engine) -> list[tuple[int, int]]:
    """The access log as (user id, unit id) pairs."""
    with engine.connect() as conn:
        return sorted(tuple(row) for row in conn.execute(select(PersonalDataView.user_id, PersonalDataView.unit_id)))


def keyed(header: list[str], rows: list[list]) -> dict[tuple[str, str, str], dict]:
    """Ledger rows by (building, entrance, unit), each as a dict by field."""
    records = [dict(zip(COLUMNS, row, strict=True)) for row in rows]
    assert len(header) == len(COLUMNS)
    return {(record["building"], record["entrance"], record["unit"]): record for record in records}


def with_notes(engine, path: str, notes: list[str]) -> dict[int, str]:
    """The first units under an area given these notes; their ids and notes."""
    with engine.begin() as conn:
        unit_ids = sorted(row["id"] for row in area_units(engine, path).values())[:len(notes)]
        for unit_id, note in zip(unit_ids, notes, strict=True):
            conn.execute(update(Unit).where(Unit.id == unit_id).values(note=note))
    return dict(zip(unit_ids, notes, strict=True))


def sheet_of(data: bytes):
    """The first sheet of a workbook, formulas left as written."""
    return openpyxl.load_workbook(io.BytesIO(data), data_only=False).worksheets[0]


def csv_rows(data: bytes) -> list[list[str]]:
    """The rows of a CSV file written with a BOM."""
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_a_ledger_lists_every_active_unit_of_the_area_once(demo_engine, people):
    retired = min(row["id"] for row in area_units(demo_engine, "/1/2/3/4/").values())
    with demo_engine.begin() as conn:
        conn.execute(update(Unit).where(Unit.id == retired).values(retired_at=dt.datetime(2020, 3, 1)))
    expected = area_units(demo_engine, "/1/2/3/4/")
    _title, header, rows = export(demo_engine, people["root"], 4)
    assert [row[0] for row in rows] == list(range(1, len(expected) + 1))
    assert keyed(header, rows).keys() == expected.keys() and len(rows) == len(expected)
    assert retired not in {row["id"] for row in expected.values()}


def test_rows_go_by_building_name_then_entrance_floor_and_unit_position(demo_engine, people):
    _title, header, rows = export(demo_engine, people["li"], 3)
    units = area_units(demo_engine, "/1/2/3/")
    places = [units[key] for key in keyed(header, rows)]
    with demo_engine.connect() as conn:
        names = list(conn.execute(text("SELECT DISTINCT name FROM buildings WHERE area_id IN (4, 5, 6, 7) "
                                       "ORDER BY name")).scalars())
    assert list(dict.fromkeys(place["building"] for place in places)) == names
    for before, after in zip(places, places[1:], strict=False):
        if before["building_id"] == after["building_id"]:
            order = ("entrance_at", "level", "position")
            assert [before[key] for key in order] <= [after[key] for key in order]


def test_headers_and_labels_follow_the_language(demo_engine, people):
    with demo_engine.connect() as conn:
        unit = dict(conn.execute(text(
            "SELECT b.name AS building, e.name AS entrance, u.label AS unit, f.label AS floor, s.label_zh, "
            "s.label_en, w.label_zh AS use_zh, w.label_en AS use_en, u.quarantine_start, u.quarantine_end "
            "FROM units u JOIN buildings b ON b.id = u.building_id JOIN entrances e ON e.id = u.entrance_id "
            "JOIN floors f ON f.id = u.floor_id JOIN statuses s ON s.code = u.status "
            "JOIN unit_uses w ON w.code = u.use WHERE u.quarantine_start IS NOT NULL AND b.area_id = 4 "
            "AND u.retired_at IS NULL ORDER BY u.id")).first()._mapping)
    key = (unit["building"], unit["entrance"], unit["unit"])
    _title, chinese, rows = export(demo_engine, people["wang"], 4)
    _title, english, english_rows = export(demo_engine, people["wang"], 4, "en")
    assert chinese == ["序号", "楼宇名称", "单元", "楼层", "房号", "使用性质", "单位/住户名称", "居住人数", "员工人数",
                       "联系电话", "状态", "隔离开始", "隔离结束", "备注"]
    assert chinese == [FIELDS[field][0] for field in COLUMNS]
    assert english == ["No.", "building", "entrance", "floor", "unit", "use", "occupant_name", "residents", "staff",
                       "contact_phone", "status", "quarantine_start", "quarantine_end", "note"]
    row, english_row = keyed(chinese, rows)[key], keyed(english, english_rows)[key]
    assert (row["status"], row["use"], english_row["status"], english_row["use"]) == (
        unit["label_zh"], unit["use_zh"], unit["label_en"], unit["use_en"])
    assert row["floor"] == unit["floor"]
    assert row["quarantine_start"] == str(unit["quarantine_start"])[:10]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", row["quarantine_end"])


def test_basement_floors_keep_their_labels(demo_engine, people):
    _title, header, rows = export(demo_engine, people["li"], 3)
    floors = {record["floor"] for record in keyed(header, rows).values()}
    assert {"B1", "1", "12"} <= floors


def test_the_title_names_the_area_and_the_local_time(demo_engine, people):
    title, _header, _rows = export(demo_engine, people["li"], 3)
    english, _header, _rows = export(demo_engine, people["li"], 3, "en")
    assert len(title) == 1 and len(title[0]) == 1
    assert "鲁谷街道" in title[0][0] and "台账" in title[0][0] and "2020-03-02 00:30" in title[0][0]
    assert "鲁谷街道" in english[0][0] and "ledger" in english[0][0] and "2020-03-02 00:30" in english[0][0]


def test_a_leader_gets_no_name_and_no_phone_and_nothing_is_logged(demo_engine, people):
    _title, header, rows = export(demo_engine, people["li"], 3)
    units = area_units(demo_engine, "/1/2/3/")
    records = keyed(header, rows)
    names = {unit["occupant_name"] for unit in units.values() if unit["occupant_name"]}
    cells = {str(cell) for row in rows for cell in row}
    assert names and not names & cells
    assert not [cell for cell in cells if PHONE.search(cell)]
    assert {record["occupant_name"] for record in records.values()} <= {access.HIDDEN, ""}
    assert [key for key, record in records.items() if units[key]["contact_phone"] and "*" not in
            record["contact_phone"]] == []
    assert views(demo_engine) == []


def test_staff_get_personal_data_and_each_unit_is_logged_as_seen(demo_engine, people):
    _title, header, rows = export(demo_engine, people["wang"], 4)
    units = area_units(demo_engine, "/1/2/3/4/")
    assert {key: (record["occupant_name"], record["contact_phone"]) for key, record in keyed(header, rows).items()} == {
        key: (unit["occupant_name"], unit["contact_phone"]) for key, unit in units.items()}
    assert views(demo_engine) == sorted((people["wang"].id, unit["id"]) for unit in units.values())


@pytest.mark.parametrize(("who", "area_id"), [("wang", 5), ("wang", 3), ("li", 2), ("root", 999_999), (None, 3)])
def test_an_area_out_of_reach_is_no_area_and_logs_nothing(demo_engine, people, who, area_id):
    with pytest.raises(NoArea):
        export(demo_engine, people.get(who), area_id)
    assert views(demo_engine) == []


def test_tricky_notes_come_back_as_text_from_the_workbook_and_the_csv(demo_engine, people):
    notes = with_notes(demo_engine, "/1/2/3/4/", TRICKY_NOTES)
    ledger = export(demo_engine, people["root"], 4)
    sheet = sheet_of(to_xlsx(*ledger))
    assert [cell.data_type for row in sheet.iter_rows() for cell in row if cell.data_type == "f"] == []
    kept = [row[-1].value for row in sheet.iter_rows(min_row=3) if row[-1].value]
    assert sorted(unescape(note) for note in kept) == sorted(notes.values()) and '=HYPERLINK("x")' in kept
    written = csv_rows(to_csv(*ledger))
    assert sorted(row[-1] for row in written[2:] if row[-1]) == sorted(escape_cell(note) for note in notes.values())
    assert sorted(unescape(row[-1]) for row in written[2:] if row[-1]) == sorted(notes.values())
    assert all(not row[-1].startswith(("=", "+", "-", "@", "\t", "\r")) for row in written[2:])


@pytest.mark.parametrize("extension", ["xlsx", "csv"])
@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_a_ledger_exported_then_imported_changes_nothing(demo_engine, people, language, extension):
    with_notes(demo_engine, "/1/2/3/4/", [note.strip() for note in TRICKY_NOTES])  # as the app stores notes
    with writing(demo_engine) as conn:
        exported = written(ledger_rows(conn, people["wang"], 4, language, now=NOW), extension)
        found = ledger.preview(conn, people["wang"], exported, f"台账.{extension}", 4)
        report = ledger.apply_ledger(conn, ChangeContext(people["wang"], source="import"), exported,
                                     f"台账.{extension}", 4)
    assert (found.problems, found.created, found.changes, found.skipped) == ((), (), (), ())
    assert found.unchanged == report.unchanged == len(area_units(demo_engine, "/1/2/3/4/"))
    with demo_engine.connect() as conn:
        assert conn.execute(select(UnitChange.id).where(UnitChange.batch_id == report.batch_id)).all() == []


def test_an_empty_area_gives_a_ledger_to_fill_in(demo_engine, people):
    with demo_engine.begin() as conn:
        empty = areas.add_area(conn, ChangeContext(people["root"]), "第九楼宇工作站", 3)
    title, header, rows = export(demo_engine, people["root"], empty)
    assert rows == [] and "第九楼宇工作站" in title[0][0] and views(demo_engine) == []
    assert [list(row) for row in sheet_of(to_xlsx(title, header, rows)).iter_rows(values_only=True)][1] == header
    assert csv_rows(to_csv(title, header, rows))[1:] == [header]


def test_a_workbook_holds_the_title_the_header_and_one_row_a_unit():
    ledger = ([["区 台账（2020-03-02 00:30）"]], ["序号", "楼宇名称", "居住人数", "备注"],
              [[1, "A&B <楼>", 3, "=1+1"], [2, "", 0, "控制\x01字符"]])
    sheet = sheet_of(to_xlsx(*ledger))
    assert [[cell for cell in row] for row in sheet.iter_rows(values_only=True)] == [
        ["区 台账（2020-03-02 00:30）", None, None, None], ["序号", "楼宇名称", "居住人数", "备注"],
        [1, "A&B <楼>", 3, "=1+1"], [2, None, 0, "控制_x0001_字符"]]
    assert [str(cells) for cells in sheet.merged_cells.ranges] == ["A1:D1"] and sheet.freeze_panes == "A3"
    assert sheet["A2"].font.b and sheet["C3"].data_type == "n" and sheet["D3"].data_type == "s"


def test_a_csv_is_utf8_with_a_bom_and_numbers_stay_numbers():
    data = to_csv([["台账"]], ["序号", "备注"], [[1, "-1"], [2, "'=x"]])
    assert data.startswith(b"\xef\xbb\xbf") and data.decode("utf-8-sig").splitlines()[0] == "台账"
    assert csv_rows(data) == [["台账"], ["序号", "备注"], ["1", "'-1"], ["2", "''=x"]]


def test_the_download_routes_answer_a_workbook_and_a_csv(app, client_as):
    notes = with_notes(database(app), "/1/2/3/4/", ['=HYPERLINK("x")'])
    staff, units = client_as("staff"), area_units(database(app), "/1/2/3/4/")
    workbook = staff.get("/area/4/ledger.xlsx")
    assert workbook.status_code == 200 and workbook.content_type == XLSX
    disposition = workbook.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="area-4-ledger.xlsx"; filename*=UTF-8\'\'')
    assert quote("第一楼宇工作站台账-") in disposition and disposition.endswith(".xlsx")
    sheet = sheet_of(workbook.data)
    assert sheet.max_row == len(units) + 2 and sheet["B2"].value == "楼宇名称"
    assert [cell.value for row in sheet.iter_rows() for cell in row if cell.data_type == "f"] == []
    assert '=HYPERLINK("x")' in [row[-1] for row in sheet.iter_rows(values_only=True)]
    table = staff.get("/area/4/ledger.csv")
    assert table.status_code == 200 and table.content_type == "text/csv; charset=utf-8"
    assert 'filename*=UTF-8\'\'' in table.headers["Content-Disposition"]
    assert len(csv_rows(table.data)) == len(units) + 2
    assert escape_cell(next(iter(notes.values()))) in [row[-1] for row in csv_rows(table.data)]
    assert table.headers["Cache-Control"] == "no-store"


def test_a_leader_downloads_masked_data_and_no_view_is_logged(app, client_as):
    leader, units = client_as("leader"), area_units(database(app), "/1/2/3/")
    rows = csv_rows(leader.get("/area/3/ledger.csv").data)
    hidden = as_read(app, lambda: i18n.translated(access.HIDDEN))
    names = {unit["occupant_name"] for unit in units.values() if unit["occupant_name"]}
    assert len(rows) == len(units) + 2 and hidden in {row[6] for row in rows[2:]}
    assert not names & {cell for row in rows for cell in row}
    assert not [cell for row in rows for cell in row if PHONE.search(cell)]
    assert views(database(app)) == []


def test_staff_downloads_are_logged_as_views(app, client_as):
    assert client_as("staff").get("/area/4/ledger.xlsx").status_code == 200
    logged = views(database(app))
    assert len(logged) == len(area_units(database(app), "/1/2/3/4/")) and len({user for user, _unit in logged}) == 1


@pytest.mark.parametrize("address", ["/area/5/ledger.xlsx", "/area/3/ledger.csv", "/area/999999/ledger.csv",
                                     "/area/99999999999/ledger.xlsx", "/area/0/ledger.csv"])
def test_downloads_of_areas_out_of_reach_are_not_found(app, client_as, address):
    assert client_as("staff").get(address).status_code == 404
    assert views(database(app)) == []


def test_anonymous_downloads_go_to_sign_in(anonymous):
    answer = anonymous.get("/area/3/ledger.xlsx")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/login?next=/area/3/ledger.xlsx")


def test_english_readers_get_english_headers(app, client_as):
    rows = csv_rows(client_as("leader").get("/area/4/ledger.csv", headers={"Accept-Language": "en"}).data)
    assert rows[1][:3] == ["No.", "building", "entrance"] and "ledger" in rows[0][0]


def test_the_area_page_links_to_both_downloads(app, client_as):
    leader = client_as("leader")
    page = open_page(leader, "/area/3")
    for link, kind in ((ids.AREA_LEDGER_XLSX, XLSX), (ids.AREA_LEDGER_CSV, "text/csv; charset=utf-8")):
        address = by_id(page, link)["props"]["href"]
        assert leader.get(address).content_type == kind


@pytest.fixture
def cli_database(demo_engine, people, monkeypatch):
    """The demo with its users as the command line's database."""
    monkeypatch.setenv("DATABASE_URL", demo_engine.url.render_as_string(hide_password=False))
    return demo_engine


def test_the_command_line_writes_the_ledger_as_the_user_sees_it(cli_database, tmp_path, capsys):
    output = tmp_path / "out.csv"
    assert main(["export-ledger", "第一楼宇工作站", "--as", "WANG", "-o", str(output)]) == 0
    units = area_units(cli_database, "/1/2/3/4/")
    assert capsys.readouterr().out.strip() == f"wrote {len(units)} units to {output}"
    rows = csv_rows(output.read_bytes())
    assert rows[1][0] == "序号" and len(rows) == len(units) + 2
    assert len(views(cli_database)) == len(units)


def test_the_command_line_names_the_file_after_the_area_and_takes_a_format(cli_database, tmp_path, monkeypatch):
    (tmp_path / "out").mkdir()
    monkeypatch.chdir(tmp_path / "out")
    assert main(["export-ledger", "3", "--as", "li", "--language", "en"]) == 0
    assert main(["export-ledger", "3", "--as", "li", "--format", "csv"]) == 0
    written = sorted(path.name for path in (tmp_path / "out").iterdir())
    assert [re.sub(r"\d{4}-\d{2}-\d{2}", "DAY", name) for name in written] == ["鲁谷街道 ledger DAY.xlsx",
                                                                                "鲁谷街道台账-DAY.csv"]
    assert sheet_of((tmp_path / "out" / written[0]).read_bytes())["B2"].value == "building"
    assert views(cli_database) == []


@pytest.mark.parametrize("arguments", [["5", "--as", "wang"], ["3", "--as", "nobody"], ["无此区域", "--as", "root"],
                                       ["4", "--as", "wang", "-o", "/nonexistent/folder/out.xlsx"]])
def test_the_command_line_refuses_clearly_and_logs_nothing(cli_database, tmp_path, monkeypatch, capsys, arguments):
    (tmp_path / "out").mkdir()
    monkeypatch.chdir(tmp_path / "out")
    assert main(["export-ledger", *arguments]) == 1
    assert capsys.readouterr().err.startswith("error: ")
    assert list((tmp_path / "out").iterdir()) == [] and views(cli_database) == []


def test_a_leader_downloads_the_ledger_from_the_area_page(browser, sqlite_app, tmp_path):
    browser.driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)})
    start_signed_in(browser, sqlite_app, "leader")
    browser.wait_for_element(f"#{ids.AREA_LEDGER_XLSX}", timeout=15).click()
    WebDriverWait(browser.driver, 30).until(lambda _driver: list(tmp_path.glob("*.xlsx")))
    downloaded = next(tmp_path.glob("*.xlsx"))
    assert downloaded.name.startswith("鲁谷街道台账-")
    sheet = sheet_of(downloaded.read_bytes())
    assert sheet.max_row == len(area_units(database(sqlite_app), "/1/2/3/")) + 2
    assert not [cell for row in sheet.iter_rows(values_only=True) for cell in row if PHONE.search(str(cell))]
    assert browser.get_logs() == []
