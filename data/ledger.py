"""Ledger (台账) import: a CSV or .xlsx file of units and their new values, applied as one batch, all rows or none.

The first row names the columns: `building`, `entrance` and `unit` (the building's name, the entrance's name and the
unit's label) say which unit a row is about; at least one editable field (EDITABLE) gives new values; an optional
`version` is the unit version the ledger was made from: then only cells that differ from the unit at that version change
it, and a field that someone changed since is refused where the ledger says otherwise (a three-way merge). An empty cell
leaves its field unchanged (so an import cannot clear a field). A status may be given by its code or by either label.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException
from sqlalchemy import Connection, select

from data import queries
from data.access import scope_paths
from data.changes import ChangeContext, NotAllowed, StaleEdit, UnitEdit, apply_edits
from data.models import Area, Building, Entrance, Unit
from data.validation import EDIT_FIELDS, InvalidEdit

KEY_COLUMNS = ("building", "entrance", "unit")
EDITABLE = EDIT_FIELDS
VERSION = "version"
MAX_LISTED = 50
NAMES_PER_QUERY = 1_000
# What openpyxl raises for files that are no workbook or a damaged one (XML parse errors, ElementTree's and lxml's, are
# SyntaxErrors).
XLSX_ERRORS = (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, SyntaxError)


@dataclass(frozen=True)
class Problem:
    """Something wrong with a ledger, at a row of the file (the header is row 1) and, when known, a column."""

    row: int
    column: str | None
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, {self.column}: {self.message}" if self.column else f"row {self.row}: {self.message}"


class LedgerError(ValueError):
    """A ledger that cannot be imported: every problem found, in file order; nothing was changed."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda problem: problem.row)
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        """The first MAX_LISTED problems, one a line, and how many more there are."""
        hidden = len(self.problems) - MAX_LISTED
        return [str(problem) for problem in self.problems[:MAX_LISTED]] + ([f"and {hidden} more"] if hidden > 0 else [])


@dataclass(frozen=True)
class LedgerRow:
    """One data row of a ledger: which unit, its new values (non-empty cells only), and the version it was made from."""

    number: int
    building: str
    entrance: str
    unit: str
    values: dict[str, str]
    version: int | None = None


@dataclass(frozen=True)
class ImportReport:
    """What an import did: rows read, units changed, rows that changed nothing, and the batch (for undo)."""

    rows: int
    changed: int
    unchanged: int
    batch_id: str


def read_ledger(path: str | Path) -> list[LedgerRow]:
    """The data rows of a .csv (UTF-8, with or without BOM) or .xlsx ledger (first sheet); LedgerError lists what is
    wrong."""
    records = _records(Path(path))
    if not records:
        raise LedgerError([Problem(1, None, "the file is empty; its first row must name the columns")])
    header_number, header = records[0]
    names = _column_names(header_number, header)
    rows, problems = [], []
    for number, cells in records[1:]:
        row, row_problems = _ledger_row(number, cells, names)
        problems += row_problems
        rows += [row] if row else []
    if not rows and not problems:
        problems.append(Problem(header_number, None, "no rows below the header"))
    if problems:
        raise LedgerError(problems)
    return rows


def import_ledger(conn: Connection, rows: list[LedgerRow], ctx: ChangeContext) -> ImportReport:
    """Apply every row as one batch of apply_edits, or raise LedgerError naming each problem's row and change nothing.

    Unknown and duplicate units are all reported together; then apply_edits refuses at its first kind of problem
    (not allowed, stale version, invalid values), and every unit of that kind is reported.
    """
    unit_ids, problems = _resolve(conn, rows, scope_paths(ctx.actor))
    problems += _duplicates(rows, unit_ids)
    if problems:
        raise LedgerError(problems)
    codes = _status_codes(conn)
    edits = [
        UnitEdit(
            unit_ids[row.number], _with_status_code(row.values, codes), row.version, whole_form=row.version is not None
        )
        for row in rows
    ]
    try:
        changed = apply_edits(conn, edits, ctx)
    except (NotAllowed, StaleEdit, InvalidEdit) as refused:
        raise LedgerError(_refusal_problems(refused, {unit_ids[row.number]: row for row in rows})) from None
    return ImportReport(len(rows), len(changed), len(rows) - len(changed), ctx.batch_id)


def _records(path: Path) -> list[tuple[int, list[str]]]:
    """The file's non-blank rows as (row number, cell texts)."""
    if path.suffix.lower() == ".xlsx":
        return _xlsx_records(path)
    if path.suffix.lower() == ".csv":
        return _csv_records(path.read_bytes())
    raise LedgerError(
        [Problem(1, None, f"a ledger is a .csv or .xlsx file, not {path.suffix or 'a file without extension'}")]
    )


def _csv_records(data: bytes) -> list[tuple[int, list[str]]]:
    """Rows of CSV bytes; text that is not UTF-8, or holds NUL bytes, is refused at the row where it goes wrong."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise LedgerError([Problem(data[:error.start].count(b"\n") + 1, None, "not UTF-8 text")]) from None
    if "\0" in text:
        raise LedgerError([Problem(text[:text.index("\0")].count("\n") + 1, None, "not a text file (a NUL byte)")])
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        records = [(number, [cell.strip() for cell in cells]) for number, cells in enumerate(reader, start=1)]
    except csv.Error as error:
        raise LedgerError([Problem(reader.line_num, None, f"not a readable CSV file ({error})")]) from None
    return [(number, cells) for number, cells in records if any(cells)]


def _xlsx_records(path: Path) -> list[tuple[int, list[str]]]:
    """Rows of the first sheet of a workbook, each cell as text; a damaged workbook is refused at the row where it
    breaks."""
    texts: list[list[str]] = []
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            texts.extend(
                [_cell_text(value) for value in values] for values in workbook.worksheets[0].iter_rows(values_only=True)
            )
        finally:
            workbook.close()
    except XLSX_ERRORS as error:
        raise LedgerError([Problem(len(texts) + 1, None, f"not a readable .xlsx workbook ({error})")]) from None
    return [(number, cells) for number, cells in enumerate(texts, start=1) if any(cells)]


def _cell_text(value) -> str:
    """A spreadsheet value as the text a CSV would hold: dates as YYYY-MM-DD, whole numbers without '.0'."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _column_names(number: int, header: list[str]) -> list[str | None]:
    """The column name of each header cell (None for an empty one); LedgerError for an unusable header."""
    names = [cell.strip().lower() or None for cell in header]
    known = (*KEY_COLUMNS, *EDITABLE, VERSION)
    problems = [
        Problem(number, name, f"unknown column; columns are {', '.join(known)}")
        for name in names
        if name and name not in known
    ]
    problems += [
        Problem(number, name, "column named twice") for name in sorted({n for n in names if n and names.count(n) > 1})
    ]
    problems += [Problem(number, name, "required column missing") for name in KEY_COLUMNS if name not in names]
    if not set(EDITABLE) & set(names):
        problems.append(Problem(number, None, f"no column to change; give at least one of {', '.join(EDITABLE)}"))
    if problems:
        raise LedgerError(problems)
    return names


def _ledger_row(number: int, cells: list[str], names: list[str | None]) -> tuple[LedgerRow | None, list[Problem]]:
    """One data row, or the problems that keep it from being one."""
    named = {name: cell for name, cell in zip(names, cells, strict=False) if name}
    problems = [Problem(number, name, "required") for name in KEY_COLUMNS if not named.get(name)]
    if any(cell for position, cell in enumerate(cells) if position >= len(names) or names[position] is None):
        problems.append(Problem(number, None, "a value in a column without a name"))
    version = named.get(VERSION) or None
    if version is not None and not (version.isascii() and version.isdigit()):
        problems.append(Problem(number, VERSION, "a whole number (the unit version the ledger was made from)"))
    if problems:
        return None, problems
    values = {name: named[name] for name in EDITABLE if named.get(name)}
    version_seen = int(version) if version else None
    return LedgerRow(number, named["building"], named["entrance"], named["unit"], values, version_seen), []


def _resolve(
    conn: Connection, rows: list[LedgerRow], scope: tuple[str, ...] | None
) -> tuple[dict[int, int], list[Problem]]:
    """The unit id of each row by row number, and a problem for each row that names no unit or several in the scope."""
    units = _units_by_name(conn, sorted({row.building for row in rows}), scope)
    buildings, entrances = {key[0] for key in units}, {key[:2] for key in units}
    unit_ids, problems = {}, []
    for row in rows:
        found = units.get((row.building, row.entrance, row.unit), [])
        if len(found) == 1:
            unit_ids[row.number] = found[0]
        else:
            problems.append(_unresolved(row, buildings, entrances, len(found)))
    return unit_ids, problems


def _units_by_name(
    conn: Connection, building_names: list[str], scope: tuple[str, ...] | None
) -> dict[tuple[str, str, str], list[int]]:
    """Unit ids by (building name, entrance name, unit label) for every unit of the named buildings in the actor's areas
    (None: everywhere): buildings elsewhere are "not found", as on every page, and cannot make a name ambiguous."""
    query = (select(Building.name, Entrance.name, Unit.label, Unit.id).join(Entrance, Entrance.id == Unit.entrance_id)
             .join(Building, Building.id == Unit.building_id).order_by(Unit.id))
    if scope is not None:
        query = query.join(Area, Area.id == Building.area_id).where(queries.in_areas(scope))
    units: dict[tuple[str, str, str], list[int]] = {}
    for start in range(0, len(building_names), NAMES_PER_QUERY):
        named = query.where(Building.name.in_(building_names[start:start + NAMES_PER_QUERY]))
        for building, entrance, label, unit_id in conn.execute(named):
            units.setdefault((building, entrance, label), []).append(unit_id)
    return units


def _unresolved(row: LedgerRow, buildings: set[str], entrances: set[tuple[str, str]], matches: int) -> Problem:
    """Why a row names no unit (the first of its names unknown among buildings and entrances with units), or several."""
    if matches:
        return Problem(
            row.number,
            "unit",
            f"{matches} units are named {row.building} {row.entrance} {row.unit} (buildings share a name)",
        )
    if row.building not in buildings:
        return Problem(row.number, "building", f"no building named {row.building!r}")
    if (row.building, row.entrance) not in entrances:
        return Problem(row.number, "entrance", f"no entrance {row.entrance!r} in {row.building}")
    return Problem(row.number, "unit", f"no unit {row.unit!r} in {row.building} {row.entrance}")


def _duplicates(rows: list[LedgerRow], unit_ids: dict[int, int]) -> list[Problem]:
    """A problem for every row about a unit that an earlier row is about already."""
    first_row: dict[int, int] = {}
    problems = []
    for row in rows:
        unit_id = unit_ids.get(row.number)
        if unit_id in first_row:
            problems.append(Problem(row.number, "unit", f"the same unit as row {first_row[unit_id]}"))
        elif unit_id is not None:
            first_row[unit_id] = row.number
    return problems


def _status_codes(conn: Connection) -> dict[str, str]:
    """The catalogue's code of each status code and label (zh-CN and English)."""
    return {
        name: status["code"]
        for status in queries.statuses(conn)
        for name in (status["code"], status["label_zh"], status["label_en"])
    }


def _with_status_code(values: dict[str, str], codes: dict[str, str]) -> dict[str, str]:
    """The values with a status label replaced by its code (unknown statuses are left for validation to refuse)."""
    return {**values, "status": codes.get(values["status"], values["status"])} if "status" in values else values


def _refusal_problems(refused: Exception, rows: dict[int, LedgerRow]) -> list[Problem]:
    """The problems of apply_edits' refusal, by the row of each unit."""
    if isinstance(refused, InvalidEdit):
        return [Problem(rows[unit_id].number, name, message)
                for unit_id, fields in refused.errors.items() for name, message in fields.items()]
    if isinstance(refused, NotAllowed):
        return [Problem(rows[unit_id].number, "unit", "you may not edit this unit") for unit_id in refused.unit_ids]
    return _stale_problems(refused, rows)


def _stale_problems(stale: StaleEdit, rows: dict[int, LedgerRow]) -> list[Problem]:
    """A problem per field that a colleague changed after the ledger's version and the ledger sets otherwise, saying
    who changed it and the unit's version now."""
    actors: dict[int, set[str]] = {}
    for change in stale.later:
        actors.setdefault(change["unit_id"], set()).add(change["actor"])
    return [Problem(rows[u].number, name, _stale_message(rows[u].version, stale.current[u], actors.get(u)))
            for u in stale.unit_ids for name in stale.conflicts.get(u, {VERSION: None})]


def _stale_message(seen: int, now: int, actors: set[str] | None) -> str:
    """Who moved a unit past the version a ledger was made from, and where it is now."""
    if not actors:
        return f"the unit is at version {now}, not {seen}"
    return f"changed since version {seen} by {', '.join(sorted(actors))}; now version {now}"
