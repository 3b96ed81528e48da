"""The ledger (台账) import page /import: a staff member uploads a messy ledger into their area, sees every problem by
sheet row, corrects a column, applies, sees the grid, and undoes; as plain functions, through HTTP on both
databases, and in headless Chromium."""
from __future__ import annotations

import base64
import io

import openpyxl
import pytest
from dash.exceptions import PreventUpdate
from flask_login import login_user
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait
from sqlalchemy import func, select

from callbacks import ledger_import
from dashboard import ids
from dashboard.auth import SignedIn
from data.i18n import Text
from data.ledger import Preview, saved_mapping
from data.ledger_files import MAX_BYTES
from data.ledger_problems import Problem
from data.models import Building, PersonalDataView, Unit, UnitChange
from layouts import ledger_import as layout
from scripts.dash_client import by_id, callback_request, open_page, post_json, walk
from tests.helpers import ADMIN, CELL, LEADER, STAFF, as_read, database, start_signed_in
from tests.test_accessibility import audit, report

AREA = 4  # the first workstation, which "staff" covers
FOREIGN_AREA = 5  # the second one, which it does not
TITLE = "鲁谷街道商务楼宇疫情防控台账"
HEADER = ["序号", "楼宇名称", "单元", "楼层", "房号", "使用性质", "单位/住户名称", "人数", "联系电话", "状态",
          "隔离开始", "备注"]
BUILDING = "导入测试楼"
# Sheet rows from 4 (below the title, a filled-by line and the header), written as people do: full-width digits,
# 15层 and 15F, a phone with spaces.
GOOD = [
    ["1", BUILDING, "1单元", "１层", "１０１", "住宅", "张伟", "３", "138 0013 8000", "健康", "", ""],
    ["2", BUILDING, "1单元", "1F", "102", "住宅", "", "", "", "空置", "", ""],
    ["3", BUILDING, "一单元", "2层", "201", "住宅", "李娜", "2", "", "居家隔离", "2020-03-01", ""],
    ["4", BUILDING, "1", "2", "202室", "住宅", "", "", "", "待核实", "", ""],
]
STATUSES = {"101": "healthy", "102": "vacant", "201": "quarantined", "202": "unverified"}
BAD_STATUS_ROW, DUPLICATE_ROW, TOTAL_ROW = 7, 8, 9
MESSY = [*GOOD[:3], [*GOOD[3][:9], "不知道", "", ""], GOOD[0]]
UNKNOWN_HEADER = "情况记录"  # a column no alias names: ignored until the user says it is the note
NOTED = [*HEADER[:-1], UNKNOWN_HEADER]
NOTE = "已电话核实"
XLSX = "台账.xlsx"


def workbook(rows: list[list], header: list[str] = HEADER) -> bytes:
    """A ledger as an .xlsx: a merged title row, a filled-by row, the header, the rows and a total row."""
    book = openpyxl.Workbook()
    sheet = book.active
    for row in [[TITLE], ["填报单位：第一楼宇工作站"], header, *rows, ["合计", "", "", "", "", "", "", "=SUM(H4:H8)"]]:
        sheet.append([int(cell) if cell.isascii() and cell.isdigit() else cell or None for cell in row])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def data_url(data: bytes) -> str:
    """What dcc.Upload sends for a file: a base64 data URL."""
    return "data:application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;base64," + base64.b64encode(
        data).decode()


def as_user(app, account, call):
    """What `call()` gives in a request of the app signed in as an account."""
    with app.server.test_request_context():
        login_user(SignedIn(account, "test-token"))
        return call()


def preview_of(app, account, data: bytes, area=AREA, mapping=None) -> tuple:
    """The preview callback's outputs for a file, as a plain function."""
    return as_user(app, account, lambda: ledger_import.show_preview(data_url(data), str(area), mapping or {}, XLSX))


def apply_of(app, account, data: bytes, digest: str, area=AREA, mapping=None, keep=False) -> tuple:
    """The Apply callback's outputs, as a plain function."""
    return as_user(app, account, lambda: ledger_import.apply(1, data_url(data), XLSX, str(area), mapping or {}, keep,
                                                            digest))


def marked(tree, kind: str) -> list[dict]:
    """The props of every component of a JSON or component tree whose class names a kind."""
    found = []
    for node in walk(tree):
        props = node.get("props", {}) if isinstance(node, dict) else getattr(node, "__dict__", {})
        if kind in str(props.get("className", "")).split():
            found.append(props)
    return found


def rows_of(tree, kind: str) -> list[int]:
    """The sheet rows of the table rows of a kind (import-problem, import-change, import-skip)."""
    return [props["data-row"] for props in marked(tree, kind)]


def count_of(tree, key: str) -> int:
    """One count of the preview's badges."""
    return marked(tree, f"import-count-{key}")[0]["data-count"]


def units_of(app, name: str = BUILDING) -> dict[str, str]:
    """The active units of a building by label, with their status."""
    with database(app).connect() as conn:
        rows = conn.execute(select(Unit.label, Unit.status).join(Building, Building.id == Unit.building_id)
                            .where(Building.name == name, Unit.retired_at.is_(None))).all()
    return dict(rows)


def history_size(app) -> int:
    """How many unit changes are recorded."""
    with database(app).connect() as conn:
        return conn.execute(select(func.count()).select_from(UnitChange)).scalar_one()


def test_the_page_offers_the_areas_its_user_may_edit_with_their_own_chosen(app):
    staff = as_user(app, STAFF, lambda: ledger_import.page())
    area = by_id(staff, ids.IMPORT_AREA)
    assert [option["value"] for option in area.options] == [str(AREA)] and area.value == str(AREA)
    upload = by_id(staff, ids.IMPORT_UPLOAD)
    assert upload.max_size > MAX_BYTES and ".xls" in upload.accept.split(",")
    assert by_id(staff, ids.IMPORT_APPLY).disabled
    admin = by_id(as_user(app, ADMIN, lambda: ledger_import.page()), ids.IMPORT_AREA)
    assert len(admin.options) > 3 and admin.value is None
    refused = as_user(app, LEADER, lambda: ledger_import.page())
    with pytest.raises(LookupError):
        by_id(refused, ids.IMPORT_UPLOAD)


def test_a_messy_ledger_is_previewed_with_every_problem_by_sheet_row_and_nothing_written(app):
    before = history_size(app)
    shown, disabled, digest, columns = preview_of(app, STAFF, workbook(MESSY))
    assert sorted(rows_of(shown, "import-problem")) == [BAD_STATUS_ROW, DUPLICATE_ROW]
    assert rows_of(shown, "import-skip") == [TOTAL_ROW]
    assert marked(shown, "import-header")[0]["data-row"] == 3
    assert count_of(shown, "problems") == 2 and count_of(shown, "buildings") == 1 and count_of(shown, "units") == 3
    assert disabled is True and digest and [column[1] for column in columns][:3] == ["序号", "楼宇名称", "单元"]
    assert history_size(app) == before and units_of(app) == {}


def test_the_fixed_ledger_applies_and_undo_retires_what_it_created(app):
    good = workbook(GOOD)
    shown, disabled, digest, _columns = preview_of(app, STAFF, good)
    assert disabled is False and rows_of(shown, "import-problem") == []
    assert [props["data-building"] for props in marked(shown, "import-created")] == [BUILDING]
    assert rows_of(shown, "import-new-unit") == [4, 5, 6, 7]
    result, preview, apply_disabled, _digest, _shown, batch, upload = apply_of(app, STAFF, good, digest)
    assert units_of(app) == STATUSES and apply_disabled is True and batch and preview is None and upload is None
    with database(app).connect() as conn:
        building_id = conn.execute(select(Building.id).where(Building.name == BUILDING)).scalar_one()
        assert conn.execute(select(UnitChange.source).where(UnitChange.batch_id == batch)).scalars().all() == [
            "import"] * 4
    links = [props["href"] for props in marked(result, "import-building-link")]
    assert links == [f"/building/{building_id}"] and marked(result, "import-area-link")[0]["href"] == f"/area/{AREA}"
    again, disabled, _digest, _columns = preview_of(app, STAFF, good)
    assert disabled is True and count_of(again, "unchanged") == 4 and count_of(again, "units") == 0
    message, undone, cleared = as_user(app, STAFF, lambda: ledger_import.undo(1, batch))
    assert units_of(app) == {} and cleared is None and message is None
    assert marked(undone, "outcome-done")
    again, _same, _cleared = as_user(app, STAFF, lambda: ledger_import.undo(1, batch))
    assert marked(again, "outcome") and not marked(again, "outcome-done") and units_of(app) == {}


def test_a_preview_that_shows_units_names_or_phones_as_they_are_logs_those_views(app):
    good = workbook(GOOD)
    _shown, _disabled, digest, _columns = preview_of(app, STAFF, good)
    apply_of(app, STAFF, good, digest)
    renamed = [[*GOOD[0][:6], "王芳", *GOOD[0][7:]], *GOOD[1:3], [*GOOD[3][:11], "已上门"]]
    assert viewed(app) == []
    shown, _disabled, _digest, _columns = preview_of(app, STAFF, workbook(renamed))
    assert rows_of(shown, "import-change") == [4, 7]
    assert viewed(app) == [(STAFF.id, "101"), (STAFF.id, "202")]
    preview_of(app, STAFF, workbook(GOOD))  # nothing to change: nothing shown
    assert viewed(app) == [(STAFF.id, "101"), (STAFF.id, "202")]


def viewed(app) -> list[tuple[int, str]]:
    """Who has seen which unit's personal data (by label), per the access log."""
    with database(app).connect() as conn:
        return sorted(conn.execute(select(PersonalDataView.user_id, Unit.label)
                                   .join(Unit, Unit.id == PersonalDataView.unit_id)).all())


def test_a_corrected_column_is_previewed_again_and_kept_only_when_asked(app):
    header, rows = NOTED, [[*row[:-1], NOTE] for row in GOOD]
    data = workbook(rows, header)
    shown, _disabled, _digest, columns = preview_of(app, STAFF, data)
    note = next(column for column in columns if column[1] == UNKNOWN_HEADER)
    assert note[2] is None and marked(shown, "import-column-field")
    assert marked(shown, "import-unread") and UNKNOWN_HEADER in str(marked(shown, "import-unread"))
    values = [field or layout.IGNORE for _index, _key, field in columns]
    column_ids = [ids.import_column(index) for index, _key, _field in columns]
    with pytest.raises(PreventUpdate):
        ledger_import.correct_columns(values, column_ids, columns, {})
    values[columns.index(note)] = "note"
    mapping = ledger_import.correct_columns(values, column_ids, columns, {})
    assert mapping == {UNKNOWN_HEADER: "note"}
    corrected, _disabled, digest, _columns = preview_of(app, STAFF, data, mapping=mapping)
    assert not marked(corrected, "import-unread")
    apply_of(app, STAFF, data, digest, mapping=mapping, keep=False)
    with database(app).connect() as conn:
        notes = conn.execute(select(Unit.note).join(Building).where(Building.name == BUILDING)).scalars().all()
        assert notes == [NOTE] * 4 and saved_mapping(conn, AREA) == {}
    moved = workbook([[row[0], "另一栋楼", *row[2:]] for row in rows], header)
    _shown, _disabled, digest, _columns = preview_of(app, STAFF, moved, mapping=mapping)
    apply_of(app, STAFF, moved, digest, mapping=mapping, keep=True)
    with database(app).connect() as conn:
        assert saved_mapping(conn, AREA) == {UNKNOWN_HEADER: "note"}


def test_an_outdated_preview_is_not_applied_and_is_made_again(app):
    good, changed = workbook(GOOD), workbook([[*GOOD[0][:9], "待核实", "", ""], *GOOD[1:]])
    _shown, _disabled, digest, _columns = preview_of(app, STAFF, good)
    _shown, _disabled, first, _columns = preview_of(app, STAFF, changed)
    apply_of(app, STAFF, changed, first)
    before = history_size(app)
    result, shown, disabled, fresh, _shown, batch, _upload = apply_of(app, STAFF, good, digest)
    assert marked(result, "import-refused") and rows_of(result, "import-problem") == [3]
    assert history_size(app) == before and batch is None
    assert fresh != digest and disabled is False and rows_of(shown, "import-change") == [4]


def test_uploads_that_cannot_be_read_get_a_message_and_change_nothing(app):
    before = history_size(app)
    garbled = as_user(app, STAFF, lambda: ledger_import.show_preview("data:;base64,@@@", str(AREA), {}, XLSX))
    no_area = as_user(app, STAFF, lambda: ledger_import.show_preview(data_url(b"x"), None, {}, XLSX))
    assert marked(garbled[0], "import-message") and marked(no_area[0], "import-message")
    old_excel = as_user(app, STAFF, lambda: ledger_import.show_preview(data_url(b"x"), str(AREA), {}, "台账.xls"))
    nowhere = preview_of(app, STAFF, workbook(GOOD), area=999_999)
    for shown, disabled, *_rest in (old_excel, nowhere):
        assert rows_of(shown, "import-problem") == [1] and disabled is True
    forged = as_user(app, STAFF, lambda: ledger_import.apply(1, data_url(workbook(GOOD)), XLSX, str(AREA), {}, False,
                                                             None))
    assert marked(forged[0], "import-message") and history_size(app) == before


def test_long_lists_show_their_first_rows_and_say_how_many_more(app):
    problems = tuple(Problem(row, "状态", Text("required")) for row in range(4, 100_004))
    found = Preview(3, (), 100_000, (), (), 0, (), problems, "")
    shown = as_read(app, lambda: layout.preview(found, XLSX, None))
    assert len(rows_of(shown, "import-problem")) == layout.SHOWN_ROWS
    assert marked(shown, "import-more")[0]["data-more"] == 100_000 - layout.SHOWN_ROWS


# Through HTTP, as dash-renderer sends the callbacks.


def send(app, client, first_input: str, values: dict) -> dict:
    """POST the callback whose first input is a component, with values by (component id, property) or by component
    id; its JSON answer."""
    key, entry = next((k, e) for k, e in app.callback_map.items() if e["inputs"][0]["id"] == first_input)
    response = post_json(client, callback_request(key, entry, lambda i, p: values.get((i, p), values.get(i))))
    assert response.status_code in (200, 204), response.get_data(as_text=True)[:300]
    return response.get_json()["response"] if response.status_code == 200 else {}


def http_preview(app, client, data: bytes, area=AREA) -> dict:
    """The preview's answer over HTTP."""
    return send(app, client, ids.IMPORT_UPLOAD, {(ids.IMPORT_UPLOAD, "contents"): data_url(data),
                                                 (ids.IMPORT_UPLOAD, "filename"): XLSX, ids.IMPORT_AREA: str(area),
                                                 ids.IMPORT_MAPPING: {}})


def http_apply(app, client, data: bytes, digest, area=AREA) -> dict:
    """Apply's answer over HTTP."""
    return send(app, client, ids.IMPORT_APPLY, {ids.IMPORT_APPLY: 1, (ids.IMPORT_UPLOAD, "contents"): data_url(data),
                                                (ids.IMPORT_UPLOAD, "filename"): XLSX, ids.IMPORT_AREA: str(area),
                                                ids.IMPORT_MAPPING: {}, ids.IMPORT_DIGEST: digest})


def test_over_http_staff_preview_apply_and_undo_in_their_area(app, client_as):
    staff = client_as("staff")
    page = open_page(staff, "/import")
    upload = by_id(page, ids.IMPORT_UPLOAD)["props"]
    assert upload["max_size"] > MAX_BYTES and ".xls" in upload["accept"].split(",")
    messy = http_preview(app, staff, workbook(MESSY))
    assert sorted(rows_of(messy[ids.IMPORT_PREVIEW]["children"], "import-problem")) == [BAD_STATUS_ROW, DUPLICATE_ROW]
    assert messy[ids.IMPORT_APPLY]["disabled"] is True
    data = workbook(GOOD)
    answer = http_apply(app, staff, data, http_preview(app, staff, data)[ids.IMPORT_DIGEST]["data"])
    assert units_of(app) == STATUSES
    undone = send(app, staff, ids.IMPORT_UNDO, {ids.IMPORT_UNDO: 1, ids.IMPORT_BATCH: answer[ids.IMPORT_BATCH]["data"]})
    assert marked(undone[ids.IMPORT_RESULT]["children"], "outcome-done") and units_of(app) == {}
    with database(app).connect() as conn:
        emptied = conn.execute(select(Building.id).where(Building.name == BUILDING)).scalar_one()
    grid = by_id(open_page(staff, f"/building/{emptied}"), ids.GRID_DATA)["props"]["data"]
    assert grid["cells"]["unit"] == []


def test_over_http_leaders_and_other_areas_are_refused_and_nothing_written(app, client_as):
    leader, staff, admin, data = client_as("leader"), client_as("staff"), client_as("admin"), workbook(GOOD)
    with pytest.raises(LookupError):
        by_id(open_page(leader, "/import"), ids.IMPORT_UPLOAD)
    digest = http_preview(app, admin, data, FOREIGN_AREA)[ids.IMPORT_DIGEST]["data"]
    before = history_size(app)
    refused = http_preview(app, leader, data, FOREIGN_AREA)
    assert refused[ids.IMPORT_APPLY]["disabled"] is True and refused[ids.IMPORT_DIGEST]["data"] is None
    http_apply(app, leader, data, digest, FOREIGN_AREA)
    foreign = http_preview(app, staff, data, FOREIGN_AREA)
    assert foreign[ids.IMPORT_APPLY]["disabled"] is True
    assert rows_of(foreign[ids.IMPORT_PREVIEW]["children"], "import-problem") == [1]
    http_apply(app, staff, data, digest, FOREIGN_AREA)
    assert history_size(app) == before and units_of(app) == {}
    http_apply(app, admin, data, digest, FOREIGN_AREA)
    assert units_of(app) == STATUSES


def test_the_navbar_links_the_page_for_staff_and_admins_only(app, client_as):
    for username, linked in (("staff", True), ("admin", True), ("leader", False), ("viewer", False)):
        layout_json = client_as(username).get("/_dash-layout").get_data(as_text=True)
        assert (f'"{ids.NAV_IMPORT}"' in layout_json) is linked, username


# In the browser.


def clicked(browser, selector: str) -> None:
    """Click an element once it is scrolled to the middle of the window at once (Bootstrap scrolls smoothly, and a
    click during the scroll lands elsewhere)."""
    element = browser.find_element(selector)
    browser.driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", element)
    element.click()


def test_staff_fix_a_messy_ledger_apply_it_see_the_grid_and_undo(browser, sqlite_app, tmp_path):
    messy, fixed = tmp_path / "台账.xlsx", tmp_path / "台账（改）.xlsx"
    messy.write_bytes(workbook(MESSY, NOTED))
    fixed.write_bytes(workbook([[*row[:-1], NOTE] for row in GOOD], NOTED))
    start_signed_in(browser, sqlite_app, "staff")
    browser.find_element(f"#{ids.NAV_IMPORT}").click()
    browser.wait_for_element(f"#{ids.IMPORT_UPLOAD}", timeout=15)
    upload = f"#{ids.IMPORT_UPLOAD} input[type=file]"
    browser.find_element(upload).send_keys(str(messy))
    WebDriverWait(browser.driver, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, "tr.import-problem"))
    problems = browser.driver.find_elements(By.CSS_SELECTOR, "tr.import-problem")
    assert sorted(int(row.get_attribute("data-row")) for row in problems) == [BAD_STATUS_ROW, DUPLICATE_ROW]
    assert browser.find_element(f"#{ids.IMPORT_APPLY}").get_attribute("disabled") is not None
    browser.find_element(upload).send_keys(str(fixed))
    WebDriverWait(browser.driver, 20).until(lambda d: not d.find_elements(By.CSS_SELECTOR, "tr.import-problem"))
    assert browser.find_element(".import-count-units").get_attribute("data-count") == "4"
    assert browser.find_element(".import-unread")  # the column no alias names is pointed out, its select shown
    assert browser.find_element(".import-preview details").get_attribute("open") is not None
    note_column = f"td[data-column='{len(NOTED) - 1}']"
    Select(browser.find_element(f"{note_column} select")).select_by_value("note")
    browser.wait_for_element(f"{note_column}[data-field=note]", timeout=20)
    WebDriverWait(browser.driver, 10).until(
        lambda d: d.find_element(By.ID, ids.IMPORT_APPLY).get_attribute("disabled") is None)
    browser.find_element(f"#{ids.IMPORT_APPLY}").click()
    link = browser.wait_for_element(".import-building-link", timeout=20).get_attribute("href")
    import_page = browser.driver.current_window_handle
    browser.driver.switch_to.new_window("tab")
    browser.driver.get(link)
    browser.wait_for_element(CELL, timeout=15)
    cells = browser.driver.find_elements(By.CSS_SELECTOR, CELL)
    assert {cell.find_element(By.CSS_SELECTOR, ".cell-label").text: cell.get_attribute("data-status")
            for cell in cells} == STATUSES
    browser.driver.close()
    browser.driver.switch_to.window(import_page)
    for target in (".import-undo-step summary", f"#{ids.IMPORT_UNDO}"):
        clicked(browser, target)
    browser.wait_for_element(f"#{ids.IMPORT_RESULT} .outcome-done", timeout=15)
    assert units_of(sqlite_app) == {}
    browser.driver.execute_script("arguments[0].value = ''", browser.find_element(upload))  # as the file dialog does
    browser.find_element(upload).send_keys(str(fixed))
    browser.wait_for_element(".import-count-units[data-count='4']", timeout=20)
    with database(sqlite_app).connect() as conn:
        assert set(conn.execute(select(Unit.note).join(Building).where(Building.name == BUILDING)).scalars()) == {NOTE}


def test_a_preview_with_problems_and_its_columns_open_passes_the_accessibility_audit(browser, sqlite_app, tmp_path):
    messy = tmp_path / XLSX
    messy.write_bytes(workbook(MESSY, NOTED))
    start_signed_in(browser, sqlite_app, "staff")
    browser.driver.get(f"{browser.server_url}/import")
    browser.find_element(f"#{ids.IMPORT_UPLOAD} input[type=file]").send_keys(str(messy))
    browser.wait_for_element("tr.import-problem", timeout=20)
    assert browser.find_element(".import-preview details").get_attribute("open") is not None
    report(audit(browser.driver, "/import with a preview"))
