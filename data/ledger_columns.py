"""A ledger's (台账) columns and cells as people write them: which row is the header, which column holds which field,
and each messy cell text (full-width digits, 15层 or 地下1层, 2020年3月14日, 健康) as the value the app stores.

Pure functions: nothing here reads the database; the catalogues (statuses, uses) are passed in.
"""
from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from dataclasses import dataclass

from data.building_plan import floor_label
from data.i18n import N_, Text

# Each field's header aliases; the first is the canonical Chinese header (the export writes it).
FIELDS: dict[str, tuple[str, ...]] = {
    "serial": ("序号", "编号", "No.", "#", "serial"),
    "building": ("楼宇名称", "楼宇", "楼栋", "楼号", "楼宇/楼栋", "楼宇名", "楼宇名称/楼栋", "building",
                 "building name"),
    "entrance": ("单元", "单元号", "entrance"),
    "floor": ("楼层", "层", "所在楼层", "floor"),
    "unit": ("房号", "房间号", "门牌号", "室号", "unit", "room"),
    "use": ("使用性质", "性质", "用途", "类型", "use"),
    "occupant_name": ("单位/住户名称", "单位名称", "住户名称", "住户", "户主", "企业名称", "名称", "occupant",
                      "occupant_name", "name"),
    "head_count": ("人数", "head_count", "head count", "headcount", "people"),
    "residents": ("居住人数", "住户人数", "户内人数", "residents"),
    "staff": ("员工人数", "在岗人数", "职工人数", "staff"),
    "contact_phone": ("联系电话", "电话", "手机", "手机号", "联系方式", "phone", "contact_phone"),
    "status": ("状态", "当前状态", "status"),
    "quarantine_start": ("隔离开始", "隔离开始日期", "隔离起始日期", "开始隔离", "quarantine_start",
                         "quarantine start"),
    "quarantine_end": ("隔离结束", "隔离结束日期", "解除隔离日期", "解除隔离", "quarantine_end", "quarantine end"),
    "note": ("备注", "说明", "情况说明", "note", "notes", "remarks"),
    "version": ("版本", "version"),
}
FIELD_LABELS: dict[str, str] = {
    "serial": N_("Serial number"), "building": N_("Building"), "entrance": N_("Entrance"), "floor": N_("Floor"),
    "unit": N_("Unit"), "use": N_("Use"), "occupant_name": N_("Occupant"), "head_count": N_("Head count"),
    "residents": N_("Residents"), "staff": N_("Staff"), "contact_phone": N_("Phone"), "status": N_("Status"),
    "quarantine_start": N_("Quarantine start"), "quarantine_end": N_("Quarantine end"), "note": N_("Note"),
    "version": N_("Version"),
}
# Punctuation that decorates a header without naming anything: "*房号", "隔离开始：", "head_count", "No.".
HEADER_NOISE = re.compile(r"[\s_\-:*()\[\]【】〔〕.,，、。'\"`·]+")
BRACKETED = re.compile(r"[(（\[【〔][^)）\]】〕]*[)）\]】〕]")
TOTAL_WORDS = ("合计", "总计", "小计")
TOTAL_KEYS = {*TOTAL_WORDS, "total", "subtotal", "grandtotal"}
TOTAL_FORMULA = re.compile(r"^=\s*(SUM|SUBTOTAL)\s*\(", re.IGNORECASE)
# A leading character that makes a spreadsheet read a cell as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHINESE_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
                  "九": 9}
NUMBER = r"[0-9]{1,4}|[零〇一二两三四五六七八九十]{1,4}"
ABOVE_GROUND = re.compile(rf"^第?({NUMBER})(?:层|楼|F)?$|^F({NUMBER})$")
BELOW_GROUND = re.compile(rf"^(?:地下|负|B|-)({NUMBER})(?:层|楼|F)?$")
MAX_FLOOR = 300
ENTRANCE_NUMBER = re.compile(rf"^第?({NUMBER})(?:单元|号)?$")
UNIT_SUFFIXES = "室号房"
TIME = r"(?:[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?"
DATE_FORMS = (
    re.compile(rf"^([0-9]{{4}})([-/.])([0-9]{{1,2}})\2([0-9]{{1,2}}){TIME}$"),
    re.compile(rf"^([0-9]{{4}})(年)([0-9]{{1,2}})月([0-9]{{1,2}})[日号]?{TIME}$"),
    re.compile(r"^([0-9]{4})()([0-9]{2})([0-9]{2})$"),
)
EXCEL_SERIAL = re.compile(r"^([0-9]{1,7})(?:\.[0-9]+)?$")
EXCEL_EPOCH = dt.date(1899, 12, 30)
MAX_EXCEL_SERIAL = 2958465
# Day numbers from 1970 on: a small number in a date column (3, 2020) is a typing slip, not a day in 1900.
MIN_EXCEL_SERIAL = 25569
COUNT = re.compile(r"^([0-9]{1,9})(?:\.0+)?(?:人|名|位|口)?$")
USE_WORDS = {"home": ("住宅", "住户", "居民", "居住"),
             "firm": ("办公", "企业", "公司", "商铺", "商业", "门店", "写字楼"),
             "mixed": ("企住一体", "商住", "住办")}
STATUS_NAMES = ("code", "label_zh", "label_en", "text_code", "text_code_zh")
USE_NAMES = ("code", "label_zh", "label_en")
SHOWN_LENGTH = 30
# Longer cells cannot be a total word or a catalogue name (labels have at most 100 characters): not worth a cache entry.
MAX_TOTAL_WORD = 20
MAX_NAME = 100
LOOSE_SPACE = re.compile(r"(?<![0-9]) | (?![0-9])")


@dataclass(frozen=True)
class Column:
    """A column of a ledger: its position (0 first), its header as written, and the field it holds (None: ignored)."""

    index: int
    title: str
    field: str | None


@dataclass(frozen=True)
class Header:
    """The header row of a sheet (numbered as the spreadsheet numbers rows) and its columns."""

    row: int
    columns: tuple[Column, ...]


class ValueRefused(ValueError):
    """A cell's text that is not a value of its field, and why (a Text the interface translates)."""

    def __init__(self, template: str, **values):
        self.message = Text(template, **values)
        super().__init__(self.message)


def _plain(text) -> str:
    """A cell's text as a str (None is empty)."""
    return "" if text is None else str(text)


def _normal(text) -> str:
    """A cell's text in NFKC: full-width digits, letters and punctuation as ASCII."""
    return unicodedata.normalize("NFKC", _plain(text))


@functools.lru_cache(maxsize=4096)  # each row matches its status and use against the same catalogue labels
def header_key(text: str) -> str:
    """The form header aliases and saved mappings are matched in: NFKC, casefolded, without spaces and punctuation."""
    return HEADER_NOISE.sub("", _normal(text).casefold())


ALIASES: dict[str, str] = {header_key(alias): name for name, aliases in FIELDS.items() for alias in aliases}


def map_columns(titles: list[str], saved: dict[str, str | None] | None = None) -> tuple[Column, ...]:
    """Each header cell's column and field: the area's saved corrections first, then the aliases; a field that two
    columns name stays with the first."""
    taken: set[str] = set()
    columns = []
    for index, title in enumerate(titles):
        field = _field_of(title, saved or {})
        columns.append(Column(index, title, field if field not in taken else None))
        taken.add(field)
    return tuple(columns)


def _field_of(title: str, saved: dict[str, str | None]) -> str | None:
    """The field a header names: a saved correction (None: ignore the column), its alias, or its alias once anything
    in brackets is dropped ("人数（人）", "联系电话(手机)")."""
    key = header_key(title)
    if key in saved and (saved[key] is None or saved[key] in FIELDS):
        return saved[key]
    return ALIASES.get(key) or ALIASES.get(header_key(BRACKETED.sub("", _normal(title))))


def find_header(rows: list[tuple[int, list[str]]], saved: dict[str, str | None] | None = None,
                scan: int = 30) -> Header | None:
    """The header among the first `scan` rows: the one naming the most fields (at least two, the unit among them),
    the first of equals; None when no row does."""
    best, most = None, 1
    for number, cells in rows[:scan]:
        columns = map_columns(cells, saved)
        named = {column.field for column in columns} - {None}
        if "unit" in named and len(named) > most:
            best, most = Header(number, columns), len(named)
    return best


def digits(text) -> str:
    """A cell's text in plain form: NFKC (full-width digits and letters to ASCII), stripped."""
    return _normal(text).strip()


def unescape(text) -> str:
    """A cell as written before the export escaped it: one leading ' dropped where it guards a formula start."""
    text = _plain(text)
    return text[1:] if text.startswith("'") and _needs_escape(text) else text


def escape_cell(text) -> str:
    """A cell's text for the export, that no spreadsheet runs as a formula: "'" before = + - @ tab or CR (and before
    quotes already guarding one, so that unescape gives back exactly the text)."""
    text = _plain(text)
    return "'" + text if _needs_escape(text) else text


def _needs_escape(text: str) -> bool:
    """Whether a text, past any leading quotes, starts like a formula."""
    return text.lstrip("'").startswith(FORMULA_STARTS)


def is_formula(text) -> bool:
    """Whether a cell holds a formula (=…) rather than a value."""
    text = digits(text)
    return len(text) > 1 and text.startswith("=")


def is_total_row(cells: list[str]) -> bool:
    """Whether a row sums the others rather than naming a unit: 合计, 总计, 小计 or total among its first three cells,
    or a =SUM(…) or =SUBTOTAL(…) cell anywhere."""
    return any(_is_total_word(cell) for cell in cells[:3]) or any(_is_total_formula(cell) for cell in cells)


def _is_total_word(cell: str) -> bool:
    """Whether a cell says total ("合计：", "合 计", "Total", "总计（户）")."""
    key = header_key(cell) if len(cell) <= MAX_TOTAL_WORD else ""
    return key in TOTAL_KEYS or key.startswith(TOTAL_WORDS)


def _is_total_formula(cell: str) -> bool:
    """Whether a cell sums others (=SUM(…), =SUBTOTAL(…), written full-width or not)."""
    return cell.lstrip().startswith(("=", "＝")) and bool(TOTAL_FORMULA.match(digits(cell)))


def parse_floor(text) -> tuple[int, str]:
    """A floor's level and label from the ways ledgers write it: 15, 15层, 15F, F15, 第15层 are (15, "15"); 地下1层,
    负1层, B1, -1 are (-1, "B1")."""
    compact = _given(text).upper()
    above, below = ABOVE_GROUND.match(compact), BELOW_GROUND.match(compact)
    number = _number(above.group(1) or above.group(2)) if above else _number(below.group(1)) if below else None
    if number is None:
        raise ValueRefused(N_("%(text)s is not a floor: write it like 15, 15F or B1"), text=_shown(text))
    if number == 0 or number > MAX_FLOOR:
        raise ValueRefused(N_("%(text)s is not a floor: floors run from B%(max)s to %(max)s, without 0"),
                           text=_shown(text), max=MAX_FLOOR)
    level = number if above else -number
    return level, floor_label(level)


def _number(text: str) -> int | None:
    """A number in Arabic or Chinese digits (15, 十五, 二十, 一五); None for a Chinese spelling that is no number."""
    if text.isascii():
        return int(text)
    if "十" not in text:
        return int("".join(str(CHINESE_DIGITS[char]) for char in text))
    tens, _, ones = text.partition("十")
    if "十" in ones or len(tens) > 1 or len(ones) > 1:
        return None
    return CHINESE_DIGITS.get(tens, 1) * 10 + CHINESE_DIGITS.get(ones, 0)


def entrance_key(text) -> str:
    """An entrance's name in the form entrances are matched in: 1单元, 一单元, 1, "1 单元", 1号 are all "1"; other
    names compact and upper-case ("a座" is "A座")."""
    compact = _compact(text).upper()
    numbered = ENTRANCE_NUMBER.match(compact)
    number = _number(numbered.group(1)) if numbered else None
    return compact if number is None else str(number)


def entrance_name(text) -> str:
    """The name a new entrance gets: a numbered one as the admin page names them (1单元); any other as written."""
    key = entrance_key(text)
    return f"{key}单元" if key.isdigit() else " ".join(_normal(text).split())


def unit_key(text) -> str:
    """A unit's label in the form units are matched in: compact, upper-case, without a trailing 室, 号 or 房."""
    return _compact(text).upper().rstrip(UNIT_SUFFIXES)


def name_key(text) -> str:
    """A building's name in the form buildings are matched in: compact and casefolded."""
    return _compact(text).casefold()


def parse_date(text) -> str:
    """An ISO date (YYYY-MM-DD) from 2020-03-14, 2020/3/14, 2020.3.14, 2020年3月14日, 20200314 (any time of day
    dropped) or an Excel day number (43904)."""
    compact = _given(text)
    for form in DATE_FORMS:
        found = form.match(compact)
        if found:
            return _iso_date(text, int(found.group(1)), int(found.group(3)), int(found.group(4)))
    serial = EXCEL_SERIAL.match(compact)
    if serial and MIN_EXCEL_SERIAL <= int(serial.group(1)) <= MAX_EXCEL_SERIAL:
        return (EXCEL_EPOCH + dt.timedelta(days=int(serial.group(1)))).isoformat()
    raise ValueRefused(N_("%(text)s is not a date: write it like 2020-03-14"), text=_shown(text))


def _iso_date(text, year: int, month: int, day: int) -> str:
    """A date's ISO form, refused when the calendar has no such day."""
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        raise ValueRefused(N_("%(text)s is not a date: there is no such day"), text=_shown(text)) from None


def parse_count(text) -> int:
    """A number of people: 3, ３, 3人, 3.0 are 3."""
    found = COUNT.match(_given(text))
    if not found:
        raise ValueRefused(N_("%(text)s is not a number of people: write a whole number like 3"), text=_shown(text))
    return int(found.group(1))


def parse_phone(text) -> str:
    """A phone number without spaces, in ASCII digits (its form is data.validation's to check)."""
    return _given(text).replace(" ", "")


def parse_use(text, uses: list[dict]) -> str:
    """A use's code from its code or a label in either language, or a word ledgers use (住宅, 办公, 商铺, 企住一体)."""
    code = _use_names(_table(uses, USE_NAMES)).get(_name_key(text))
    if code is None:
        raise ValueRefused(N_("%(text)s is not a use; the uses are %(choices)s"), text=_shown(text),
                           choices=_choices(uses))
    return code


@functools.lru_cache(maxsize=64)
def _use_names(table: tuple[tuple[str, ...], ...]) -> dict[str, str]:
    """Use codes by each name for them (code, labels, the words of USE_WORDS for the codes the catalogue has)."""
    codes = {row[0] for row in table}
    names = {header_key(word): code for code, words in USE_WORDS.items() if code in codes for word in words}
    names |= {header_key(name): row[0] for row in table for name in row}
    return {key: code for key, code in names.items() if key}


def parse_status(text, statuses: list[dict]) -> str:
    """A status's code from its code, a label or a text code in either language; or from the start of a label (健康
    for 健康住户) or a label with more after it (空置房 for 空置), where only one status fits."""
    fits = _status_fits(_name_key(text), _table(statuses, STATUS_NAMES))
    if len(fits) == 1:
        return next(iter(fits))
    chosen = [status for status in statuses if status["code"] in fits] or statuses
    template = N_("%(text)s could be %(choices)s: write one of them") if fits else N_(
        "%(text)s is not a status; the statuses are %(choices)s")
    raise ValueRefused(template, text=_shown(text), choices=_choices(chosen))


@functools.lru_cache(maxsize=4096)
def _status_fits(key: str, table: tuple[tuple[str, ...], ...]) -> frozenset[str]:
    """The codes of the statuses a word names exactly, or else of those whose label starts alike (rows of table:
    code, label_zh, label_en, text codes)."""
    exact = frozenset(row[0] for row in table if key and key in map(header_key, row))
    # Only Chinese words are taken by their start: an English word's start (Home, Not) says too little.
    return exact or frozenset(row[0] for row in table if len(key) >= 2 and not key.isascii()
                              and _starts_alike(key, row[1:2]))


def _starts_alike(key: str, labels: tuple[str, ...]) -> bool:
    """Whether a word starts one of the labels, or one of them starts the word."""
    return any(label and (label.startswith(key) or key.startswith(label)) for label in map(header_key, labels))


def _name_key(text) -> str:
    """The header_key of a cell naming a catalogue entry; a text longer than any name is none (and is not cached)."""
    given = _given(text)
    return header_key(given) if len(given) <= MAX_NAME else ""


def _table(records: list[dict], names: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """A catalogue's names for each record, as a key to cache lookups by."""
    return tuple(tuple(str(record[name]) for name in names) for record in records)


def _choices(records: list[dict]) -> dict[str, str]:
    """Records' labels listed in each language, for a message (data.i18n picks the language)."""
    return {"label_en": ", ".join(record["label_en"] for record in records),
            "label_zh": "、".join(record["label_zh"] for record in records)}


def _compact(text) -> str:
    """A cell's text in NFKC without any whitespace."""
    return "".join(_normal(text).split())


def _given(text) -> str:
    """A cell's text in NFKC without spaces, but one kept between digits (so that "3 4" is no number, and a time
    stays apart from its date); ValueRefused when nothing is left."""
    given = LOOSE_SPACE.sub("", " ".join(_normal(text).split()))
    if not given:
        raise ValueRefused(N_("no value"))
    return given


def _shown(text) -> str:
    """A cell's text as a message quotes it: stripped, and cut short when long."""
    text = digits(text)
    return text if len(text) <= SHOWN_LENGTH else text[:SHOWN_LENGTH] + "…"
