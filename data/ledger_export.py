"""Ledger (台账) export: an area's units in the layout the import reads (a title row, the header, one row a unit), as
.xlsx or CSV, with personal data only for those who may see it, and each unit whose personal data leaves logged."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, select

from data import queries
from data.access import area_for, authorize, redact_unit
from data.accounts import Account, log_personal_views
from data.days import DEFAULT_TIMEZONE
from data.i18n import N_, Text, in_language
from data.ledger_columns import FIELDS, FORMULA_STARTS, escape_cell
from data.models import Area, Building, Entrance, Floor, Status, Unit, UnitUse
from data.vocabulary import Term

COLUMNS = ("serial", "building", "entrance", "floor", "unit", "use", "occupant_name", "residents", "staff",
           "contact_phone", "status", "quarantine_start", "quarantine_end", "note")
# English ledgers head the serial number "No." (an alias the import reads); every other column by its field name.
ENGLISH_HEADERS = {**{field: field for field in COLUMNS}, "serial": "No."}
TITLE = Term("title", "%(area)s ledger (%(time)s)", "%(area)s台账（%(time)s）")
FILE_NAME = Term("file", "%(area)s ledger %(day)s", "%(area)s台账-%(day)s")
NO_AREA = N_("There is no area %(number)s that you may see.")
FORMATS = ("xlsx", "csv")
UNSAFE_IN_FILE_NAMES = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')
# Characters that XML text cannot hold as they are: markup as entities, a carriage return as a reference (a parser
# turns a bare one into a line feed), and those XML 1.0 cannot hold even as references as Excel writes them, _xHHHH_.
XML_SPECIAL = re.compile(r"[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
XML_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"}
# The first characters of the only texts escape_cell changes (asked for these alone: a CSV has a million cells).
MAY_NEED_ESCAPE = (*FORMULA_STARTS, "'")
XML_ROWS_PER_WRITE = 2_000
WIDTH_SAMPLE = 200
MIN_WIDTH, MAX_WIDTH = 6, 40
BOLD = 1
# A ledger as the writers take it: title rows, the header row, the unit rows.
Ledger = tuple[list[list], list[str], list[list]]
# The fixed parts of an .xlsx package of one sheet, and the sheet's XML around its rows.
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
SHEET_START = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{NS}">'
    '<sheetViews><sheetView workbookViewId="0">'
    '<pane ySplit="{top}" topLeftCell="A{below}" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
    "<cols>{columns}</cols><sheetData>"
)
SHEET_END = "</sheetData></worksheet>"
STATIC_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{CONTENT_TYPE}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{CONTENT_TYPE}.worksheet+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{CONTENT_TYPE}.styles+xml"/></Types>'
    ),
    "_rels/.rels": (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{PACKAGE_RELS}">'
        f'<Relationship Id="rId1" Type="{RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{NS}" xmlns:r="{RELS}">'
        '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{PACKAGE_RELS}">'
        f'<Relationship Id="rId1" Type="{RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{RELS}/styles" Target="styles.xml"/></Relationships>'
    ),
    "xl/styles.xml": (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="{NS}">'
        '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
        '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
    ),
}


class NoArea(LookupError):
    """An area that does not exist or that the user may not see (the same answer for both)."""

    def __init__(self, area_id):
        super().__init__(Text(NO_AREA, number=area_id))


def ledger_rows(conn: Connection, actor: Account | None, area_id: int | None, language: str,
                timezone: str = DEFAULT_TIMEZONE, now: dt.datetime | None = None) -> Ledger:
    """The title rows, header and unit rows of an area's ledger in a language (zh_CN or en); NoArea for an area the
    actor may not see. Personal data is redacted for roles without view_personal; for the others each exported unit
    is logged as a view of it (so `conn` must be able to write)."""
    found = area_for(conn, actor, area_id)
    if found is None:
        raise NoArea(area_id)
    units = _units(conn, found["path"], language)
    personal = authorize(actor, "view_personal", {"area_path": found["path"]})
    if personal:
        log_personal_views(conn, actor.id, [unit["id"] for unit in units])
    shown = units if personal else [redact_unit(unit) for unit in units]
    title = in_language(TITLE, language) % {"area": found["name"], "time": _local_now(timezone, now)}
    return [[title]], header(language), [_row(serial, unit) for serial, unit in enumerate(shown, start=1)]


def header(language: str) -> list[str]:
    """The header row: the canonical Chinese headers, or the English field names."""
    if language.startswith("zh"):
        return [FIELDS[field][0] for field in COLUMNS]
    return [ENGLISH_HEADERS[field] for field in COLUMNS]


def file_name(area_name: str, language: str, day: dt.date, extension: str) -> str:
    """The name a ledger file is saved under: the area's name, the word for ledger and the day, safe as a file name."""
    stem = in_language(FILE_NAME, language) % {"area": area_name, "day": day.isoformat()}
    return f"{UNSAFE_IN_FILE_NAMES.sub('_', stem)}.{extension}"


def _units(conn: Connection, path: str, language: str) -> list[dict]:
    """Every active unit of every building in an area's subtree with the ledger's values, labels in a language,
    in ledger order: building name, entrance, floor from the bottom, unit position."""
    labels = "label_zh" if language.startswith("zh") else "label_en"
    query = (
        select(Unit.id, Building.name.label("building"), Entrance.name.label("entrance"), Floor.label.label("floor"),
               Unit.label.label("unit"), func.coalesce(getattr(UnitUse, labels), Unit.use).label("use"),
               Unit.occupant_name, Unit.residents, Unit.staff, Unit.contact_phone,
               getattr(Status, labels).label("status"), Unit.quarantine_start, Unit.quarantine_end, Unit.note)
        .join(Building, Building.id == Unit.building_id).join(Area, Area.id == Building.area_id)
        .join(Entrance, Entrance.id == Unit.entrance_id).join(Floor, Floor.id == Unit.floor_id)
        .join(Status, Status.code == Unit.status).outerjoin(UnitUse, UnitUse.code == Unit.use)
        .where(Unit.retired_at.is_(None), queries.in_areas((path,)))
        .order_by(Building.name, Building.id, Entrance.position, Entrance.id, Floor.level, Unit.position, Unit.id)
    )
    return [row._asdict() for row in conn.execute(query)]


def _row(serial: int, unit: dict) -> list:
    """One unit's ledger row: its serial number, then each column's value (dates in ISO form, none as empty)."""
    return [serial, *(_value(unit[field]) for field in COLUMNS[1:])]


def _value(value):
    """A stored value as a ledger cell holds it."""
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, dt.date) else value


def _local_now(timezone: str, now: dt.datetime | None) -> str:
    """The time of the export on the local clock, to the minute."""
    return (now or dt.datetime.now(dt.UTC)).astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")


def written(ledger: Ledger, extension: str) -> bytes:
    """A ledger as the bytes of a file of a format (FORMATS)."""
    return to_xlsx(*ledger) if extension == "xlsx" else to_csv(*ledger)


def to_csv(title_rows: list[list], header: list[str], rows: list[list]) -> bytes:
    """The ledger as CSV in UTF-8 with a BOM (so that Excel reads the Chinese right), every text cell that would start
    a formula escaped."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows([_csv_cell(cell) for cell in row] for row in (*title_rows, header, *rows))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _csv_cell(cell):
    """A text cell escaped against formulas; a number as it is."""
    return escape_cell(cell) if isinstance(cell, str) and cell.startswith(MAY_NEED_ESCAPE) else cell


def to_xlsx(title_rows: list[list], header: list[str], rows: list[list]) -> bytes:
    """The ledger as an .xlsx workbook of one sheet: text cells are inline strings (never formulas), the title spans
    the header's width, the header is bold and stays in view.

    Written as SpreadsheetML directly: openpyxl takes about 11 s for 100,000 units, this about 2 s."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for part, content in STATIC_PARTS.items():
            package.writestr(part, content)
        with package.open("xl/worksheets/sheet1.xml", "w") as sheet:
            for chunk in _sheet_xml(title_rows, header, rows):
                sheet.write(chunk.encode("utf-8"))
    return buffer.getvalue()


def _sheet_xml(title_rows: list[list], header: list[str], rows: list[list]):
    """The worksheet's XML in chunks of rows."""
    letters = [_column_letter(index) for index in range(max([len(header), *map(len, title_rows)]))]
    top = len(title_rows) + 1
    yield SHEET_START.format(top=top, below=top + 1, columns=_columns_xml(header, rows))
    yield "".join(_row_xml(number, row, letters, BOLD) for number, row in enumerate((*title_rows, header), start=1))
    for start in range(0, len(rows), XML_ROWS_PER_WRITE):
        chunk = rows[start:start + XML_ROWS_PER_WRITE]
        yield "".join(_row_xml(number, row, letters) for number, row in enumerate(chunk, start=top + 1 + start))
    merged = "".join(f'<mergeCell ref="A{n}:{letters[len(header) - 1]}{n}"/>' for n in range(1, top))
    yield f'</sheetData><mergeCells count="{top - 1}">{merged}</mergeCells></worksheet>' if merged else SHEET_END


def _row_xml(number: int, row: list, letters: list[str], style: int = 0) -> str:
    """One row's XML; empty cells left out."""
    cells = "".join(_cell_xml(f"{letter}{number}", cell, style) for letter, cell in zip(letters, row, strict=False))
    return f'<row r="{number}">{cells}</row>'


def _cell_xml(reference: str, value, style: int) -> str:
    """One cell: a number as a number, text as an inline string (which a spreadsheet never reads as a formula)."""
    styled = f' s="{style}"' if style else ""
    if isinstance(value, int) and not isinstance(value, bool):
        return f'<c r="{reference}"{styled}><v>{value}</v></c>'
    if not value:
        return ""
    text = _xml_text(_kept(value))
    return f'<c r="{reference}"{styled} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def _kept(text: str) -> str:
    """A text as a workbook cell holds it: as it is, but for a quote guarding a formula start, which the import reads as
    an escape in any file (so it gets one more quote, as in CSV)."""
    return escape_cell(text) if text.startswith("'") else text


def _xml_text(text: str) -> str:
    """Text as XML character data (see XML_SPECIAL)."""
    return XML_SPECIAL.sub(_xml_character, text)


def _xml_character(found: re.Match) -> str:
    """The XML form of one special character."""
    return XML_ENTITIES.get(found[0]) or f"_x{ord(found[0]):04X}_"


def _columns_xml(header: list[str], rows: list[list]) -> str:
    """Column widths from the header and the first rows, so that the sheet opens readable."""
    widths = [max(_shown_width(row[index]) for row in (header, *rows[:WIDTH_SAMPLE])) for index in range(len(header))]
    return "".join(f'<col min="{n}" max="{n}" width="{min(max(width + 2, MIN_WIDTH), MAX_WIDTH)}" customWidth="1"/>'
                   for n, width in enumerate(widths, start=1))


def _shown_width(value) -> int:
    """How many character widths a value takes on screen (a Chinese character takes two)."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in str(value))


def _column_letter(index: int) -> str:
    """A spreadsheet column's letters (0 is A, 26 is AA)."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters
