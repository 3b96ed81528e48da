"""Figures for leaders: an area's counts by child area and by building and its "needs attention" lists, as a workbook
of tables (.xlsx, one sheet each) or one CSV, from the queries of the area page; personal data per role."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import openpyxl
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from sqlalchemy import Connection, select

from data import queries, summary
from data.access import area_for, authorize, redact_unit
from data.accounts import Account, log_personal_views
from data.days import DEFAULT_TIMEZONE, local_day
from data.i18n import N_, Text, in_language
from data.ledger_columns import escape_cell
from data.ledger_export import NoArea
from data.models import Unit
from data.vocabulary import AREA_KINDS

DEFAULT_WAIT_DAYS = 7
FORMATS = ("xlsx", "csv")
TITLE = N_("%(area)s: %(table)s (%(time)s)")
FILE_NAME = N_("%(area)s figures %(day)s")
UNSAFE_IN_SHEET_NAMES = re.compile(r"[\[\]:*?/\\]")
UNSAFE_IN_FILE_NAMES = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')
MAX_SHEET_NAME = 31
MIN_WIDTH, MAX_WIDTH = 8, 40
# The personal fields a needs-attention row shows after its unit's place, status and day.
PERSONAL = ("occupant_name", "contact_phone")
UNIT_HEADER = (N_("Building"), N_("Unit"), N_("Status"))
PERSONAL_HEADER = (N_("Occupant"), N_("Phone"))


@dataclass(frozen=True)
class Table:
    """One table of the figures: a sheet's name, its title row, header and rows (messages are Text, to translate)."""

    name: Text
    title: Text
    header: list
    rows: list[list]


def figures(conn: Connection, actor: Account | None, area_id: int | None, language: str,
            timezone: str = DEFAULT_TIMEZONE, days: int = DEFAULT_WAIT_DAYS,
            now: dt.datetime | None = None) -> list[Table]:
    """An area's tables: child areas with their figures and the area's total, buildings, then the needs-attention lists
    (unverified for more than `days` days); data labels in a language (zh_CN or en), messages as Text. NoArea for an
    area the actor may not see. Names and phones are redacted for roles without view_personal; for the others the
    listed units are logged as viewed (so `conn` must be able to write)."""
    found = area_for(conn, actor, area_id)
    if found is None:
        raise NoArea(area_id)
    moment = (now or dt.datetime.now(dt.UTC)).astimezone(ZoneInfo(timezone))
    statuses = queries.statuses(conn)
    title = _titler(_full_name(conn, found, language), moment.strftime("%Y-%m-%d %H:%M"))
    attention = queries.area_exceptions(conn, found["path"], moment.date(), days, timezone)
    people = _people(conn, actor, found["path"], attention)
    return [
        _areas_table(conn, found, statuses, language, title),
        _buildings_table(conn, found, statuses, language, title),
        *_attention_tables(attention, people, statuses, language, days, timezone, title),
    ]


def _titler(area_name: str, time: str) -> Callable[[Text], Text]:
    """What titles a table: the area's full name, the table's heading and the time of the figures."""
    return lambda heading: Text(TITLE, area=area_name, table=heading, time=time)


def _full_name(conn: Connection, found: dict, language: str) -> str:
    """The area's name with those of the areas above it (北京市石景山区鲁谷街道; Beijing / Shijingshan / Lugu)."""
    names = [area["name"] for area in queries.area_trail(conn, found["id"])]
    return ("" if language.startswith("zh") else " / ").join(names)


def _areas_table(conn: Connection, found: dict, statuses: list[dict], language: str,
                 title: Callable[[Text], Text]) -> Table:
    """Each child area with its counts by status and people, then the area's own figures as the total."""
    children = queries.child_areas(conn, found["id"])
    rollups = queries.area_rollups(conn, [found["id"], *(child["id"] for child in children)])
    dated = [status for status in statuses if status["requires_dates"]]
    header = [*_texts(N_("Area"), N_("Kind")), *(in_language(s, language) for s in statuses),
              *_texts(N_("Total"), N_("Households"), N_("Firms"), N_("Residents"), N_("Staff")),
              *(Text(N_("Residents in %(status)s"), status=in_language(s, language).lower()) for s in dated)]
    total = Text(N_("%(area)s (total)"), area=found["name"])
    rows = [_area_row(child["name"], child["kind"], rollups[child["id"]], statuses, language) for child in children]
    rows.append(_area_row(total, found["kind"], rollups[found["id"]], statuses, language))
    return Table(Text(N_("Figures")), title(Text(N_("By area"))), header, rows)


def _area_row(name: str, kind: str, rollup: list[dict], statuses: list[dict], language: str) -> list:
    """An area's row: name, kind, units by status, their total, households, firms, residents, staff, and residents
    in each dated status."""
    kpis = summary.kpis(rollup, statuses)
    return [name, _kind_label(kind, language), *_counts(kpis["by_status"], statuses), kpis["households"],
            kpis["firms"], kpis["people"]["residents"], kpis["people"]["staff"], *kpis["residents"].values()]


def _texts(*messages: str) -> list[Text]:
    """Catalog messages to translate when written."""
    return [Text(message) for message in messages]


def _kind_label(kind: str, language: str) -> str:
    """An area kind in a language (an unknown one as stored)."""
    return in_language(AREA_KINDS.get(kind, kind), language)


def _counts(by_status: dict[str, int], statuses: list[dict]) -> list[int]:
    """Units in each status in catalogue order, then their total."""
    return [*(by_status.get(s["code"], 0) for s in statuses), sum(by_status.values())]


def _buildings_table(conn: Connection, found: dict, statuses: list[dict], language: str,
                     title: Callable[[Text], Text]) -> Table:
    """Every building of the area's subtree (no limit, unlike the page) with its counts by status."""
    buildings = queries.building_list(conn, limit=None, scope=(found["path"],))
    counts = queries.status_counts(conn, [building["id"] for building in buildings])
    header = [*_texts(N_("Building"), N_("Workstation")), *(in_language(s, language) for s in statuses),
              Text(N_("Total"))]
    rows = [[b["name"], b["area_name"], *_counts(counts[b["id"]], statuses)] for b in buildings]
    return Table(Text(N_("Buildings")), title(Text(N_("Buildings"))), header, rows)


def _people(conn: Connection, actor: Account | None, path: str, attention: dict) -> dict[int, dict]:
    """Names and phones of the listed units, redacted unless the actor may see them, in which case the units are
    logged as viewed."""
    unit_ids = sorted({unit["id"] for key in ("unverified", "ending", "mixed") for unit in attention[key]})
    rows = conn.execute(select(Unit.id, *(getattr(Unit, field) for field in PERSONAL)).where(Unit.id.in_(unit_ids)))
    people = {row.id: {field: getattr(row, field) or "" for field in PERSONAL} for row in rows}
    if authorize(actor, "view_personal", {"area_path": path}):
        log_personal_views(conn, actor.id, unit_ids)
        return people
    return {unit_id: redact_unit(person) for unit_id, person in people.items()}


def _attention_tables(attention: dict, people: dict[int, dict], statuses: list[dict], language: str, days: int,
                      timezone: str, title: Callable[[Text], Text]) -> list[Table]:
    """The area page's four needs-attention lists, one table each."""
    labels = {s["code"]: in_language(s, language) for s in statuses}
    unverified = Text(N_("Unverified for more than a day")) if days == 1 else Text(
        N_("Unverified for more than %(days)s days"), days=days)
    since = [(unit, local_day(unit["status_since"], timezone)) for unit in attention["unverified"]]
    ending = [(unit, unit["quarantine_end"]) for unit in attention["ending"]]
    mixed = [(unit, unit["quarantine_end"]) for unit in attention["mixed"]]
    busiest = [[building["name"], int(building["units"])] for building in attention["buildings"]]
    return [
        _unit_table(Text(N_("Unverified")), title(unverified), Text(N_("Since")), since, people, labels),
        _unit_table(Text(N_("Quarantine ending")), title(Text(N_("Home quarantine ending today or tomorrow"))),
                    Text(N_("Ends")), ending, people, labels),
        Table(Text(N_("Most in quarantine")), title(Text(N_("Most units in home quarantine"))),
              _texts(N_("Building"), N_("Units in home quarantine")), busiest),
        _unit_table(Text(N_("Firm-and-home")), title(Text(N_("Firm-and-home units in home quarantine"))),
                    Text(N_("Ends")), mixed, people, labels),
    ]


def _unit_table(name: Text, title: Text, day_header: Text, units: list[tuple[dict, dt.date]],
                people: dict[int, dict], labels: dict[str, str]) -> Table:
    """A list of units: building, unit, status, a day, occupant and phone."""
    rows = [[unit["building_name"], unit["label"], labels.get(unit["status"], unit["status"]), day,
             *(people[unit["id"]][field] for field in PERSONAL)] for unit, day in units]
    return Table(name, title, [*_texts(*UNIT_HEADER), day_header, *_texts(*PERSONAL_HEADER)], rows)


def translated_tables(tables: list[Table], gettext: Callable[[str], str] = str) -> list[Table]:
    """The tables with every message translated by a gettext (the catalog's; str keeps the English)."""
    return [Table(_shown(t.name, gettext), _shown(t.title, gettext), [_shown(cell, gettext) for cell in t.header],
                  [[_shown(cell, gettext) for cell in row] for row in t.rows]) for t in tables]


def _shown(cell, gettext: Callable[[str], str]):
    """A cell with its message translated, and the messages among its values; data as it is."""
    if not isinstance(cell, Text):
        return cell
    template = gettext(cell.template)
    return template % {name: _shown(value, gettext) for name, value in cell.values.items()} if cell.values else template


def file_name(area_name: str, day: dt.date, extension: str, gettext: Callable[[str], str] = str) -> str:
    """The name the figures are saved under: the area's name, the word for figures and the day, safe as a file name."""
    stem = gettext(FILE_NAME) % {"area": area_name, "day": day.isoformat()}
    return f"{UNSAFE_IN_FILE_NAMES.sub('_', stem)}.{extension}"


def written(tables: list[Table], extension: str, gettext: Callable[[str], str] = str) -> bytes:
    """The tables as the bytes of a file of a format (FORMATS), their messages translated by a gettext."""
    shown = translated_tables(tables, gettext)
    return figures_xlsx(shown) if extension == "xlsx" else figures_csv(shown)


def figures_xlsx(tables: list[Table]) -> bytes:
    """Translated tables as a workbook, one sheet each: a bold title row and header, numbers and dates as such, text
    always a string (never a formula, whatever it starts with)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for number, table in enumerate(tables, start=1):
        _fill_sheet(book.create_sheet(_sheet_name(table.name, number)), table)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _fill_sheet(sheet, table: Table) -> None:
    """One table on a sheet, its header kept in view."""
    bold = Font(bold=True)
    for values in ([table.title], table.header, *table.rows):
        sheet.append([_xlsx_value(value) for value in values])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    for cell in (*sheet[1], *sheet[2]):
        cell.font = bold
    sheet.freeze_panes = "A3"
    for index, width in enumerate(_widths(table), start=1):
        sheet.column_dimensions[openpyxl.utils.get_column_letter(index)].width = width


def _xlsx_value(value):
    """A value as a workbook cell holds it: characters XML cannot hold dropped from text."""
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def _widths(table: Table) -> list[int]:
    """Column widths from the header and rows (a Chinese character takes two widths)."""
    columns = zip(*(map(str, row) for row in (table.header, *table.rows)), strict=True)
    return [min(max(max(map(_shown_width, column)) + 2, MIN_WIDTH), MAX_WIDTH) for column in columns]


def _shown_width(text: str) -> int:
    """How many character widths a text takes on screen (a Chinese character takes two)."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _sheet_name(name: str, number: int) -> str:
    """A name Excel accepts for a sheet: no []:*?/\\, at most 31 characters, never empty."""
    return UNSAFE_IN_SHEET_NAMES.sub("_", name)[:MAX_SHEET_NAME] or str(number)


def figures_csv(tables: list[Table]) -> bytes:
    """Translated tables as one CSV in UTF-8 with a BOM: each table's title row, header and rows, a blank line between
    tables; text that would start a formula escaped."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for number, table in enumerate(tables):
        rows = ([], [table.title], table.header, *table.rows) if number else ([table.title], table.header, *table.rows)
        writer.writerows([_csv_value(value) for value in row] for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _csv_value(value):
    """A cell as CSV holds it: text escaped against formulas, a day in ISO form, a number as it is."""
    if isinstance(value, dt.date):
        return value.isoformat()
    return escape_cell(value) if isinstance(value, str) else value

