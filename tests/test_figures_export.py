"""Figures for leaders: an area's counts by child area and by building and its needs-attention lists, as .xlsx and
CSV, read back with openpyxl and csv and checked against the references and the area page; personal data per role,
views logged, no cell a formula (both backends)."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import Counter
from urllib.parse import quote

import openpyxl
import pytest
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import select, text, update

from dashboard import ids
from dashboard.figure_downloads import catalog
from data import accounts, areas, queries, summary
from data.access import HIDDEN
from data.accounts import SYSTEM
from data.changes import ChangeContext, UnitEdit, apply_edits
from data.db import writing
from data.figures_export import Table, figures, figures_csv, figures_xlsx, translated_tables
from data.ledger_columns import FORMULA_STARTS, escape_cell
from data.ledger_export import NoArea
from data.models import Building, PersonalDataView
from scripts.dash_client import by_id, open_page, walk
from tests import references
from tests.helpers import DEMO_TODAY, PASSWORD, database, start_signed_in

NOW = dt.datetime(2020, 3, 1, 8, 0, tzinfo=dt.UTC)  # 16:00 on DEMO_TODAY in Beijing
PATH = "/1/2/3/"
PHONE = re.compile(r"1[3-9]\d{9}")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TRICKY = '=HYPERLINK("x")'
# Sheets: by area, buildings, then the needs-attention lists (unverified, ending, busiest buildings, mixed use).
UNIT_SHEETS = {"unverified": 2, "ending": 3, "mixed": 5}


@pytest.fixture
def people(demo_engine) -> dict[str, accounts.Account]:
    """Users with rows behind them (the access log refers to them): staff of the first workstation, a leader and a
    viewer of the sub-district, and an administrator."""
    with demo_engine.begin() as conn:
        for name, role, area_ids in (("wang", "staff", [4]), ("li", "leader", [3]), ("zhao", "viewer", [3]),
                                     ("root", "admin", [])):
            accounts.create_user(conn, name, PASSWORD, role, area_ids)
        return {name: accounts.active_account(conn, name) for name in ("wang", "li", "zhao", "root")}


def export(engine, actor, area_id: int = 3, language: str = "zh_CN", days: int = 7):
    """The figures of an area as an actor reads them, at NOW, in English messages."""
    with writing(engine) as conn:
        return translated_tables(figures(conn, actor, area_id, language, days=days, now=NOW))


def book_of(data: bytes):
    """A workbook read back, formulas left as written."""
    return openpyxl.load_workbook(io.BytesIO(data), data_only=False)


def values(sheet) -> list[list]:
    """A sheet's rows below its title and header."""
    return [list(row) for row in sheet.iter_rows(min_row=3, values_only=True)]


def csv_rows(data: bytes) -> list[list[str]]:
    """The rows of a CSV file written with a BOM."""
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def views(engine) -> list[tuple[int, int]]:
    """The access log as (user id, unit id) pairs."""
    with engine.connect() as conn:
        return sorted(tuple(row) for row in conn.execute(select(PersonalDataView.user_id, PersonalDataView.unit_id)))


def listed(engine, day: dt.date = DEMO_TODAY, days: int = 7) -> dict[str, list[dict]]:
    """The area page's needs-attention lists of the sub-district on a day."""
    with engine.connect() as conn:
        return queries.area_exceptions(conn, PATH, day, days)


def reference_counts(engine) -> tuple[dict[int, Counter], dict[int, dict], dict[int, Counter]]:
    """Units by status per area, (residents, staff, residents by status) per area, and units by status per building,
    from the references' GROUP BYs over the units."""
    with engine.connect() as conn:
        grouped, by_building = references.grouped_area_counts(conn), references.grouped_building_counts(conn)
    units, people = {}, {}
    for (area_id, status, _use), (count, residents, staff) in grouped.items():
        units.setdefault(area_id, Counter())[status] += count
        person = people.setdefault(area_id, {"residents": 0, "staff": 0, "by_status": Counter()})
        person["residents"] += residents
        person["staff"] += staff
        person["by_status"][status] += residents
    buildings = {}
    for (building_id, status), count in by_building.items():
        buildings.setdefault(building_id, Counter())[status] += count
    return units, people, buildings


def expected_area_row(name, kind: str, units: Counter, people: dict, statuses: list[dict]) -> list:
    """An area's row as the references give it: counts in catalogue order, total, households, firms, people."""
    homes, firms = summary.household_statuses(statuses), summary.firm_statuses(statuses)
    return [name, kind, *(units[s["code"]] for s in statuses), sum(units.values()),
            sum(units[code] for code in homes), sum(units[code] for code in firms), people["residents"],
            people["staff"], *(people["by_status"][s["code"]] for s in statuses if s["requires_dates"])]


def seeded(engine, unit_ids: list[int], **values) -> None:
    """Units given values through the change layer (as a person would save them)."""
    with writing(engine) as conn:
        apply_edits(conn, [UnitEdit(unit_id, values) for unit_id in unit_ids],
                    ChangeContext(actor=SYSTEM, at=NOW.replace(tzinfo=None), verifies=False))


def test_child_areas_and_the_total_count_as_the_references(demo_engine, people):
    tables = export(demo_engine, people["li"])
    sheet = book_of(figures_xlsx(tables)).worksheets[0]
    units, persons, _buildings = reference_counts(demo_engine)
    with demo_engine.connect() as conn:
        statuses, children = queries.statuses(conn), queries.child_areas(conn, 3)
    expected = [expected_area_row(c["name"], "楼宇工作站", units[c["id"]], persons[c["id"]], statuses)
                for c in children]
    expected.append(expected_area_row("鲁谷街道 (total)", "街道", units[3], persons[3], statuses))
    assert len(children) == 4 and values(sheet) == expected


def test_every_building_of_the_subtree_counts_as_the_references(demo_engine, people):
    sheet = book_of(figures_xlsx(export(demo_engine, people["li"]))).worksheets[1]
    _units, _persons, buildings = reference_counts(demo_engine)
    with demo_engine.connect() as conn:
        statuses = queries.statuses(conn)
        shown = queries.building_list(conn, limit=None, scope=(PATH,))
        ids_in_area = set(conn.execute(text("SELECT b.id FROM buildings b JOIN areas a ON a.id = b.area_id "
                                            "WHERE a.path LIKE '/1/2/3/%'")).scalars())
    assert {b["id"] for b in shown} == ids_in_area and len(ids_in_area) == 33
    assert values(sheet) == [[b["name"], b["area_name"], *(buildings[b["id"]][s["code"]] for s in statuses),
                              sum(buildings[b["id"]].values())] for b in shown]
    assert all(cell.data_type == "n" for row in sheet.iter_rows(min_row=3) for cell in row[2:])


def test_every_building_is_listed_even_beyond_the_pages_limit(demo_engine, people, monkeypatch):
    monkeypatch.setattr(queries.building_list, "__defaults__", ("", 2, None))  # the page would list 2
    sheet = book_of(figures_xlsx(export(demo_engine, people["root"], 1))).worksheets[1]
    with demo_engine.connect() as conn:
        assert len(values(sheet)) == len(conn.execute(select(Building.id)).all()) == 33


def test_the_needs_attention_sheets_are_the_area_pages_lists(demo_engine, people):
    book = book_of(figures_xlsx(export(demo_engine, people["li"])))
    lists = listed(demo_engine)
    with demo_engine.connect() as conn:
        labels = {s["code"]: s["label_zh"] for s in queries.statuses(conn)}
    assert all(lists[key] for key in ("unverified", "ending", "mixed", "buildings"))
    for key, index in UNIT_SHEETS.items():
        rows = values(book.worksheets[index])
        assert [row[:3] for row in rows] == [[u["building_name"], u["label"], labels[u["status"]]] for u in lists[key]]
    assert [row[3].date() for row in values(book.worksheets[3])] == [u["quarantine_end"] for u in lists["ending"]]
    assert values(book.worksheets[4]) == [[b["name"], b["units"]] for b in lists["buildings"]]


def test_the_wait_decides_which_units_are_long_unverified(demo_engine, people):
    shorter = export(demo_engine, people["li"], days=26)[2]
    longer = export(demo_engine, people["li"], days=27)[2]
    assert [row[:2] for row in shorter.rows] == [[u["building_name"], u["label"]]
                                                 for u in listed(demo_engine, days=26)["unverified"]]
    assert shorter.rows and longer.rows == listed(demo_engine, days=27)["unverified"] == []
    assert "27" in longer.title and "26" in shorter.title


@pytest.mark.parametrize("who", ["li", "zhao"])
def test_leaders_and_viewers_get_no_names_and_masked_phones_and_nothing_is_logged(demo_engine, people, who):
    tables = export(demo_engine, people[who])
    with demo_engine.connect() as conn:
        names = set(conn.execute(text("SELECT occupant_name FROM units WHERE occupant_name <> ''")).scalars())
    cells = {str(cell) for table in tables for row in table.rows for cell in row}
    occupants = {row[4] for index in UNIT_SHEETS.values() for row in tables[index].rows}
    phones = [row[5] for index in UNIT_SHEETS.values() for row in tables[index].rows if row[5]]
    assert occupants <= {str(HIDDEN), ""} and str(HIDDEN) in occupants and not names & cells
    assert phones and all("*" in phone for phone in phones) and not [cell for cell in cells if PHONE.search(cell)]
    assert views(demo_engine) == []


@pytest.mark.parametrize(("who", "area_id"), [("wang", 4), ("root", 3)])
def test_staff_and_admins_get_names_and_phones_and_each_listed_unit_is_logged_once(demo_engine, people, who,
                                                                                     area_id):
    tables = export(demo_engine, people[who], area_id)
    path = {4: "/1/2/3/4/", 3: PATH}[area_id]
    with demo_engine.connect() as conn:
        lists = queries.area_exceptions(conn, path, DEMO_TODAY, 7)
        listed_ids = sorted({u["id"] for key in UNIT_SHEETS for u in lists[key]})
        people_of = {row.id: (row.occupant_name or "", row.contact_phone or "") for row in conn.execute(
            text("SELECT id, occupant_name, contact_phone FROM units"))}
    for key, index in UNIT_SHEETS.items():
        assert [tuple(row[4:]) for row in tables[index].rows] == [people_of[u["id"]] for u in lists[key]]
    assert listed_ids and views(demo_engine) == [(people[who].id, unit_id) for unit_id in listed_ids]


@pytest.mark.parametrize(("who", "area_id"), [("wang", 5), ("wang", 3), ("li", 2), ("root", 999_999), (None, 3)])
def test_an_area_out_of_reach_is_no_area_and_logs_nothing(demo_engine, people, who, area_id):
    with pytest.raises(NoArea):
        export(demo_engine, people.get(who), area_id)
    assert views(demo_engine) == []


def test_formula_like_text_comes_back_as_text_never_a_formula(demo_engine, people):
    unit_ids = [u["id"] for u in listed(demo_engine)["unverified"][:2]]
    seeded(demo_engine, unit_ids, occupant_name=TRICKY)
    first = listed(demo_engine)["unverified"][0]["building_id"]
    with demo_engine.begin() as conn:
        conn.execute(update(Building).where(Building.id == first).values(name="-1+2"))
    tables = export(demo_engine, people["root"])
    book = book_of(figures_xlsx(tables))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert [cell.coordinate for cell in cells if cell.data_type == "f"] == []
    assert [cell.value for cell in cells].count(TRICKY) == 2 and "-1+2" in [cell.value for cell in cells]
    written = csv_rows(figures_csv(tables))
    assert [cell for row in written for cell in row].count(escape_cell(TRICKY)) == 2
    assert "'-1+2" in {cell for row in written for cell in row}
    assert not [cell for row in written for cell in row if cell.startswith(FORMULA_STARTS)]


def test_each_sheet_has_a_title_with_the_full_name_and_local_time_then_a_bold_header(demo_engine, people):
    book = book_of(figures_xlsx(export(demo_engine, people["li"])))
    assert len(book.worksheets) == 6 and len(set(book.sheetnames)) == 6
    for sheet in book.worksheets:
        assert "北京市石景山区鲁谷街道" in sheet["A1"].value and "2020-03-01 16:00" in sheet["A1"].value
        assert sheet["A1"].font.b and sheet["A2"].font.b and sheet.freeze_panes == "A3"
    english = export(demo_engine, people["li"], language="en")
    assert english[0].title.startswith("北京市 / 石景山区 / 鲁谷街道: ")


def test_numbers_are_numbers_and_days_are_dates_in_the_workbook(demo_engine, people):
    book = book_of(figures_xlsx(export(demo_engine, people["li"])))
    counts = [cell for sheet in book.worksheets[:2] for row in sheet.iter_rows(min_row=3) for cell in row[2:]]
    assert counts and {cell.data_type for cell in counts} == {"n"}
    days = [row[3] for row in book.worksheets[3].iter_rows(min_row=3)]
    assert days and all(cell.is_date and isinstance(cell.value, dt.datetime) for cell in days)


def test_headers_and_labels_follow_the_language(demo_engine, people):
    with writing(demo_engine) as conn:
        tables = figures(conn, people["li"], 3, "zh_CN", now=NOW)
        english = figures(conn, people["li"], 3, "en", now=NOW)
    chinese = translated_tables(tables, catalog("zh_CN"))
    assert chinese[0].header[:8] == ["区域", "类型", "健康住户", "居家隔离", "未复工", "已复工", "空置", "待核实"]
    assert chinese[0].header[8:13] == ["合计", "住户", "企业", "居住人数", "员工人数"]
    assert chinese[1].header[:2] == ["楼宇", "楼宇工作站"] and chinese[2].header[:3] == ["楼宇", "房间", "状态"]
    english = translated_tables(english)
    assert english[0].header[:4] == ["Area", "Kind", "Healthy household", "Home quarantine"]
    assert english[0].header[-1] == "Residents in home quarantine" and english[0].rows[0][1] == "Workstation"


def test_the_csv_holds_every_table_each_with_its_title_and_a_blank_line_between(demo_engine, people):
    tables = export(demo_engine, people["li"])
    rows = csv_rows(figures_csv(tables))
    blocks, block = [], []
    for row in rows:
        if row:
            block.append(row)
        else:
            blocks.append(block)
            block = []
    blocks.append(block)
    assert len(blocks) == len(tables) == 6
    for table, written in zip(tables, blocks, strict=True):
        assert written[0] == [table.title] and written[1] == table.header
        assert written[2:] == [[cell.isoformat() if isinstance(cell, dt.date) else str(cell) for cell in row]
                               for row in table.rows]


def test_an_area_without_children_or_units_gives_empty_tables(demo_engine, people):
    with demo_engine.begin() as conn:
        empty = areas.add_area(conn, ChangeContext(people["root"]), "第九楼宇工作站", 3)
    tables = export(demo_engine, people["root"], empty)
    assert [len(table.rows) for table in tables] == [1, 0, 0, 0, 0, 0] and views(demo_engine) == []
    assert tables[0].rows[0][2:] == [0] * (len(tables[0].header) - 2)
    assert len(book_of(figures_xlsx(tables)).worksheets) == 6


def page_lists(client, path: str) -> list[list[str]]:
    """The texts of the links of each needs-attention card of an area page (empty for a card that lists none)."""
    page = open_page(client, path)
    row = next(part for part in walk(page) if isinstance(part, dict)
               and "exceptions" in str(part.get("props", {}).get("className", "")))
    cards = row["props"]["children"]
    return [[link["props"]["children"] for link in walk(card) if isinstance(link, dict)
             and str(link.get("props", {}).get("href", "")).startswith("/building/")] for card in cards]


def test_a_leaders_download_lists_what_the_area_page_lists(app, client_as):
    leader = client_as("leader")
    book = book_of(leader.get("/area/3/figures.xlsx").data)
    shown = page_lists(leader, "/area/3")
    assert shown[0]
    for card, index in zip(shown, (2, 3, 4, 5), strict=True):
        assert card == [f"{row[0]} {row[1]}" if index != 4 else row[0] for row in values(book.worksheets[index])]


def test_the_download_routes_answer_a_workbook_and_a_csv(app, client_as):
    staff = client_as("staff")
    workbook = staff.get("/area/4/figures.xlsx")
    assert workbook.status_code == 200 and workbook.content_type == XLSX
    disposition = workbook.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="area-4-figures.xlsx"; filename*=UTF-8\'\'')
    assert quote("第一楼宇工作站") in disposition and disposition.endswith(".xlsx")
    assert workbook.headers["Cache-Control"] == "no-store"
    assert book_of(workbook.data).worksheets[0]["A2"].value == "区域"
    table = staff.get("/area/4/figures.csv")
    assert table.status_code == 200 and table.content_type == "text/csv; charset=utf-8"
    assert table.headers["Content-Disposition"].endswith(".csv") and csv_rows(table.data)[1][0] == "区域"
    assert table.headers["Cache-Control"] == "no-store"


def test_english_readers_get_english_headers(app, client_as):
    rows = csv_rows(client_as("leader").get("/area/3/figures.csv", headers={"Accept-Language": "en"}).data)
    assert rows[1][:2] == ["Area", "Kind"] and "鲁谷街道" in rows[0][0]


def test_staff_downloads_are_logged_leader_downloads_are_not(app, client_as):
    assert client_as("leader").get("/area/3/figures.xlsx").status_code == 200
    assert views(database(app)) == []
    assert client_as("staff").get("/area/4/figures.csv").status_code == 200
    logged = views(database(app))
    assert logged and len({user for user, _unit in logged}) == 1 and len(set(logged)) == len(logged)


@pytest.mark.parametrize("address", ["/area/5/figures.xlsx", "/area/3/figures.csv", "/area/999999/figures.csv",
                                     "/area/99999999999/figures.xlsx", "/area/0/figures.csv"])
def test_downloads_of_areas_out_of_reach_are_not_found(app, client_as, address):
    assert client_as("staff").get(address).status_code == 404
    assert views(database(app)) == []


def test_a_bad_wait_is_refused_with_a_message_and_a_good_one_is_followed(app, client_as):
    leader = client_as("leader")
    refused = leader.get("/area/3/figures.csv?days=abc")
    assert refused.status_code == 400 and "abc" in refused.get_data(as_text=True)
    assert len(book_of(leader.get("/area/3/figures.xlsx?days=20").data).worksheets) == 6


def test_anonymous_downloads_go_to_sign_in(anonymous):
    answer = anonymous.get("/area/3/figures.xlsx")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/login?next=/area/3/figures.xlsx")


def test_the_area_page_links_to_both_downloads(app, client_as):
    leader = client_as("leader")
    page = open_page(leader, "/area/3")
    for link, kind in ((ids.AREA_FIGURES_XLSX, XLSX), (ids.AREA_FIGURES_CSV, "text/csv; charset=utf-8")):
        address = by_id(page, link)["props"]["href"]
        assert leader.get(address).content_type == kind


def test_a_workbook_takes_any_text_and_sheet_name():
    tables = [Table("Figures: [a]/b*?", "区 (2020-03-01 16:00)", ["楼宇", "房间数"], [["控制\x01字符", 3], ["@x", 0]]),
              Table("", "空", ["楼宇"], [])]
    book = book_of(figures_xlsx(tables))
    assert book.sheetnames == ["Figures_ _a__b__", "2"]
    assert values(book.worksheets[0]) == [["控制字符", 3], ["@x", 0]] and book.worksheets[0]["B3"].data_type == "n"
    assert csv_rows(figures_csv(tables)) == [["区 (2020-03-01 16:00)"], ["楼宇", "房间数"], ["控制\x01字符", "3"],
                                             ["'@x", "0"], [], ["空"], ["楼宇"]]


def test_outside_a_request_the_catalog_translates_and_english_stays_english():
    assert catalog("zh_CN")("Total") == "合计" and catalog("en")("Total") == "Total"


def test_a_leader_downloads_the_figures_from_the_area_page(browser, sqlite_app, tmp_path):
    browser.driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)})
    start_signed_in(browser, sqlite_app, "leader")
    browser.wait_for_element(f"#{ids.AREA_FIGURES_XLSX}", timeout=15).click()
    WebDriverWait(browser.driver, 30).until(lambda _driver: list(tmp_path.glob("*.xlsx")))
    downloaded = next(tmp_path.glob("*.xlsx"))
    assert downloaded.name.startswith("鲁谷街道") and downloaded.name.endswith(".xlsx")
    book = book_of(downloaded.read_bytes())
    assert len(book.worksheets) == 6 and len(values(book.worksheets[1])) == 33
    assert not [cell for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for cell in row
                if PHONE.search(str(cell))]
    assert browser.get_logs() == []
