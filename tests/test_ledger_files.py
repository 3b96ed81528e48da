"""Reading a ledger (台账) file safely: real .xlsx and CSV files made here, damaged ones crafted with zipfile; every
file is read whole or refused with a LedgerError at a row, never half, never another exception (pure, no database)."""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import time
import warnings
import zipfile

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.worksheet.formula import ArrayFormula

from data import ledger_files
from data.ledger_files import MAX_BYTES, MAX_CELL, MAX_COLUMNS, MAX_ROWS, _cell_text, read_sheet
from data.ledger_problems import LedgerError, Problem

SHEET = "xl/worksheets/sheet1.xml"
STRINGS = "xl/sharedStrings.xml"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
TITLE = "鲁谷街道商务楼宇疫情防控台账"
HEADER = ["序号", "楼宇名称", "单元", "楼层", "房号", "状态", "人数", "备注"]
ROW = ["1", "A座", "1单元", "15层", "１２０７", "居家隔离", "3", "电话 138 0013 8000"]


def xlsx(rows: list[list], merge: str | None = None) -> bytes:
    """An .xlsx workbook of these rows, as openpyxl saves it."""
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    if merge:
        book.active.merge_cells(merge)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def edited(data: bytes, changes: dict[str, bytes | None]) -> bytes:
    """A workbook with some parts replaced, added, or (None) removed."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            if name not in changes:
                target.writestr(name, source.read(name))
        for name, body in changes.items():
            if body is not None:
                target.writestr(name, body)
    return out.getvalue()


def part(data: bytes, name: str) -> str:
    """The text of one part of a workbook."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(name).decode()


def with_sheet(rows_xml: str, strings: list[str] | None = None, dimension: str = "") -> bytes:
    """A workbook whose first sheet holds these <row> elements (and a shared-strings table, when given)."""
    base = xlsx([["x"]])
    changes = {SHEET: f'<worksheet xmlns="{MAIN}">{dimension}<sheetData>{rows_xml}</sheetData></worksheet>'.encode()}
    if strings is not None:
        items = "".join(f"<si><t>{text}</t></si>" for text in strings)
        changes[STRINGS] = f'<sst xmlns="{MAIN}" count="{len(strings)}">{items}</sst>'.encode()
        override = ('<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                    'officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
        changes["[Content_Types].xml"] = part(base, "[Content_Types].xml").replace("</Types>", override).encode()
    return edited(base, changes)


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    """A CSV file of these rows, as Excel saves it (CRLF line ends) in an encoding."""
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding)


def refusal(data: bytes, filename: str) -> Problem:
    """The one problem a file that cannot be read is refused for."""
    with pytest.raises(LedgerError) as refused:
        read_sheet(data, filename)
    [problem] = refused.value.problems
    return problem


def where(problem: Problem) -> tuple[int, str | None]:
    """A problem's row and column."""
    return problem.row, problem.column


# What cells read as


def test_spreadsheet_cells_are_read_as_the_texts_a_csv_would_hold():
    data = xlsx([
        HEADER,
        [1, " A座 ", 3.0, 2.5, 13800138000, True, False, None, "１２０７"],
        [dt.datetime(2020, 3, 14), dt.datetime(2020, 3, 14, 9, 30, 59), dt.date(9999, 12, 31), dt.time(8, 15)],
        ["合计", "=SUM(A2:A9)", '=HYPERLINK("http://x.cn","看")', '="call "&"me"'],
    ])
    assert read_sheet(data, "ledger.xlsx") == [
        (1, HEADER),
        (2, ["1", "A座", "3", "2.5", "13800138000", "TRUE", "FALSE", "", "１２０７"]),
        (3, ["2020-03-14", "2020-03-14 09:30", "9999-12-31", "08:15"]),
        (4, ["合计", "=SUM(A2:A9)", '=HYPERLINK("http://x.cn","看")', '="call "&"me"']),
    ]


@pytest.mark.parametrize(("value", "text"), [
    (None, ""), (" a ", "a"), (12.0, "12"), (-0.0, "0"), (1e20, "100000000000000000000"), (0.1, "0.1"), (7, "7"),
    (True, "TRUE"), (dt.datetime(2020, 3, 14), "2020-03-14"), (dt.datetime(1, 1, 1, 0, 0, 1), "0001-01-01 00:00"),
    (dt.date(2020, 3, 1), "2020-03-01"), (dt.time(23, 59, 59), "23:59"),
    (ArrayFormula("A1:A2", "=A1:A2*2"), "=A1:A2*2"),
])
def test_a_value_is_the_text_a_csv_would_hold(value, text):
    assert _cell_text(value) == text


def test_a_merged_title_is_its_first_cell_and_blank_rows_are_kept_up_to_the_last_filled_one():
    data = xlsx([[TITLE], [], ["填报单位：鲁谷", None, None], HEADER, ROW, [], [None, ""], [" "]], merge="A1:M1")
    assert read_sheet(data, "台账.XLSM") == [
        (1, [TITLE]), (2, []), (3, ["填报单位：鲁谷"]), (4, HEADER), (5, ROW),
    ]


def test_a_cell_merged_down_the_rows_of_its_units_names_each_of_them():
    data = xlsx([["楼宇名称", "楼层", "房号", "备注"], ["A座", "15", "1501", "长备注"], [None, None, "1502"],
                 [None, "16", "1601"], [], ["B座", "1", "101"]], merge="A2:A5")
    book = openpyxl.load_workbook(io.BytesIO(data))
    book.active.merge_cells("B2:B3")
    book.active.merge_cells("D2:E3")
    out = io.BytesIO()
    book.save(out)
    assert read_sheet(out.getvalue(), "l.xlsx")[1:] == [
        (2, ["A座", "15", "1501", "长备注"]), (3, ["A座", "15", "1502", "长备注"]), (4, ["A座", "16", "1601"]), (5, []),
        (6, ["B座", "1", "101"]),
    ]


@pytest.mark.parametrize("reference", ["A:A", "1:3", "nonsense", "XFD1:XFD9"])
def test_a_merged_range_that_is_no_range_of_ledger_cells_is_refused_after_the_last_row(reference):
    data = xlsx([["楼宇名称", "房号"], ["A座", "1501"]])
    merges = f'<mergeCells count="1"><mergeCell ref="{reference}"/></mergeCells>'
    sheet = part(data, SHEET).replace("</sheetData>", "</sheetData>" + merges)
    assert where(refusal(edited(data, {SHEET: sheet.encode()}), "l.xlsx")) == (3, None)


def test_a_macro_enabled_workbook_is_read_like_an_xlsx():
    data = xlsx([HEADER, ROW])
    types = part(data, "[Content_Types].xml").replace("openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                                                       "ms-excel.sheet.macroEnabled.main+xml")
    assert "application/vnd.ms-excel.sheet.macroEnabled.main+xml" in types
    assert read_sheet(edited(data, {"[Content_Types].xml": types.encode()}), "l.xlsm") == [(1, HEADER), (2, ROW)]


def test_rows_are_numbered_as_the_sheet_numbers_them():
    data = with_sheet('<row r="3"><c r="B3" t="inlineStr"><is><t>b</t></is></c></row>'
                      '<row r="7"><c r="A7"><v>1</v></c><c r="D7" t="s"><v>0</v></c></row>', strings=["楼"])
    assert read_sheet(data, "l.xlsx") == [(1, []), (2, []), (3, ["", "b"]), (4, []), (5, []), (6, []),
                                          (7, ["1", "", "", "楼"])]


def test_an_empty_file_has_no_rows():
    assert read_sheet(b"", "l.csv") == []
    assert read_sheet(xlsx([]), "l.xlsx") == []


# Which files


@pytest.mark.parametrize(("filename", "values"), [
    ("ledger.pdf", {"extension": ".pdf"}), ("ledger", {}), ("ledger.xlsx.exe", {"extension": ".exe"}),
])
def test_a_file_that_is_no_ledger_by_its_name_is_refused_naming_the_kinds(filename, values):
    problem = refusal(xlsx([HEADER]), filename)
    assert (where(problem), problem.message.values) == ((1, None), values)
    assert ".xlsx" in problem.message.template and ".csv" in problem.message.template


def test_an_xls_file_is_refused_saying_to_save_it_as_xlsx():
    problem = refusal(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "台账.XLS")
    assert where(problem) == (1, None) and "save it as .xlsx" in problem.message.template


@pytest.mark.parametrize("filename", ["big.xlsx", "big.csv"])
def test_a_file_over_the_size_limit_is_refused_before_it_is_read(filename):
    problem = refusal(b"a" * (MAX_BYTES + 1), filename)
    assert (where(problem), problem.message.values) == ((1, None), {"size": "20.0", "limit": 20})


# Damaged and hostile workbooks


def test_openpyxl_parses_xml_through_defusedxml():
    assert openpyxl.xml.DEFUSEDXML


def test_entities_in_a_sheet_are_refused_not_expanded():
    laughs = ('<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
              f']><worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&b;</t></is></c>'
              '</row></sheetData></worksheet>')
    assert where(refusal(edited(xlsx([["x"]]), {SHEET: laughs.encode()}), "l.xlsx")) == (1, None)


def test_a_size_tag_that_understates_the_rows_loses_none_of_them():
    data = xlsx([HEADER] + [[str(n)] for n in range(2, 31)])
    lying = edited(data, {SHEET: part(data, SHEET).replace('<dimension ref="A1:H30"/>', '<dimension ref="A1:C3"/>')
                          .encode()})
    assert '"A1:C3"' in part(lying, SHEET)
    # What openpyxl's read-only sheet makes of it: three rows, and no error.
    assert len(list(openpyxl.load_workbook(io.BytesIO(lying), read_only=True).active.values)) == 3
    assert read_sheet(lying, "l.xlsx") == read_sheet(data, "l.xlsx")
    assert len(read_sheet(lying, "l.xlsx")) == 30


def test_rows_out_of_order_are_refused_not_dropped():
    data = with_sheet('<row r="1"><c r="A1"><v>1</v></c></row><row r="5"><c r="A5"><v>5</v></c></row>'
                      '<row r="3"><c r="A3"><v>3</v></c></row>')
    assert where(refusal(data, "l.xlsx")) == (6, None)


def test_a_sheet_of_two_million_rows_is_refused_at_the_limit_quickly():
    rows = b"<row><c><v>1</v></c></row>" * 2_000_000
    data = edited(xlsx([["x"]]), {SHEET: f'<worksheet xmlns="{MAIN}"><sheetData>'.encode() + rows
                                  + b"</sheetData></worksheet>"})
    assert len(data) < 1_000_000
    started = time.monotonic()
    problem = refusal(data, "l.xlsx")
    assert (where(problem), problem.message.values) == ((MAX_ROWS + 1, None), {"limit": MAX_ROWS})
    assert time.monotonic() - started < 30  # the old reader: 106 s, 758 MB; this one: 2 s when the machine is quiet


def test_a_row_of_millions_of_empty_cells_is_refused_before_it_is_held_in_memory(monkeypatch):
    monkeypatch.setattr(ledger_files, "MAX_ROW_XML", 100_000)
    row = b'<row r="2">' + b"<c/>" * 2_000_000 + b"</row>"
    data = edited(xlsx([["x"]]), {SHEET: f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1"><v>1</v></c>'
                                  '</row>'.encode() + row + b"</sheetData></worksheet>"})
    assert len(data) < 100_000
    assert where(refusal(data, "l.xlsx")) == (2, None)


def test_a_workbook_that_unpacks_past_the_limit_is_refused_before_it_is_unpacked(monkeypatch):
    monkeypatch.setattr(ledger_files, "MAX_UNPACKED", ledger_files.MB)
    bomb = edited(xlsx([["x"]]), {"xl/media/zeros.bin": bytes(3 * ledger_files.MB)})
    assert len(bomb) < 20_000
    problem = refusal(bomb, "l.xlsx")
    assert (where(problem), problem.message.values) == ((1, None), {"size": "3.0", "limit": 1})


def test_a_table_of_texts_larger_than_any_ledgers_is_refused_before_it_is_read(monkeypatch):
    monkeypatch.setattr(ledger_files, "MAX_STRINGS", ledger_files.MB)
    strings = '<sst xmlns="{}">'.format(MAIN) + "<si><t>x</t></si>" * 100_000 + "</sst>"
    data = edited(xlsx([["x"]]), {"xl/sharedStrings.xml": strings.encode()})
    problem = refusal(data, "l.xlsx")
    assert (where(problem), problem.message.values) == ((1, None), {"size": "1.6", "limit": 1})


def test_a_shared_string_past_the_end_of_the_table_is_refused_at_its_row():
    rows = "".join(f'<row r="{n}"><c r="A{n}" t="s"><v>{0 if n < 17 else 5}</v></c></row>' for n in range(1, 20))
    assert where(refusal(with_sheet(rows, strings=["楼"]), "l.xlsx")) == (17, None)


def test_a_shared_string_index_below_zero_is_refused_not_counted_from_the_end():
    rows = '<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2" t="s"><v>-1</v></c></row>'
    assert where(refusal(with_sheet(rows, strings=["楼", "宇"]), "l.xlsx")) == (2, None)


def test_broken_xml_is_refused_at_the_row_where_reading_stopped():
    data = xlsx([[f"row {n}", n] for n in range(1, 31)])
    sheet = part(data, SHEET)
    broken = sheet[:sheet.index('<row r="17"')] + '<row r="17"><c r="A17"><v>1</v></c><<'
    assert where(refusal(edited(data, {SHEET: broken.encode()}), "l.xlsx")) == (17, None)


@pytest.mark.parametrize("missing", [SHEET, STRINGS, "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
                                     "[Content_Types].xml"])
def test_a_workbook_missing_a_part_is_refused(missing):
    data = with_sheet('<row r="1"><c r="A1" t="s"><v>0</v></c></row>', strings=["楼"])
    assert read_sheet(data, "l.xlsx") == [(1, ["楼"])]
    assert where(refusal(edited(data, {missing: None}), "l.xlsx")) == (1, None)


def test_a_date_past_9999_is_refused_at_its_cell_without_a_warning():
    data = xlsx([HEADER, ["1", dt.datetime(2020, 3, 14)]])
    sheet = part(data, SHEET)
    serial = re.search(r'<c r="B2"[^>]*><v>(\d+)</v>', sheet).group(1)
    far = edited(data, {SHEET: sheet.replace(f"<v>{serial}</v>", "<v>2958466</v>").encode()})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        problem = refusal(far, "l.xlsx")
    assert (where(problem), problem.message.values) == ((2, "B"), {"serial": 2958466})


@pytest.mark.parametrize("filename", ["l.xlsx", "l.csv"])
def test_a_cell_longer_than_the_limit_is_refused_naming_its_row_and_column(filename):
    rows = [HEADER, ROW, ["1", "x" * MAX_CELL], ["2", "a", "x" * (MAX_CELL + 1)]]
    data = xlsx(rows) if filename.endswith(".xlsx") else csv_bytes(rows)
    assert where(refusal(data, filename)) == (4, "C")


@pytest.mark.parametrize("filename", ["l.xlsx", "l.csv"])
def test_a_value_beyond_the_last_column_allowed_is_refused(filename):
    rows = [HEADER, ["x"] * MAX_COLUMNS, [""] * MAX_COLUMNS + ["far"]]
    data = xlsx(rows) if filename.endswith(".xlsx") else csv_bytes(rows)
    assert where(refusal(data, filename)) == (3, "CW")


def test_styled_empty_cells_far_right_are_no_columns():
    data = with_sheet('<row r="1"><c r="A1"><v>1</v></c><c r="XFD1" s="0"/></row>')
    assert read_sheet(data, "l.xlsx") == [(1, ["1"])]


@pytest.mark.parametrize("data", [b"", b"PK\x03\x04 not a zip", b"\x89PNG\r\n\x1a\n" + bytes(range(256))])
def test_bytes_that_are_no_workbook_are_refused_at_the_first_row(data):
    assert where(refusal(data, "l.xlsx")) == (1, None)


# CSV


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_is_read_as_utf8_with_or_without_bom_or_as_gbk(encoding):
    rows = [[TITLE], HEADER, ROW, ["2", "B座", "", "地下1层", "B1", "空置", "", '=HYPERLINK("x")']]
    assert read_sheet(csv_bytes(rows, encoding), "台账.CSV") == [(n, row) for n, row in enumerate(rows, start=1)]


def test_a_txt_file_is_read_as_csv():
    assert read_sheet(b"a,b\r\n\r\n c ,\r\n", "l.txt") == [(1, ["a", "b"]), (2, []), (3, ["c"])]


def test_rows_are_numbered_by_record_and_a_quoted_cell_keeps_its_line_breaks():
    data = b'a,"two\r\nlines"\r\nb,c\r\n'
    assert read_sheet(data, "l.csv") == [(1, ["a", "two\r\nlines"]), (2, ["b", "c"])]


def test_text_neither_utf8_nor_gbk_is_refused_at_the_row_of_its_first_bad_byte():
    assert where(refusal(b'a,b\r\n"x\r\ny",c\r\nd,\xff\xfe\r\n', "l.csv")) == (3, None)


def test_utf8_damaged_in_one_place_is_refused_not_read_as_gbk():
    damaged = "序号,楼宇名称,单元\r\n1,金融街,1\r\n".encode().replace("金".encode(), "金".encode()[:2])
    assert damaged.decode("gb18030").startswith("搴忓彿,妤煎畤")  # what GB18030 makes of it
    assert where(refusal(damaged, "l.csv")) == (2, None)


def test_a_nul_byte_is_refused_at_its_row():
    assert where(refusal(b'a,"b\r\nc"\r\nd,\x00\r\ne,\x00\r\n', "l.csv")) == (2, None)


@pytest.mark.parametrize("data", [
    b'building,note\r\nb1,"left open\r\nb2,x\r\nb3,y\r\n',
    b'building,note\r\nb1,"left open\r\nb2,x\r\nb3,"quoted"\r\nb4,z\r\n',
])
def test_a_quote_left_open_is_refused_at_the_row_where_its_cell_starts(data):
    # What Python's csv module does without strict mode: the rows after the quote become one cell.
    assert "b2,x" in list(csv.reader(io.StringIO(data.decode(), newline="")))[1][1]
    assert where(refusal(data, "l.csv")) == (2, None)


def test_a_cell_past_the_csv_modules_field_limit_is_refused_at_its_row():
    problem = refusal(b"a,b\r\nc," + b"x" * 200_000 + b"\r\n", "l.csv")
    assert (where(problem), problem.message.values) == ((2, None), {"limit": MAX_CELL})


def test_rows_past_the_limit_are_refused_as_soon_as_they_start(monkeypatch):
    monkeypatch.setattr(ledger_files, "MAX_ROWS", 50)
    assert where(refusal(b"a\n" * 50 + b"\n" + b"b\n" * 10**6, "l.csv")) == (51, None)
    assert len(read_sheet(b"a\n" * 50, "l.csv")) == 50


def test_a_bom_then_bad_bytes_is_refused_as_utf8():
    assert where(refusal(codecs.BOM_UTF8 + "楼宇\r\n".encode("gbk"), "l.csv")) == (1, None)


# Anything at all: a row list or a LedgerError


def stored_csv() -> bytes:
    """A small CSV ledger, Chinese, with a quoted multi-line note."""
    return csv_bytes([["台账"], HEADER, ROW, ["2", "B座", "", "", "", "", "", "两行\r\n备注"]], "utf-8-sig")


def stored_xlsx() -> bytes:
    """A small .xlsx ledger with a merged title, a date and a formula."""
    return xlsx([["台账"], HEADER, ROW, ["2", "B座", dt.datetime(2020, 3, 14), "=SUM(A2:A9)"]], merge="A1:H1")


FILES = {"l.csv": stored_csv(), "l.xlsx": stored_xlsx()}


def flipped(data: bytes, flips: list[tuple[int, int]]) -> bytes:
    """Bytes with some bytes replaced (positions taken modulo the length)."""
    out = bytearray(data)
    for position, value in flips:
        if out:
            out[position % len(out)] = value
    return bytes(out)


def sheet_flipped(flips: list[tuple[int, int]], cut: int | None) -> bytes:
    """The .xlsx ledger with its sheet's XML damaged inside a sound zip (past the zip's own checks)."""
    sheet = flipped(part(FILES["l.xlsx"], SHEET).encode(), flips)
    return edited(FILES["l.xlsx"], {SHEET: sheet[:cut] if cut is not None else sheet})


def read_or_refused(data: bytes, filename: str) -> None:
    """Read a file: rows of (number, texts), numbers rising, or a LedgerError; nothing else."""
    try:
        rows = read_sheet(data, filename)
    except LedgerError as refused:
        assert refused.problems and all(problem.row >= 1 for problem in refused.problems)
        return
    assert [number for number, _ in rows] == list(range(1, len(rows) + 1))
    assert all(isinstance(cell, str) for _, cells in rows for cell in cells)
    assert not rows or rows[-1][1]


FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
flips = st.lists(st.tuples(st.integers(0, 2**20), st.integers(0, 255)), max_size=4)


@FUZZ
@given(filename=st.sampled_from(sorted(FILES)), cut=st.integers(0, 2**20) | st.none(), changes=flips)
def test_a_truncated_or_flipped_file_is_read_or_refused(filename, cut, changes):
    data = flipped(FILES[filename], changes)
    read_or_refused(data[:cut % (len(data) + 1)] if cut is not None else data, filename)


@FUZZ
@given(cut=st.integers(0, 4096) | st.none(), changes=flips)
def test_a_workbook_with_damaged_sheet_xml_is_read_or_refused(cut, changes):
    read_or_refused(sheet_flipped(changes, cut), "l.xlsx")


@FUZZ
@given(data=st.binary(max_size=2048), filename=st.sampled_from(["l.xlsx", "l.csv", "l.xlsm", "l.txt"]))
def test_any_bytes_are_read_or_refused(data, filename):
    read_or_refused(data, filename)
