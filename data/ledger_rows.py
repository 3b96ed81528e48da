"""A ledger's sheet read as units: the header found, each row's unit and the values it gives, rows skipped, and every
problem named by sheet row and column. Pure: the catalogue comes in as lists."""
from __future__ import annotations

from dataclasses import dataclass, field

from data import ledger_columns as cells
from data.i18n import N_, Text
from data.ledger_columns import Column, Header, ValueRefused
from data.ledger_problems import Problem

REQUIRED = ("building", "floor", "unit")
NAME_LENGTH, LABEL_LENGTH = 200, 32
TEXT_FIELDS = ("occupant_name", "note")
VALUE_PARSERS = {
    "residents": cells.parse_count, "staff": cells.parse_count, "head_count": cells.parse_count,
    "contact_phone": cells.parse_phone, "quarantine_start": cells.parse_date, "quarantine_end": cells.parse_date,
    "version": cells.parse_count,
}
EXAMPLE_HEADERS = "楼宇名称, 楼层, 房号"
# Fields whose texts repeat down a ledger (the others are mostly one of a kind: not worth remembering).
REPEATED = {"building", "entrance", "floor", "status", "use", "head_count", "residents", "staff", "quarantine_start",
            "quarantine_end"}
PLACE_FIELDS = {
    "building": lambda text: _limited(" ".join(cells.digits(text).split()), NAME_LENGTH),
    "entrance": cells.digits, "floor": cells.parse_floor,
    "unit": lambda text: _limited(cells.unit_key(text), LABEL_LENGTH), "serial": lambda text: None,
}


@dataclass(frozen=True)
class LedgerRow:
    """One row about a unit: where it is (as written, cleaned), the values it gives (empty cells give none) and the
    version it was made from; `titles` names each field's column as the file does, for problems."""

    number: int
    building: str
    entrance: str
    level: int
    floor: str
    unit: str
    values: dict
    version: int | None = None
    titles: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Skipped:
    """A row left out, and why (empty, a total)."""

    row: int
    reason: Text


@dataclass(frozen=True)
class ReadRows:
    """What a sheet holds: its header, the rows about units, rows skipped and the problems found."""

    header: Header | None
    rows: tuple[LedgerRow, ...]
    skipped: tuple[Skipped, ...]
    problems: tuple[Problem, ...]


def read_rows(sheet: list[tuple[int, list[str]]], saved: dict | None, statuses: list[dict],
              uses: list[dict]) -> ReadRows:
    """The sheet's header (found among its first rows) and every row below it read, or the problem of a sheet
    without a usable header."""
    header = cells.find_header(sheet, saved)
    if header is None:
        first = sheet[0][0] if sheet else 1
        return ReadRows(None, (), (), (Problem(first, None, Text(
            N_("No header row found: name the columns in one row, like %(example)s."), example=EXAMPLE_HEADERS)),))
    missing = _missing_columns(header)
    if missing:
        return ReadRows(header, (), (), tuple(missing))
    rows, skipped, problems = [], [], []
    read_cell = _reader(statuses, uses)
    for number, texts in sheet:
        if number <= header.row:
            continue
        row, row_problems = read_row(number, texts, header.columns, read_cell)
        reason = _skip_reason(texts, header.columns) if row is None else None
        if reason:
            skipped.append(Skipped(number, reason))
            continue
        problems += row_problems
        rows += [row] if row else []
    return ReadRows(header, tuple(rows), tuple(skipped), tuple(problems))


def _missing_columns(header: Header) -> list[Problem]:
    """A problem for each column a ledger must have (building, floor, unit)."""
    named = {column.field for column in header.columns}
    return [Problem(header.row, None, Text(N_("The ledger has no %(field)s column."), field=column_label(name)))
            for name in REQUIRED if name not in named]


def column_label(name: str) -> dict:
    """A field's name for people: its English label, and its canonical Chinese header."""
    return {"label_en": cells.FIELD_LABELS[name], "label_zh": cells.FIELDS[name][0]}


def _skip_reason(texts: list[str], columns: tuple[Column, ...]) -> Text | None:
    """Why a row is not about a unit: empty (or only its serial number), or a total row; None when it is."""
    given = [text for column, text in zip(columns, texts, strict=False) if text and column.field != "serial"]
    given += [text for text in texts[len(columns):] if text]
    if not given:
        return Text(N_("an empty row"))
    if cells.is_total_row(texts):
        return Text(N_("a total row"))
    return None


def read_row(number: int, texts: list[str], columns: tuple[Column, ...],
             read_cell) -> tuple[LedgerRow | None, list[Problem]]:
    """One row: where its unit is and its values, or the problems that keep it from being read (every one)."""
    titles = {column.field: column.title for column in columns if column.field}
    place, values, problems, refused = {}, {}, [], set()
    for column, text in zip(columns, texts, strict=False):
        if column.field and text:
            value = read_cell(column.field, text)
            if isinstance(value, Text):
                problems.append(Problem(number, column.title, value))
                refused.add(column.field)
            else:
                (place if column.field in PLACE_FIELDS else values)[column.field] = value
    problems += [Problem(number, titles[name], Text(N_("required"))) for name in REQUIRED
                 if name not in place and name not in refused]
    if problems:
        return None, problems
    version = values.pop("version", None)
    return LedgerRow(number, place["building"], place.get("entrance", ""), *place["floor"], place["unit"], values,
                     version, titles), []


def _reader(statuses: list[dict], uses: list[dict]):
    """A function reading a cell's text as its field's value, or the Text of why it is none; remembered by text,
    since a ledger repeats its buildings, floors, statuses and uses on thousands of rows."""
    parsers = {**VALUE_PARSERS, "status": lambda text: cells.parse_status(text, statuses),
               "use": lambda text: cells.parse_use(text, uses)}
    known: dict[tuple[str, str], object] = {}

    def read_cell(name: str, text: str):
        if name not in REPEATED:
            return _value(parsers, name, cells.unescape(text))
        key = (name, text)
        if key not in known:
            known[key] = _value(parsers, name, cells.unescape(text))
        return known[key]
    return read_cell


def _value(parsers: dict, name: str, text: str):
    """A cell's value (texts as written, places cleaned), or the Text of why its text is none."""
    try:
        return text if name in TEXT_FIELDS else parsers[name](text) if name in parsers else PLACE_FIELDS[name](text)
    except ValueRefused as refused:
        return refused.message


def _limited(text: str, limit: int) -> str:
    """A name or label within its length."""
    if not text or len(text) > limit:
        raise ValueRefused(N_("give 1 to %(limit)s characters"), limit=limit)
    return text
