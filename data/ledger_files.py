"""Safe reading of a ledger (台账) file: bytes in, the first sheet's rows out as cell texts, read whole or refused.

Limits keep a hostile or broken file from taking the server's time or memory: the file's size, an .xlsx's unpacked
size, rows, columns and characters in a cell. A damaged file is refused at the row where reading stopped, never read
in part.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import PurePath
from xml.parsers import expat

from openpyxl.formula.translate import Translator
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import coordinate_to_tuple, range_boundaries
from openpyxl.utils.datetime import from_excel, from_ISO8601
from openpyxl.worksheet._reader import _cast_number
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

from data.i18n import N_
from data.ledger_problems import LedgerError, refused

MAX_BYTES = 20 * 1024 * 1024
MAX_UNPACKED = 200 * 1024 * 1024
# A 200,000-row ledger's distinct texts (names, phones, notes) take some 20 MB of shared-strings XML.
MAX_STRINGS = 40 * 1024 * 1024
MAX_ROWS = 200_000
MAX_COLUMNS = 100
MAX_CELL = 2_000
MB = 1024 * 1024
# The XML of one row of the sheet (and of what follows the last row); a real row is a few kB, one of 100 full cells
# about 1 MB. The parser holds a row in memory until it ends: 4 MB of empty cells take some 300 MB.
MAX_ROW_XML = 4 * MB
SHEET_CHUNK = 64 * 1024
MAX_MERGED = 100_000
XLSX = (".xlsx", ".xlsm")
CSV = (".csv", ".txt")
WORKSHEET = "/worksheet"
DETAIL = 200
CSV_FIELD_LIMIT = "field larger than field limit"
READ_NO_FURTHER = N_("the workbook is damaged and cannot be read from this row on (%(detail)s); open it in Excel or "
                     "WPS and save it again")
TOO_LONG = N_("a cell longer than %(limit)s characters")

Row = tuple[int, list[str]]


def read_sheet(data: bytes, filename: str) -> list[Row]:
    """Rows of the ledger's first sheet as (row number as the spreadsheet numbers it, cell texts), up to its last
    non-blank row; blank rows kept as [], each row without its trailing empty cells. LedgerError for a file that cannot
    be read whole."""
    suffix = PurePath(filename).suffix.lower()
    _check_kind(suffix)
    if len(data) > MAX_BYTES:
        raise refused(1, N_("the file is %(size)s MB; a ledger may be at most %(limit)s MB"),
                      size=_megabytes(len(data)), limit=MAX_BYTES // MB)
    if suffix not in XLSX:
        return _gathered(_csv_rows(data))
    merged: list[tuple[int, int, int]] = []
    return _filled_down(_gathered(_xlsx_rows(data, merged)), merged)


def _filled_down(sheet: list[Row], merged: list[tuple[int, int, int]]) -> list[Row]:
    """The sheet with each merged range's value in every row of its first column: a ledger merges a building's or a
    floor's cell down the rows of its units, and each of those rows is about that building or floor. (Not across
    columns: a title merged over a row stays in its first cell.)"""
    for first_column, first_row, last_row in merged:
        value = _cell(sheet, first_row, first_column)
        for number in range(first_row + 1, min(last_row, len(sheet)) + 1):
            cells = sheet[number - 1][1]
            if not cells:  # a blank row inside the merge stays blank, and is skipped as one
                continue
            cells.extend([""] * (first_column - len(cells)))
            cells[first_column - 1] = value
    return sheet


def _merged_range(reference: str) -> tuple[int, int, int]:
    """A merged range's first column, first row and last row; ValueError for one that is no range of cells."""
    first_column, first_row, _last_column, last_row = range_boundaries(reference)
    if None in (first_column, first_row, last_row) or first_column > MAX_COLUMNS:
        raise ValueError(f"merged range {reference[:DETAIL]}")
    return first_column, first_row, last_row


def _cell(sheet: list[Row], number: int, column: int) -> str:
    """A cell's text, empty beyond the sheet's rows or a row's cells."""
    cells = sheet[number - 1][1] if 0 < number <= len(sheet) else []
    return cells[column - 1] if column <= len(cells) else ""


def _check_kind(suffix: str) -> None:
    """Refuse a file that is not an .xlsx, .xlsm, .csv or .txt by its name."""
    if suffix in XLSX + CSV:
        return
    if suffix == ".xls":
        raise refused(1, N_("an .xls file (Excel 97-2003) cannot be read; open it in Excel or WPS and save it as "
                            ".xlsx"))
    if not suffix:
        raise refused(1, N_("a ledger is an .xlsx, .xlsm, .csv or .txt file; this file's name has no extension"))
    raise refused(1, N_("a ledger is an .xlsx, .xlsm, .csv or .txt file, not %(extension)s"), extension=suffix)


def _megabytes(size: int) -> str:
    """A size in MB, one decimal."""
    return f"{size / MB:.1f}"


def _gathered(rows: Iterable[Row]) -> list[Row]:
    """Every row up to the last non-blank one, gaps filled with blank rows; refused as soon as a limit is crossed."""
    sheet: list[Row] = []
    last = 0
    for number, cells in rows:
        if number > MAX_ROWS:
            raise refused(number, N_("the sheet goes on past row %(limit)s; a ledger may have at most %(limit)s rows "
                                     "(delete what is below the ledger)"), limit=MAX_ROWS)
        filled = _checked(number, _trimmed(cells))
        if filled:
            sheet.extend((blank, []) for blank in range(last + 1, number))
            sheet.append((number, filled))
            last = number
    return sheet


def _trimmed(cells: list[str]) -> list[str]:
    """The cells without the empty ones at the end."""
    end = len(cells)
    while end and not cells[end - 1]:
        end -= 1
    return cells[:end]


def _checked(number: int, cells: list[str]) -> list[str]:
    """The cells of a row, refused when a value lies beyond MAX_COLUMNS or a cell is longer than MAX_CELL."""
    if len(cells) > MAX_COLUMNS:
        raise refused(number, N_("a value beyond column %(limit)s; a ledger may have at most %(limit)s columns"),
                      column=_column_name(len(cells)), limit=MAX_COLUMNS)
    for position, cell in enumerate(cells, start=1):
        if len(cell) > MAX_CELL:
            raise refused(number, TOO_LONG, column=_column_name(position), limit=MAX_CELL)
    return cells


def _column_name(position: int) -> str:
    """A column as a spreadsheet names it (A, B, …, AA); its number past the last one a spreadsheet names."""
    try:
        return get_column_letter(position)
    except ValueError:
        return str(position)


def _detail(error: Exception) -> str:
    """What a library said went wrong, short: for whoever looks into a refused file."""
    return f"{type(error).__name__}: {error}"[:DETAIL]


# CSV


def _csv_rows(data: bytes) -> Iterator[Row]:
    """Rows of CSV bytes numbered by record; a quote left open, a NUL byte or undecodable text is refused at its row."""
    text = _decoded(data)
    if "\0" in text:
        raise refused(_record_at(text[:text.index("\0")]), N_("not a text file (a NUL byte)"))
    # Strict: a quote left open is an error, where Python 3.11 would otherwise swallow the rest of the file into a cell.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            yield number, [cell.strip() for cell in cells]
    except csv.Error as error:
        raise _csv_refusal(number + 1, error) from None


def _decoded(data: bytes) -> str:
    """The text of UTF-8 bytes (with or without a BOM), else of GBK/GB18030 ones; refused at the row of a bad byte."""
    body = data.removeprefix(codecs.BOM_UTF8)
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        encoding = "gb18030" if _gbk_like(data) else "utf-8"
    try:
        return body.decode(encoding)
    except UnicodeDecodeError as error:
        prefix = body[:error.start].decode(encoding)
        raise refused(_record_at(prefix), N_("not UTF-8 or GBK text; save the file as CSV UTF-8")) from None


def _gbk_like(data: bytes) -> bool:
    """Whether bytes that are not UTF-8 may be GBK: no BOM, and no more well-formed UTF-8 characters beyond ASCII than
    broken sequences. (GB18030 decodes nearly any bytes: UTF-8 damaged in one place would come out as other text.)"""
    if data.startswith(codecs.BOM_UTF8):
        return False
    text = data.decode("utf-8", errors="replace")
    broken = text.count("\ufffd")
    beyond_ascii = len(text) - len(text.encode("ascii", errors="ignore"))
    return beyond_ascii - broken <= broken


def _record_at(prefix: str) -> int:
    """The record (spreadsheet row) a CSV text's position is in, given the text before it."""
    reader = csv.reader(io.StringIO(prefix + "x", newline=""))
    count = 0
    try:
        for _cells in reader:
            count += 1
    except csv.Error:
        return count + 1
    return count


def _csv_refusal(number: int, error: csv.Error) -> LedgerError:
    """Why the CSV reader stopped at a row (the row where the record it was reading starts)."""
    if str(error).startswith(CSV_FIELD_LIMIT):
        return refused(number, TOO_LONG, limit=MAX_CELL)
    return refused(number, N_("a quote in this row is left open or misplaced (%(detail)s); a cell holding a quote must "
                              "be quoted and its quotes doubled"), detail=str(error))


# .xlsx


def _xlsx_rows(data: bytes, merged: list[tuple[int, int, int]]) -> Iterator[Row]:
    """Rows of the first worksheet of an .xlsx or .xlsm workbook (its merged ranges added to `merged` once read); a
    damaged one is refused where it breaks."""
    _check_unpacked(data)
    reader = _opened(data)
    try:
        yield from _readable_rows(reader, merged)
    finally:
        reader.archive.close()


def _check_unpacked(data: bytes) -> None:
    """Refuse a workbook that is no zip file, or whose parts unpack past MAX_UNPACKED (zip bombs). zipfile holds each
    part to its stated size (a part that inflates further fails its check), so the stated sizes can be trusted."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            sizes = {item.filename: item.file_size for item in archive.infolist()}
    except Exception as error:  # zipfile raises many kinds on hostile bytes; all mean unreadable
        raise _unreadable(error) from None
    if sum(sizes.values()) > MAX_UNPACKED:
        raise refused(1, N_("the workbook unpacks to %(size)s MB; a ledger may unpack to at most %(limit)s MB"),
                      size=_megabytes(sum(sizes.values())), limit=MAX_UNPACKED // MB)
    # The shared strings are read whole before the first row: a table far larger than any ledger's is refused first.
    strings = max((size for name, size in sizes.items() if name.lower().endswith("sharedstrings.xml")), default=0)
    if strings > MAX_STRINGS:
        raise refused(1, N_("the workbook's table of texts unpacks to %(size)s MB; a ledger's takes at most %(limit)s "
                            "MB"), size=_megabytes(strings), limit=MAX_STRINGS // MB)


def _unreadable(error: Exception) -> LedgerError:
    """A workbook refused before its first row."""
    return refused(1, N_("not a readable .xlsx workbook (%(detail)s); it may be damaged or protected by a password: "
                         "open it in Excel or WPS and save it again"), detail=_detail(error))


def _opened(data: bytes) -> ExcelReader:
    """The workbook's parts a sheet's cells need (shared strings, styles for dates, the sheet list); no sheet is read.

    Not load_workbook: in read-only mode it parses in full, on opening, every sheet that lacks a size tag.
    """
    try:
        reader = ExcelReader(io.BytesIO(data), read_only=True, keep_links=False)
        reader.read_manifest()
        reader.read_strings()
        reader.read_workbook()
        apply_stylesheet(reader.archive, reader.wb)
    except Exception as error:  # openpyxl raises many kinds on damaged parts; all mean unreadable
        raise _unreadable(error) from None
    return reader


def _readable_rows(reader: ExcelReader, merged: list) -> Iterator[Row]:
    """The first worksheet's rows; any failure of the workbook's parts is refused at the row after the last one read."""
    number = 0
    try:
        for number, cells in _sheet_rows(reader, merged):
            yield number, cells
    except LedgerError:
        raise
    except Exception as error:  # damaged XML, a missing part, a bad index: all stop reading here
        raise refused(number + 1, READ_NO_FURTHER, detail=_detail(error)) from None


def _sheet_rows(reader: ExcelReader, merged: list) -> Iterator[Row]:
    """Rows of the first worksheet in the order its XML holds them, which must be the sheet's order.

    Read from the XML directly rather than through openpyxl's read-only sheet, whose iterator trusts the sheet's size
    tag (a tag understating the rows ends the sheet early), silently drops rows that come out of order, pads each row
    to its widest cell, and turns a date past 9999 into "#VALUE!" with only a warning.
    """
    with reader.archive.open(_first_worksheet(reader)) as part:
        source = _Metered(part)
        for number, cells in _SheetXml(_SharedStrings(reader.shared_strings), merged).parse(source):
            if number < source.next_row:
                raise ValueError(f"row {number} after row {source.next_row - 1}")
            yield number, _row_texts(number, cells, reader.wb)
            source.row_read(number)


class _SheetXml:
    """A worksheet's rows from its XML as it streams in, each cell as openpyxl's sheet parser gives it ({row,
    column, value, data_type, style_id}; dates left to _row_texts). Parsed with expat handlers rather than element
    trees: four times faster on a 100,000-row ledger. A DOCTYPE (the way to entity bombs) is refused."""

    def __init__(self, shared_strings: list, merged: list):
        self.strings, self.merged, self.formulae = shared_strings, merged, {}
        self.parser = expat.ParserCreate(namespace_separator="}")
        self.parser.StartDoctypeDeclHandler = self._doctype
        self.parser.StartElementHandler, self.parser.EndElementHandler = self._start, self._end
        self.parser.CharacterDataHandler = self._characters
        self.done, self.cells, self.cell, self.text = [], None, None, None
        self.row, self.column, self.phonetic = 0, 0, 0

    def parse(self, source) -> Iterator[tuple[int, list[dict]]]:
        """The rows, a few at a time as the XML is read."""
        while chunk := source.read(SHEET_CHUNK):
            yield from self._fed(chunk, False)
        yield from self._fed(b"", True)

    def _fed(self, chunk: bytes, last: bool) -> Iterator[tuple[int, list[dict]]]:
        """The rows that a piece of XML ends; those it ended before breaking come first, then the error."""
        try:
            self.parser.Parse(chunk, last)
        except Exception:
            yield from self._taken()
            raise
        yield from self._taken()

    def _taken(self) -> list:
        """The rows ended since last asked."""
        done, self.done = self.done, []
        return done

    @staticmethod
    def _doctype(*_args) -> None:
        raise ValueError("a DOCTYPE in the sheet")

    def _start(self, name: str, attributes: dict) -> None:
        tag = name.rpartition("}")[2]
        if tag == "row":
            self.row, self.column, self.cells = int(attributes.get("r") or self.row + 1), 0, []
        elif tag == "c" and self.cells is not None:
            self._start_cell(attributes)
        elif tag == "mergeCell" and len(self.merged) < MAX_MERGED:
            self.merged.append(_merged_range(attributes.get("ref", "")))
        elif self.cell is not None:
            self._start_in_cell(tag, attributes)

    def _start_cell(self, attributes: dict) -> None:
        """A cell's place (from its reference, else the next column) and kind."""
        reference = attributes.get("r")
        row, self.column = coordinate_to_tuple(reference) if reference else (self.row, self.column + 1)
        self.cell = {"row": row, "column": self.column, "type": attributes.get("t", "n"),
                     "style_id": int(attributes.get("s") or 0), "v": None, "f": None, "inline": None}

    def _start_in_cell(self, tag: str, attributes: dict) -> None:
        """Start gathering a value, a formula (with its kind) or an inline string's text."""
        if tag == "rPh":
            self.phonetic += 1
        elif tag in ("v", "f") or tag == "t" and self.cell["inline"] is not None and not self.phonetic:
            self.text = []
            if tag == "f":
                self.cell["formula"] = attributes
        elif tag == "is":
            self.cell["inline"] = []

    def _characters(self, data: str) -> None:
        if self.text is not None:
            self.text.append(data)

    def _end(self, name: str) -> None:
        tag = name.rpartition("}")[2]
        if tag == "row" and self.cells is not None:
            self.done.append((self.row, self.cells))
            self.cells = None
        elif tag == "c" and self.cell is not None:
            self.cells.append(self._value(self.cell))
            self.cell = None
        elif tag == "rPh" and self.cell is not None:
            self.phonetic -= 1
        elif self.text is not None and tag in ("v", "f", "t"):
            text, self.text = "".join(self.text), None
            if tag == "t":
                self.cell["inline"].append(text)
            else:
                self.cell[tag] = text

    def _value(self, cell: dict) -> dict:
        """A cell as openpyxl's parser gives it (without reading dates: _row_texts does)."""
        kind, raw = cell["type"], cell["v"] or None
        if cell["f"] is not None:
            kind, value = "f", self._formula(cell)
        elif kind == "inlineStr":
            kind, value = ("s", "".join(cell["inline"])) if cell["inline"] is not None else (kind, None)
        elif raw is None:
            value = None
        else:
            kind, value = CELL_VALUES[kind](self, raw) if kind in CELL_VALUES else (kind, raw)
        return {"row": cell["row"], "column": cell["column"], "value": value, "data_type": kind,
                "style_id": cell["style_id"]}

    def _formula(self, cell: dict):
        """A formula's text (never evaluated); a shared one's dependents translated as openpyxl does."""
        attributes, text = cell["formula"], "=" + cell["f"]
        if attributes.get("t") == "array":
            return ArrayFormula(ref=attributes.get("ref"), text=text)
        if attributes.get("t") != "shared":
            return text
        coordinate = f"{get_column_letter(cell['column'])}{cell['row']}"
        group = attributes.get("si")
        if group in self.formulae:
            return self.formulae[group].translate_formula(coordinate)
        if text != "=":
            self.formulae[group] = Translator(text, coordinate)
        return text

    def _shared(self, raw: str) -> tuple[str, object]:
        return "s", self.strings[int(raw)]


CELL_VALUES = {
    "n": lambda _sheet, raw: ("n", _cast_number(raw)),
    "s": _SheetXml._shared,
    "b": lambda _sheet, raw: ("b", bool(int(raw))),
    "str": lambda _sheet, raw: ("s", raw),
    "d": lambda _sheet, raw: ("d", from_ISO8601(raw)),
}


class _Metered:
    """A sheet's XML as the parser reads it, refused past MAX_ROW_XML bytes since the last row: one row of millions of
    empty cells, a few kB zipped, would otherwise take gigabytes while the parser holds it."""

    def __init__(self, part):
        self.part, self.next_row, self.unread = part, 1, MAX_ROW_XML

    def read(self, size: int = -1) -> bytes:
        """The next bytes of the sheet's XML."""
        data = self.part.read(size)
        self.unread -= len(data)
        if self.unread < 0:
            raise refused(self.next_row, N_("this row takes more than %(limit)s MB inside the file; a ledger row is "
                                            "far smaller"), limit=MAX_ROW_XML // MB)
        return data

    def row_read(self, number: int) -> None:
        """Start counting again after a row."""
        self.next_row, self.unread = number + 1, MAX_ROW_XML


class _SharedStrings(list):
    """The shared-strings table, where an index below zero is damage, not a count from the end."""

    def __getitem__(self, index):
        if index < 0:
            raise IndexError(f"shared string {index}")
        return super().__getitem__(index)


def _first_worksheet(reader: ExcelReader) -> str:
    """The path in the archive of the workbook's first worksheet (chart sheets skipped)."""
    for _sheet, relation in reader.parser.find_sheets():
        if relation.Type.endswith(WORKSHEET):
            return relation.target
    raise ValueError("no worksheet")


def _row_texts(number: int, cells: list[dict], workbook) -> list[str]:
    """The texts of a row's cells, by column, up to its last non-empty one; cells must lie in their row, left to right.
    (Empty cells are not padded out: a styled empty cell far right in every row would cost time, not tell anything.)"""
    texts: dict[int, str] = {}
    column = 0
    for cell in cells:
        if cell["row"] != number or cell["column"] <= column:
            raise ValueError(f"cell {cell['row']},{cell['column']} in row {number}")
        column = cell["column"]
        text = _cell_text(_dated(number, cell, workbook))
        if text:
            texts[column] = text
    return [texts.get(position, "") for position in range(1, max(texts, default=0) + 1)]


def _dated(number: int, cell: dict, workbook):
    """A cell's value, as a date, time or duration when its number format says so; a date Python cannot hold (past
    9999-12-31) is refused at its cell."""
    if cell["data_type"] != "n" or cell["value"] is None or cell["style_id"] not in workbook._date_formats:
        return cell["value"]
    try:
        return from_excel(cell["value"], workbook.epoch, timedelta=cell["style_id"] in workbook._timedelta_formats)
    except (OverflowError, ValueError):
        raise refused(number, N_("a date a spreadsheet cannot hold (serial number %(serial)s)"),
                      column=_column_name(cell["column"]), serial=cell["value"]) from None


def _cell_text(value) -> str:
    """A cell's value as the text a CSV would hold: dates as YYYY-MM-DD (with HH:MM unless midnight), whole numbers
    without ".0", TRUE/FALSE as a spreadsheet shows them, a formula as its text (never evaluated)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        midnight = value.time() == dt.time()
        return value.date().isoformat() if midnight else value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, dt.time):
        return value.isoformat(timespec="minutes")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, ArrayFormula):
        return str(value.text).strip()
    if isinstance(value, DataTableFormula):
        return f"=TABLE({value.r1 or ''},{value.r2 or ''})"
    return str(value).strip()
