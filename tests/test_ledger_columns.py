"""A ledger's header and cells as workstations write them (pure: no database): the header row under title rows,
Chinese and English headers, saved corrections, and every spelling issue #15 lists for floors, entrances, units,
dates, counts, phones, uses and statuses; any text either parses or is refused with a message, never a crash."""
from __future__ import annotations

import importlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from data.i18n import Text
from data.ledger_columns import (
    FIELD_LABELS,
    FIELDS,
    Column,
    ValueRefused,
    digits,
    entrance_key,
    entrance_name,
    escape_cell,
    find_header,
    header_key,
    is_formula,
    is_total_row,
    map_columns,
    name_key,
    parse_count,
    parse_date,
    parse_floor,
    parse_phone,
    parse_status,
    parse_use,
    unescape,
    unit_key,
)


def default_catalogue() -> tuple[list[dict], list[dict]]:
    """The statuses and uses a new database starts with, as its migrations write them."""
    initial = importlib.import_module("data.migrations.versions.0001_initial")
    chinese = importlib.import_module("data.migrations.versions.0007_languages").CHINESE_CODES
    uses = importlib.import_module("data.migrations.versions.0005_trust").DEFAULT_USES
    return [{**status, "text_code_zh": chinese[status["code"]]} for status in initial.DEFAULT_STATUSES], uses


STATUSES, USES = default_catalogue()
TITLE = ["鲁谷街道商务楼宇疫情防控台账", "", "", "", ""]
FILLED_IN = ["填报单位：鲁谷街道第一楼宇工作站", "", "填报日期：2020年3月14日", "", ""]
CHINESE = ["序号", "楼宇名称", "单元", "楼层", "房号", "使用性质", "单位/住户名称", "人数", "联系电话", "状态",
           "隔离开始", "隔离结束", "备注"]
ENGLISH = ["No.", "Building name", "Entrance", "Floor", "Unit", "Use", "Occupant", "Head count", "Phone", "Status",
           "Quarantine start", "Quarantine end", "Notes"]
IN_ORDER = ["serial", "building", "entrance", "floor", "unit", "use", "occupant_name", "head_count", "contact_phone",
            "status", "quarantine_start", "quarantine_end", "note"]
DATA = ["1", "A座", "1单元", "15层", "１５０１", "住宅", "张三", "3", "138 0013 8000", "健康", "", "", ""]


def fields(columns: tuple[Column, ...]) -> list[str | None]:
    """The field of each column."""
    return [column.field for column in columns]


def refused(parse, text: str, *catalogue) -> Text:
    """The message a parser refuses a text with."""
    with pytest.raises(ValueRefused) as refusal:
        parse(text, *catalogue)
    assert isinstance(refusal.value.message, Text)
    return refusal.value.message


def test_every_field_has_a_label_and_no_alias_names_two_fields():
    assert set(FIELD_LABELS) == set(FIELDS)
    owners: dict[str, set[str]] = {}
    for name, aliases in FIELDS.items():
        for alias in aliases:
            owners.setdefault(header_key(alias), set()).add(name)
    assert "" not in owners and all(len(names) == 1 for names in owners.values())
    assert [map_columns([aliases[0], name])[0].field for name, aliases in FIELDS.items()] == list(FIELDS)
    assert [map_columns([name])[0].field for name in FIELDS] == list(FIELDS)


@pytest.mark.parametrize("titles", [CHINESE, ENGLISH], ids=["chinese", "english"])
def test_the_header_is_found_under_title_rows(titles):
    rows = [(1, TITLE), (2, FILLED_IN), (4, titles), (5, DATA)]
    header = find_header(rows)
    assert header.row == 4
    assert fields(header.columns) == IN_ORDER
    assert [column.index for column in header.columns] == list(range(len(titles)))
    assert header.columns[1].title == titles[1]


@pytest.mark.parametrize(("title", "field"), [
    ("楼宇/楼栋", "building"), ("楼栋", "building"), ("楼宇名称/楼栋", "building"), ("楼 栋", "building"),
    ("*房号", "unit"), ("房间号：", "unit"), ("门牌号", "unit"),
    ("所在楼层", "floor"), ("使用\n性质", "use"), ("住户名称", "occupant_name"), ("居住人数", "residents"),
    ("员工人数", "staff"), ("手机号", "contact_phone"), ("隔离开始日期", "quarantine_start"),
    ("解除隔离日期", "quarantine_end"), ("情况说明", "note"), ("版本", "version"), ("#", "serial"),
    ("ＲＯＯＭ", "unit"), ("head_count", "head_count"), ("Contact-Phone", "contact_phone"),
    ("人数（人）", "head_count"), ("联系电话(手机)", "contact_phone"), ("填报单位", None), ("", None), ("附件", None),
])
def test_headers_map_to_fields(title, field):
    assert map_columns([title])[0].field == field


def test_saved_corrections_override_the_aliases():
    saved = {header_key("名称"): "building", header_key("备注"): None, header_key("门牌"): "unit"}
    columns = map_columns(["名称", "门牌", "备注", "状态"], saved)
    assert fields(columns) == ["building", "unit", None, "status"]


def test_a_saved_correction_to_an_unknown_field_falls_back_to_the_aliases():
    assert fields(map_columns(["房号"], {header_key("房号"): "no_such_field"})) == ["unit"]


def test_a_field_named_twice_stays_with_the_first_column():
    columns = map_columns(["房号", "电话", "手机", "Unit"])
    assert fields(columns) == ["unit", "contact_phone", None, None]
    assert columns[2].title == "手机"


@pytest.mark.parametrize("rows", [
    [(1, TITLE), (2, FILLED_IN)],
    [(1, ["楼宇名称", "楼层", "状态"])],
    [(1, ["房号"])],
    [(1, TITLE), (2, DATA)],
], ids=["titles only", "no unit", "unit alone", "data without header"])
def test_no_header_without_the_unit_and_another_field(rows):
    assert find_header(rows) is None


def test_the_header_is_looked_for_only_in_the_first_rows():
    rows = [(number, TITLE) for number in range(1, 31)] + [(31, CHINESE)]
    assert find_header(rows) is None
    assert find_header(rows, scan=31).row == 31


def test_the_row_naming_most_fields_is_the_header():
    rows = [(1, ["房号", "楼层", "", ""]), (2, ["房号", "楼层", "状态", "备注"]), (3, ["房号", "楼层", "状态", "备注"])]
    assert find_header(rows).row == 2


def test_saved_corrections_find_a_header_the_aliases_miss():
    rows = [(1, TITLE), (2, ["门牌", "情况"])]
    assert find_header(rows) is None
    assert find_header(rows, {"门牌": "unit", "情况": "status"}).row == 2


@pytest.mark.parametrize(("text", "floor"), [
    ("15", (15, "15")), ("15层", (15, "15")), ("15F", (15, "15")), ("15f", (15, "15")), ("F15", (15, "15")),
    ("15楼", (15, "15")), ("第15层", (15, "15")), ("１５层", (15, "15")), (" 15 ", (15, "15")), ("十五层", (15, "15")),
    ("二十三", (23, "23")), ("300", (300, "300")), ("地下1层", (-1, "B1")), ("地下一层", (-1, "B1")),
    ("负1层", (-1, "B1")), ("B1", (-1, "B1")), ("b1", (-1, "B1")), ("-1", (-1, "B1")), ("B2", (-2, "B2")),
    ("地下二层", (-2, "B2")), ("B1F", (-1, "B1")), ("地下 1 层", (-1, "B1")),
    ("B 2", (-2, "B2")),
])
def test_floors_in_every_spelling(text, floor):
    assert parse_floor(text) == floor


@pytest.mark.parametrize("text", ["", "  ", "0", "0层", "B0", "301", "B301", "abc", "15.5", "一十十", "1-2", "层",
                                  "1 5层"])
def test_floors_refused(text):
    refused(parse_floor, text)


@pytest.mark.parametrize(("text", "key"), [
    ("1单元", "1"), ("一单元", "1"), ("1", "1"), ("1 单元", "1"), ("1号", "1"), ("１单元", "1"), ("01", "1"),
    ("第2单元", "2"), ("十二单元", "12"), ("A座", "A座"), ("a座", "A座"), ("东 门", "东门"), ("", ""),
])
def test_entrance_keys(text, key):
    assert entrance_key(text) == key


@pytest.mark.parametrize(("text", "name"), [
    ("1", "1单元"), ("一单元", "1单元"), ("1号", "1单元"), ("1单元", "1单元"), (" A座 ", "A座"), ("东  门", "东 门"),
])
def test_new_entrances_are_named_as_the_admin_page_names_them(text, name):
    assert entrance_name(text) == name


@pytest.mark.parametrize(("text", "key"), [
    ("１２０７室", "1207"), ("1207", "1207"), ("1207号", "1207"), ("1207房", "1207"), ("b101", "B101"),
    (" 12 07 ", "1207"), ("Ａ-301", "A-301"),
])
def test_unit_keys(text, key):
    assert unit_key(text) == key


def test_building_names_match_without_spaces_and_case():
    assert name_key(" Ｔｏｗｅｒ  A ") == name_key("tower a") == "towera"


def test_digits_are_plain_ascii():
    assert digits(" １２０７ＡＢ ") == "1207AB"


@pytest.mark.parametrize("text", [
    "2020-03-14", "2020/03/14", "2020/3/14", "2020年3月14日", "2020年03月14号", "2020.3.14", "20200314",
    "2020-03-14 00:00", "2020-03-14 00:00:00", "2020-03-14T08:30:00", "2020 年 3 月 14 日", "43904", "43904.5",
    "２０２０-０３-１４",
])
def test_dates_in_every_spelling(text):
    assert parse_date(text) == "2020-03-14"


@pytest.mark.parametrize(("text", "date"), [
    ("25569", "1970-01-01"), ("2958465", "9999-12-31"), ("9999-12-31", "9999-12-31"),
])
def test_the_range_of_excel_dates(text, date):
    assert parse_date(text) == date


@pytest.mark.parametrize("text", [
    "", "0", "1", "2020", "25568", "2958466", "2020-02-30", "2020-13-01", "0000-01-01", "2020-03/14", "14/03/2020",
    "三月十四日", "soon", "2020-03-14 25", "-43904",
])
def test_dates_refused(text):
    refused(parse_date, text)


@pytest.mark.parametrize(("text", "count"), [
    ("3", 3), ("３", 3), ("3人", 3), ("3.0", 3), (" 3 ", 3), ("0", 0), ("12 人", 12), ("3名", 3), ("３　人", 3),
])
def test_counts(text, count):
    assert parse_count(text) == count


@pytest.mark.parametrize("text", ["", "-1", "3.5", "three", "三", "1e3", "1234567890", "3 4"])
def test_counts_refused(text):
    refused(parse_count, text)


@pytest.mark.parametrize(("text", "phone"), [
    ("138 0013 8000", "13800138000"), ("１３８００１３８０００", "13800138000"), ("010-6888 1234", "010-68881234"),
])
def test_phones_lose_spaces_and_full_width(text, phone):
    assert parse_phone(text) == phone


@pytest.mark.parametrize(("text", "code"), [
    ("住宅", "home"), ("住户", "home"), ("居民", "home"), ("居住", "home"), ("办公", "firm"), ("企业", "firm"),
    ("公司", "firm"), ("商铺", "firm"), ("商业", "firm"), ("门店", "firm"), ("写字楼", "firm"), ("企住一体", "mixed"),
    ("商住", "mixed"), ("住办", "mixed"), ("home", "home"), ("FIRM", "firm"), ("Firm and home", "mixed"),
    (" 企业 ", "firm"),
])
def test_uses_in_words_codes_and_labels(text, code):
    assert parse_use(text, USES) == code


@pytest.mark.parametrize("text", ["仓库", "住", "Homes"])
def test_uses_refused_listing_the_choices(text):
    message = refused(parse_use, text, USES)
    assert message.values["choices"]["label_zh"] == "住户、企业、企住一体"


def test_a_word_for_a_use_the_catalogue_lacks_is_refused():
    refused(parse_use, "企住一体", [use for use in USES if use["code"] != "mixed"])


@pytest.mark.parametrize(("text", "code"), [
    ("健康", "healthy"), ("居家隔离", "quarantined"), ("未复工", "not_reopened"), ("已复工", "reopened"),
    ("空置", "vacant"), ("待核实", "unverified"), ("健康住户", "healthy"), ("healthy", "healthy"),
    ("Home quarantine", "quarantined"), ("not_reopened", "not_reopened"), ("Not reopened", "not_reopened"),
    ("H", "healthy"), ("q", "quarantined"), ("隔", "quarantined"), ("复", "reopened"), ("?", "unverified"),
    ("？", "unverified"), ("空置房", "vacant"), ("Healthy", "healthy"), ("VACANT", "vacant"),
    ("健康住户(H)", "healthy"),
])
def test_statuses_in_words_codes_and_labels(text, code):
    assert parse_status(text, STATUSES) == code


@pytest.mark.parametrize("text", ["复工", "隔离中", "x", "Open", "Home", "Not"])
def test_unknown_statuses_are_refused_listing_the_choices(text):
    message = refused(parse_status, text, STATUSES)
    assert message.values["choices"]["label_zh"] == "健康住户、居家隔离、未复工、已复工、空置、待核实"
    assert message.values["text"] == text


@pytest.mark.parametrize("parse", [parse_floor, parse_date, parse_count, parse_phone, parse_use, parse_status])
def test_empty_cells_are_refused_as_empty(parse):
    catalogue = {parse_use: [USES], parse_status: [STATUSES]}.get(parse, [])
    assert refused(parse, " \u3000", *catalogue) == "no value"


def test_an_ambiguous_status_is_refused_listing_the_candidates():
    statuses = STATUSES + [{**STATUSES[0], "code": "healthy_firm", "label_zh": "健康企业", "label_en": "Healthy firm",
                            "text_code": "F", "text_code_zh": "企"}]
    message = refused(parse_status, "健康", statuses)
    assert message.values["choices"]["label_zh"] == "健康住户、健康企业"
    assert parse_status("健康企业", statuses) == "healthy_firm"


def test_names_that_keep_no_letters_or_run_long_name_nothing():
    statuses = STATUSES + [{**STATUSES[0], "code": "starred", "label_zh": "-", "label_en": "*", "text_code": "*",
                            "text_code_zh": "*"}]
    uses = USES + [{**USES[0], "code": "dashed", "label_zh": "-", "label_en": "-"}]
    for text in ["-", "**", "健康" + "x" * 100]:
        refused(parse_status, text, statuses)
        refused(parse_use, text, uses)


@pytest.mark.parametrize(("text", "escaped"), [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+86 138", "'+86 138"), ("-1", "'-1"),
    ("@x", "'@x"), ("\tx", "'\tx"), ("\rx", "'\rx"), ("'=x", "''=x"), ("plain", "plain"), ("'quoted", "'quoted"),
    ("", ""), ("a=b", "a=b"),
])
def test_the_export_escapes_formula_starts(text, escaped):
    assert escape_cell(text) == escaped
    assert unescape(escaped) == text


def test_unescape_keeps_a_quote_that_guards_nothing():
    assert unescape("'=SUM(A1)") == "=SUM(A1)"
    assert unescape("'abc") == "'abc"


@pytest.mark.parametrize(("text", "formula"), [
    ("=SUM(A1:A3)", True), ("=HYPERLINK(\"x\")", True), ("＝1", True), ("=", False), ("1=1", False), ("", False),
])
def test_formulas(text, formula):
    assert is_formula(text) == formula


@pytest.mark.parametrize(("cells", "total"), [
    (["合计", "", "", "", "=SUM(H5:H20)"], True), (["", "总计", ""], True), (["", "", "小计："], True),
    (["合 计"], True), (["Total"], True), (["", "", "", "", "", "", "=sum(H5:H9)"], True),
    (["", "", "", "", "", "", "=SUBTOTAL(9,H5:H9)"], True), (["1", "A座", "1单元", "合计"], False),
    (["1", "A座", "1单元", "15", "1501", "住宅", "=HYPERLINK(\"x\")"], False), ([], False),
])
def test_total_rows(cells, total):
    assert is_total_row(cells) == total


PARSERS = [parse_floor, parse_date, parse_count, parse_phone, lambda text: parse_use(text, USES),
           lambda text: parse_status(text, STATUSES)]
SPELLINGS = ["15层", "地下一层", "２０２０年３月１４日", "43904", "健康", "住宅", "٣", "᧚", "十十十十", "9" * 5000,
             "B" + "9" * 40, "2020-02-30"]
TEXTS = st.text(max_size=40) | st.sampled_from(SPELLINGS)


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_parsers_refuse_only_with_value_refused(text):
    for parse in PARSERS:
        try:
            parse(text)
        except ValueRefused as refusal:
            assert isinstance(refusal.message, Text) and len(refusal.message) < 400


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30))
def test_escape_and_unescape_round_trip(text):
    escaped = escape_cell(text)
    assert unescape(escaped) == text
    assert not escaped.startswith(("=", "+", "-", "@", "\t", "\r"))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.text(max_size=8), max_size=8), max_size=8))
def test_any_rows_give_a_header_with_the_unit_or_none(rows):
    header = find_header(list(enumerate(rows, start=1)))
    assert header is None or "unit" in fields(header.columns)
    assert all(is_total_row(cells) in (True, False) for cells in rows)
