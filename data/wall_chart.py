"""The wall chart (楼盘图) of a building as an .xlsx workbook, and an area's workbook of charts with a sheet of figures.

A chart shows unit labels and statuses only: no occupant names or phone numbers, so no personal data leaves and
nothing is written to the access log.
"""
from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins
from sqlalchemy import Connection

from data import queries
from data.access import area_for, building_for
from data.accounts import Account
from data.colours import ink, safe_colour
from data.i18n import N_, Text, in_language
from data.ledger_export import UNSAFE_IN_FILE_NAMES, NoArea
from data.vocabulary import MIXED_USE, Term

TITLE = Term("title", "%(building)s wall chart", "%(building)s 楼盘图")
NOW = Term("now", "as of %(time)s", "截至 %(time)s")
PAST = Term("past", "as it was at the end of %(day)s", "截至 %(day)s 日终")
FLOOR = Term("floor", "Floor", "楼层")
LEGEND = Term("legend", "Legend", "图例")
TOTAL = Term("total", "Total", "合计")
MIXED_NOTE = Term("mixed", "Bold underlined label: firm and home", "粗体加下划线：企住一体")
FIGURES = Term("figures", "Figures", "统计")
FIGURES_TITLE = Term("figures_title", "%(area)s: units by status", "%(area)s 各楼宇状态统计")
BUILDING = Term("building", "Building", "楼宇")
AREA = Term("area", "Area", "所属区域")
CHART_FILE = Term("chart_file", "%(name)s wall chart %(day)s", "%(name)s楼盘图-%(day)s")
AREA_FILE = Term("area_file", "%(name)s wall charts %(day)s", "%(name)s楼盘图-%(day)s")
NO_BUILDING = N_("There is no building %(number)s that you may see.")
TOO_MANY = N_("%(area)s has more than %(limit)s buildings, the most one workbook of wall charts holds: choose a "
              "smaller area.")
# Enough for a sub-district's buildings; a district's would be a workbook nobody prints whole.
MAX_CHARTS = 200
# The rows above the floors: title, area and time, entrance names (printed on every page).
TITLE_ROW, SUBTITLE_ROW, HEADER_ROW, FIRST_FLOOR_ROW = 1, 2, 3, 4
FLOOR_COLUMN = 1
A3 = 8
HATCHES = {"hatched": "lightUp", "dotted": "gray125"}
PATTERN_INK = "FF757575"
SHEET_NAME_UNSAFE = re.compile(r"[\[\]:*?/\\]")
MAX_SHEET_NAME = 31
CENTRED = Alignment(horizontal="center", vertical="center")
BOLD, TITLE_FONT = Font(bold=True), Font(bold=True, size=16)
GAP_WIDTH = 1.5
MARGINS = PageMargins(left=0.25, right=0.25, top=0.4, bottom=0.4, header=0.2, footer=0.2)
THIN, THICK = Side(style="thin", color="FFBDBDBD"), Side(style="medium", color="FF616161")


class NoBuilding(LookupError):
    """A building that does not exist or that the user may not see (the same answer for both)."""

    def __init__(self, building_id):
        super().__init__(Text(NO_BUILDING, number=building_id))


class TooManyBuildings(ValueError):
    """An area with more buildings than one workbook of charts holds."""

    def __init__(self, area_name: str):
        super().__init__(Text(TOO_MANY, area=area_name, limit=MAX_CHARTS))


@dataclass(frozen=True)
class Chart:
    """What a chart sheet shows: its two title lines, floor labels top first, entrance heads as (first column, name,
    width), unit cells as (row, column, text, status, mixed use), legend rows as (status, code, label, count), and
    its words (the floor column's head, the legend's title, the total, the note on bold labels)."""

    title: str
    subtitle: str
    floors: list[str]
    heads: list[tuple[int, str, int]]
    cells: list[tuple[int, int, str, dict, bool]]
    legend: list[tuple[dict, str, str, int]]
    words: dict[str, str]


def chart_xlsx(conn: Connection, actor: Account | None, building_id: int | None, language: str, timezone: str,
               as_of: dt.date | None = None, now: dt.datetime | None = None) -> bytes:
    """A building's wall chart in a language (zh_CN or en), today's or as at the end of a local day; NoBuilding for a
    building the actor may not see."""
    found = building_for(conn, actor, building_id)
    if found is None:
        raise NoBuilding(building_id)
    book = Workbook()
    book.active.title = sheet_names([found["name"]])[0]
    shown = Shown(language, timezone, local_time(timezone, now))
    draw(book.active, building_chart(conn, found, queries.statuses(conn), shown, as_of))
    return _saved(book)


def area_workbook(conn: Connection, actor: Account | None, area_id: int | None, language: str, timezone: str,
                  now: dt.datetime | None = None) -> bytes:
    """An area's workbook: a first sheet of figures (each building's units by status), then each building's chart;
    NoArea for an area the actor may not see, TooManyBuildings beyond MAX_CHARTS."""
    found = area_for(conn, actor, area_id)
    if found is None:
        raise NoArea(area_id)
    buildings = queries.building_list(conn, limit=MAX_CHARTS + 1, scope=(found["path"],))
    if len(buildings) > MAX_CHARTS:
        raise TooManyBuildings(found["name"])
    statuses, shown = queries.statuses(conn), Shown(language, timezone, local_time(timezone, now))
    names = sheet_names([in_language(FIGURES, language)] + [b["name"] for b in buildings])
    book = Workbook()
    book.active.title = names[0]
    counts = queries.status_counts(conn, [b["id"] for b in buildings])
    figures_sheet(book.active, area_name(conn, found["id"]), buildings, statuses, counts, shown)
    for building, name in zip(buildings, names[1:], strict=True):
        draw(book.create_sheet(name), building_chart(conn, building, statuses, shown))
    return _saved(book)


def file_name(name: str, language: str, day: dt.date, area: bool = False) -> str:
    """The name a chart (or an area's charts) is saved under, safe as a file name."""
    stem = in_language(AREA_FILE if area else CHART_FILE, language) % {"name": name, "day": day.isoformat()}
    return f"{UNSAFE_IN_FILE_NAMES.sub('_', stem)}.xlsx"


def building_chart(conn: Connection, building: dict, statuses: list[dict], shown: Shown,
                   as_of: dt.date | None = None) -> Chart:
    """What a building's chart shows, today or at the end of a past local day (as the building page's ?as_of=)."""
    entrances, floors = queries.building_layout(conn, building["id"])
    units, counts = _units_then(conn, building["id"], statuses, shown.timezone, as_of)
    moment = (in_language(PAST, shown.language) % {"day": as_of.isoformat()} if as_of
              else in_language(NOW, shown.language) % {"time": shown.time})
    rows, heads, places = layout(entrances, floors, units)
    by_code = {status["code"]: status for status in statuses}
    return Chart(
        title=in_language(TITLE, shown.language) % {"building": building["name"]},
        subtitle=f"{area_name(conn, building['area_id'])} · {moment}", floors=rows, heads=heads,
        cells=[(*places[u["id"]], f"{u['label']} {text_code(by_code[u['status']], shown.language)}",
                by_code[u["status"]], u["use"] == MIXED_USE) for u in units],
        legend=[(s, text_code(s, shown.language), in_language(s, shown.language), count)
                for s, count in legend(statuses, counts)],
        words={key: in_language(term, shown.language) for key, term in
               (("floor", FLOOR), ("legend", LEGEND), ("total", TOTAL), ("mixed", MIXED_NOTE))},
    )


def _units_then(conn: Connection, building_id: int, statuses: list[dict], timezone: str,
                as_of: dt.date | None) -> tuple[list[dict], dict[str, int]]:
    """A building's units and its counts by status: today's, or as they stood at the end of a past local day (units
    not yet recorded then left out)."""
    units = queries.building_units(conn, building_id)
    if as_of is None:
        return units, queries.status_counts(conn, [building_id])[building_id]
    units = queries.units_as_of(units, queries.statuses_as_of(conn, building_id, as_of, timezone))
    return units, {s["code"]: sum(1 for u in units if u["status"] == s["code"]) for s in statuses}


def legend(statuses: list[dict], counts: dict[str, int]) -> list[tuple[dict, int]]:
    """Each status with its count, as the building page's legend lists them (a retired status only while counted)."""
    return [(s, counts.get(s["code"], 0)) for s in statuses if not s.get("retired_at") or counts.get(s["code"])]


def layout(entrances: list[dict], floors: list[dict], units: list[dict]):
    """The grid's own layout (layouts/grid.py): floor labels top first, each entrance's first column, name and width
    (a gap column after each), and each unit's (row, column) on the sheet."""
    levels = sorted({floor["level"] for floor in floors}, reverse=True)
    labels = _level_labels(entrances, floors)
    heads = _entrance_heads(entrances, units)
    starts = {entrance_id: column for entrance_id, (column, _name, _width) in heads.items()}
    row_of_floor = {f["id"]: FIRST_FLOOR_ROW + levels.index(f["level"]) for f in floors}
    places = {u["id"]: (row_of_floor[u["floor_id"]], starts[u["entrance_id"]] + u["position"]) for u in units}
    return [labels[level] for level in levels], list(heads.values()), places


def _level_labels(entrances: list[dict], floors: list[dict]) -> dict[int, str]:
    """The label of each level, as the first entrance that has it names it."""
    order = {entrance["id"]: entrance["position"] for entrance in entrances}
    labels: dict[int, str] = {}
    for floor in sorted(floors, key=lambda f: order[f["entrance_id"]]):
        labels.setdefault(floor["level"], floor["label"])
    return labels


def _entrance_heads(entrances: list[dict], units: list[dict]) -> dict[int, tuple[int, str, int]]:
    """By entrance id: its first column, name and width in unit columns, a gap column between entrances (an entrance
    without units takes no column)."""
    widths = {entrance["id"]: 0 for entrance in entrances}
    for unit in units:
        widths[unit["entrance_id"]] = max(widths[unit["entrance_id"]], unit["position"] + 1)
    heads, column = {}, FLOOR_COLUMN + 1
    for entrance in entrances:
        if widths[entrance["id"]]:
            heads[entrance["id"]] = (column, entrance["name"], widths[entrance["id"]])
            column += widths[entrance["id"]] + 1
    return heads


@dataclass(frozen=True)
class Shown:
    """How a workbook is written: its language (zh_CN or en), time zone and the local time it was made."""

    language: str
    timezone: str
    time: str


def local_time(timezone: str, now: dt.datetime | None = None) -> str:
    """A moment (now by default) on the local clock, to the minute."""
    return (now or dt.datetime.now(dt.UTC)).astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")


def area_name(conn: Connection, area_id: int) -> str:
    """An area's full name, top first (北京市 / 石景山区 / 鲁谷街道)."""
    return " / ".join(area["name"] for area in queries.area_trail(conn, area_id))


def text_code(status: dict, language: str) -> str:
    """A status's short text code in a language (健 or H)."""
    return status["text_code_zh"] if language.startswith("zh") else status["text_code"]


def sheet_names(names: list[str]) -> list[str]:
    """Names a workbook takes for its sheets: without the characters Excel refuses, at most 31 long, unique whatever
    the case (a repeated name gets a number)."""
    taken: set[str] = set()
    unique = []
    for name in names:
        base = SHEET_NAME_UNSAFE.sub("_", ILLEGAL_CHARACTERS_RE.sub("", name)).strip().strip("'") or "_"
        candidate, number = base[:MAX_SHEET_NAME], 1
        while candidate.casefold() in taken:
            number += 1
            suffix = f" ({number})"
            candidate = base[:MAX_SHEET_NAME - len(suffix)] + suffix
        taken.add(candidate.casefold())
        unique.append(candidate)
    return unique


def draw(sheet, chart: Chart) -> None:
    """Write a chart on a sheet: title, entrance heads, floors, unit cells, legend, and how it prints."""
    put(sheet, TITLE_ROW, 1, chart.title).font = TITLE_FONT
    put(sheet, SUBTITLE_ROW, 1, chart.subtitle)
    _heads(sheet, chart)
    styles: dict[tuple[str, bool], tuple] = {}
    for row, column, text, status, mixed in chart.cells:
        cell = put(sheet, row, column, text)
        cell.font, cell.fill, cell.border = styles.get((status["code"], mixed)) or styles.setdefault(
            (status["code"], mixed), status_style(status, mixed))
        cell.alignment = CENTRED
    _legend(sheet, FIRST_FLOOR_ROW + len(chart.floors) + 1, chart)
    _widths(sheet, chart)
    print_setup(sheet, f"{TITLE_ROW}:{HEADER_ROW}")
    sheet.freeze_panes = sheet.cell(FIRST_FLOOR_ROW, FLOOR_COLUMN + 1).coordinate


def _heads(sheet, chart: Chart) -> None:
    """The floor column's head and labels, and each entrance's name over its columns."""
    put(sheet, HEADER_ROW, FLOOR_COLUMN, chart.words["floor"]).font = BOLD
    for row, floor in enumerate(chart.floors, start=FIRST_FLOOR_ROW):
        put(sheet, row, FLOOR_COLUMN, floor).font = BOLD
    for column, name, width in chart.heads:
        head = put(sheet, HEADER_ROW, column, name)
        head.font, head.alignment = BOLD, CENTRED
        if width > 1:
            sheet.merge_cells(start_row=HEADER_ROW, start_column=column, end_row=HEADER_ROW,
                              end_column=column + width - 1)


def status_style(status: dict, mixed: bool = False) -> tuple[Font, PatternFill, Border]:
    """The font, fill and border of a status's cells: its colour, a pattern where the catalogue says (so that the
    chart reads in black and white), ink that contrasts, bold and underlined for firm and home."""
    colour = "FF" + safe_colour(status["color"]).lstrip("#").upper()
    font = Font(color="FF" + ink(status["color"]).lstrip("#"), bold=mixed, underline="single" if mixed else None)
    hatch = HATCHES.get(status["pattern"])
    fill = PatternFill(hatch, fgColor=PATTERN_INK, bgColor=colour) if hatch else PatternFill("solid", fgColor=colour)
    side = THICK if status["pattern"] == "outline" else THIN
    return font, fill, Border(left=side, right=side, top=side, bottom=side)


def fill_colour(fill: PatternFill) -> str:
    """The colour a fill shows under its pattern, as #RRGGBB (what a test or a reader compares with the catalogue)."""
    shown = fill.fgColor if fill.fill_type == "solid" else fill.bgColor
    return "#" + shown.rgb[-6:]


def _legend(sheet, top: int, chart: Chart) -> None:
    """Under the grid: each status's swatch with its code, its count and label; the total; the note on bold labels."""
    put(sheet, top, 1, chart.words["legend"]).font = BOLD
    for row, (status, code, label, count) in enumerate(chart.legend, start=top + 1):
        swatch = put(sheet, row, 1, code)
        swatch.font, swatch.fill, swatch.border = status_style(status)
        swatch.alignment = CENTRED
        sheet.cell(row, 2, count)
        put(sheet, row, 3, label)
    total = top + 1 + len(chart.legend)
    sheet.cell(total, 2, sum(count for *_rest, count in chart.legend)).font = BOLD
    put(sheet, total, 3, chart.words["total"]).font = BOLD
    put(sheet, total + 1, 1, chart.words["mixed"]).font = Font(bold=True, underline="single")


def _widths(sheet, chart: Chart) -> None:
    """Unit columns as wide as their longest text, gap columns narrow, the floor column as wide as its labels."""
    widest = max((shown_width(text) for *_place, text, _status, _mixed in chart.cells), default=4)
    floor = max((shown_width(text) for text in (*chart.floors, chart.words["floor"])), default=4)
    sheet.column_dimensions[get_column_letter(FLOOR_COLUMN)].width = floor + 2
    for column, _name, width in chart.heads:
        for offset in range(width):
            sheet.column_dimensions[get_column_letter(column + offset)].width = widest + 2
        sheet.column_dimensions[get_column_letter(column + width)].width = GAP_WIDTH


def print_setup(sheet, title_rows: str) -> None:
    """Landscape on A3, one page wide, small margins, the title rows on every page."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = A3
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_margins = MARGINS
    sheet.print_options.horizontalCentered = True
    sheet.print_title_rows = title_rows


def figures_sheet(sheet, area: str, buildings: list[dict], statuses: list[dict], counts: dict[int, dict[str, int]],
                  shown: Shown) -> None:
    """An area's first sheet: a title, then one row a building with its units by status in the catalogue's order,
    and the totals."""
    in_area = {code: sum(c.get(code, 0) for c in counts.values()) for code in (s["code"] for s in statuses)}
    columns = [status for status, _count in legend(statuses, in_area)]
    put(sheet, TITLE_ROW, 1, in_language(FIGURES_TITLE, shown.language) % {"area": area}).font = TITLE_FONT
    put(sheet, SUBTITLE_ROW, 1, in_language(NOW, shown.language) % {"time": shown.time})
    _figures_header(sheet, columns, shown.language)
    for row, building in enumerate(buildings, start=HEADER_ROW + 1):
        numbers = [counts[building["id"]].get(status["code"], 0) for status in columns]
        for column, value in enumerate([building["name"], building["area_name"], *numbers, sum(numbers)], start=1):
            put(sheet, row, column, value)
    totals = [in_area[status["code"]] for status in columns]
    for column, value in enumerate([in_language(TOTAL, shown.language), None, *totals, sum(totals)], start=1):
        put(sheet, HEADER_ROW + 1 + len(buildings), column, value).font = BOLD
    sheet.column_dimensions["A"].width = max((shown_width(b["name"]) for b in buildings), default=8) + 2
    sheet.column_dimensions["B"].width = max((shown_width(b["area_name"]) for b in buildings), default=8) + 2
    print_setup(sheet, f"{TITLE_ROW}:{HEADER_ROW}")
    sheet.freeze_panes = sheet.cell(HEADER_ROW + 1, 2).coordinate


def _figures_header(sheet, columns: list[dict], language: str) -> None:
    """The figures' header: building, area, each status (in its colour, with its code) and the total."""
    words = [in_language(BUILDING, language), in_language(AREA, language)]
    for column, word in enumerate(words, start=1):
        put(sheet, HEADER_ROW, column, word).font = BOLD
    for column, status in enumerate(columns, start=3):
        head = put(sheet, HEADER_ROW, column, f"{text_code(status, language)} {in_language(status, language)}")
        head.font, head.fill, head.border = status_style(status)
        head.font = Font(color=head.font.color, bold=True)
        sheet.column_dimensions[get_column_letter(column)].width = shown_width(head.value) + 2
    put(sheet, HEADER_ROW, 3 + len(columns), in_language(TOTAL, language)).font = BOLD


def put(sheet, row: int, column: int, value):
    """Write a value in a cell; text always as text (a name starting with = is never a formula)."""
    cell = sheet.cell(row, column)
    if isinstance(value, str):
        cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.data_type = "s"
    else:
        cell.value = value
    return cell


def shown_width(value) -> int:
    """How many character widths a value takes on screen (a Chinese character takes two)."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in str(value))


def _saved(book: Workbook) -> bytes:
    """A workbook's bytes."""
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
