"""The print view of a building's grid (A3 or A4 landscape) and the pages of an area's booklet, as plain HTML: no
controls, colours printed as shown, and text codes and patterns that read in black and white."""
from __future__ import annotations

from html import escape

from dashboard.i18n import _, label, number, text_code, when
from data.colours import ink, safe_colour
from data.i18n import N_

# Landscape paper, width x height in millimetres, and the margin the page keeps on every side.
PAPERS = {"A3": (420, 297), "A4": (297, 210)}
MARGIN_MM = 8
# What the grid leaves room for: the floor labels' column, the gap between entrances, the space between cells, and the
# height of the title, the entrance names and the legend.
FLOOR_COLUMN_MM, GAP_MM, SPACING_MM, CHROME_MM = 10, 2, 0.4, 52
LARGEST_CELL_MM, LARGEST_FONT_MM = (32.0, 16.0), 6.0
SHOWN_NOW = N_("As of %(time)s")
SHOWN_AS_OF = N_("As it was at the end of %(day)s")
FONTS = '"WenQuanYi Micro Hei", "Noto Sans CJK SC", sans-serif'
STYLE = """
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; font-family: %(fonts)s; color: #000; background: #fff; }
.sheet, .cover { width: var(--page-w); }
.sheet + .sheet, .cover + .sheet { break-before: page; }
.sheet-head { border-bottom: .5mm solid #000; margin-bottom: 2mm; padding-bottom: 1mm; }
.sheet-head h1, .sheet-head p { display: inline-block; margin: 0 8mm 0 0; }
.sheet-head h1 { font-size: 9mm; }
.sheet-head p { font-size: 4.5mm; }
.print-grid { width: var(--grid-w); border-collapse: separate; border-spacing: %(spacing)smm; table-layout: fixed;
  margin: 0 auto; }
col.floor { width: var(--floor-w); }
col.gap { width: var(--gap-w); }
col.unit { width: var(--cell-w); }
th { font-weight: 700; white-space: nowrap; overflow: hidden; padding: 0; }
thead th { font-size: 4mm; height: 6mm; text-align: center; border-bottom: .4mm solid #000; }
th.floor { text-align: right; padding-right: 1mm; }
tbody th.floor { font-size: var(--font); }
.gap { border: 0; }
tbody td { height: var(--cell-h); padding: 0; }
.cell { font-size: var(--font); line-height: 1; text-align: center; white-space: nowrap; overflow: hidden;
  border: .2mm solid rgba(0, 0, 0, .35); }
.swatch { font-weight: 700; }
.cell.mixed u { font-weight: 800; }
.pat-outline { border: .35mm solid #424242 !important; }
.pat-hatched { background-image: repeating-linear-gradient(45deg, rgba(0, 0, 0, .3) 0, rgba(0, 0, 0, .3) .35mm,
  transparent .35mm, transparent 1.4mm); }
.pat-dotted { background-image: radial-gradient(rgba(0, 0, 0, .35) .25mm, transparent .35mm);
  background-size: 1.2mm 1.2mm; }
.legend { margin: 3mm 0 0; padding: 0; list-style: none; font-size: 4.5mm; }
.legend li { display: inline-block; margin: 0 6mm 1.5mm 0; }
.swatch { display: inline-block; min-width: 8mm; margin-right: 1.2mm; padding: .6mm 1mm; text-align: center;
  border: .2mm solid rgba(0, 0, 0, .35); }
.mixed-note u { font-weight: 800; }
.cover .kind { font-size: 6mm; margin: 24mm 0 0; }
.cover h1 { font-size: 12mm; margin: 3mm 0 4mm; }
.cover .when { font-size: 5mm; margin: 0 0 10mm; }
.figures { border-collapse: collapse; font-size: 5.5mm; min-width: 120mm; }
.figures th, .figures td { border-bottom: .3mm solid #9e9e9e; padding: 2mm 6mm 2mm 0; text-align: left; }
.figures td { text-align: right; font-weight: 700; }
/* On screen the sheet fits the window: its widths are shares of the page, its font a share of the window. */
@media screen {
  body { margin: 8mm; }
  .sheet, .cover { width: auto; }
  .cell, tbody th.floor { font-size: var(--font-vw); }
}
"""


def paper_or_none(value: str | None) -> str | None:
    """The paper a print address asks for (A3 when it names none), or None for one not offered."""
    paper = (value or "A3").upper()
    return paper if paper in PAPERS else None


def shown_at(moment, as_of=None) -> str:
    """When the grid shows: now in local time, or the end of a past day."""
    return _(SHOWN_AS_OF, day=when(as_of)) if as_of else _(SHOWN_NOW, time=when(moment))


def print_page(sheet_data: dict, paper: str, lang: str) -> str:
    """The print view of one building: a whole page on A3 or A4."""
    payload = sheet_data["payload"]
    return document(payload["name"], sheet(sheet_data, paper), paper, lang, status_style(payload["statuses"]))


def booklet_page(cover_data: dict, sheets: list[dict], lang: str) -> str:
    """The booklet as one page: the cover, then one building per A3 page."""
    statuses = status_style(sheets[0]["payload"]["statuses"]) if sheets else ""
    return document(cover_data["area"], booklet(cover_data, sheets), "A3", lang, statuses)


def document(title: str, body: str, paper: str, lang: str, extra_style: str = "") -> str:
    """A whole page: its language, its title, the print style for the paper (and any more), and the body."""
    return (f'<!DOCTYPE html><html lang="{escape(lang)}"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f"<style>{page_style(paper)}{extra_style}</style></head><body>{body}</body></html>")


def page_style(paper: str) -> str:
    """The style sheet: the page's size and margin, and the printable width as a variable."""
    width = PAPERS[paper][0] - 2 * MARGIN_MM
    values = {"fonts": FONTS, "spacing": SPACING_MM}
    return (f"@page {{ size: {paper} landscape; margin: {MARGIN_MM}mm; }} :root {{ --page-w: {width}mm; }}"
            + STYLE % values)


def sheet(sheet_data: dict, paper: str) -> str:
    """One building on one page: title, area and time above the grid, the legend below."""
    payload = sheet_data["payload"]
    head = (f'<header class="sheet-head"><h1>{escape(payload["name"])}</h1>'
            f'<p class="area">{escape(sheet_data["area"])}</p>'
            f'<p class="when">{escape(sheet_data["shown"])}</p></header>')
    return (f'<section class="sheet" data-building="{payload["building"]}" style="{sizes(payload, paper)}">'
            f"{head}{grid_table(payload)}{legend(sheet_data['legend'])}</section>")


def sizes(payload: dict, paper: str) -> str:
    """The grid's measures as CSS variables: widths as shares of the page (so that a narrower screen shrinks the grid
    too), heights and the font in millimetres, and on screen the font as a share of the window."""
    width, height, font = cell_size(payload, paper)
    columns, gaps = unit_columns(payload), max(len(shown_entrances(payload)) - 1, 0)
    grid = FLOOR_COLUMN_MM + gaps * GAP_MM + columns * width
    shares = {"grid-w": grid / (PAPERS[paper][0] - 2 * MARGIN_MM), "floor-w": FLOOR_COLUMN_MM / grid,
              "gap-w": GAP_MM / grid, "cell-w": width / grid}
    return "; ".join([f"--{name}: {100 * share:.3f}%" for name, share in shares.items()]
                     + [f"--cell-h: {height:.2f}mm", f"--font: {font:.2f}mm",
                        f"--font-vw: {100 * font / PAPERS[paper][0]:.3f}vw"])


def cell_size(payload: dict, paper: str) -> tuple[float, float, float]:
    """The width, height and font size (mm) of a cell, so that the whole grid fits the printable page."""
    page_width, page_height = (side - 2 * MARGIN_MM for side in PAPERS[paper])
    columns, gaps = unit_columns(payload) or 1, max(len(shown_entrances(payload)) - 1, 0)
    room = page_width - FLOOR_COLUMN_MM - gaps * GAP_MM - (columns + gaps + 2) * SPACING_MM
    width = min(LARGEST_CELL_MM[0], room / columns)
    height = min(LARGEST_CELL_MM[1], (page_height - CHROME_MM) / (len(payload["rows"]) or 1) - SPACING_MM)
    longest = max((len(label) for label in cell_labels(payload)), default=4)
    return width, height, min(height * 0.45, width * 0.85 / (longest * 0.58 + 1.6), LARGEST_FONT_MM)


def unit_columns(payload: dict) -> int:
    """How many unit columns the grid has, all entrances together."""
    return sum(entrance["width"] for entrance in payload["entrances"])


def shown_entrances(payload: dict) -> list[int]:
    """The entrances that have units (by index): each a column group."""
    return [i for i, entrance in enumerate(payload["entrances"]) if entrance["width"]]


def cell_labels(payload: dict) -> list[str]:
    """The label of every cell, in payload order."""
    return [cell["label"] for cell in cells(payload)]


def cells(payload: dict) -> list[dict]:
    """The payload's cells decoded as assets/grid.js decodes them: unit id, row, entrance column, position, label,
    status and use indexes."""
    found, unit, fields = [], payload["base"], payload["cells"]
    for i in range(payload["count"]):
        unit += fields["unit"][i]
        row, column = payload["floors"][fields["floor"][i]]
        position = fields["position"][i]
        found.append({"unit": unit, "row": row, "column": column, "position": position,
                      "label": payload["labels"].get(str(i)) or f"{payload['rows'][row]}{position + 1:02d}",
                      "status": fields["status"][i], "use": fields["use"][i]})
    return found


def grid_table(payload: dict) -> str:
    """The grid in its own layout: floors as rows, top first, entrances as column groups with a gap between."""
    starts, shown = column_starts(payload["entrances"]), shown_entrances(payload)
    matrix = [[None] * unit_columns(payload) for _row in payload["rows"]]
    for cell in cells(payload):
        matrix[cell["row"]][starts[cell["column"]] + cell["position"]] = cell
    entrances = [payload["entrances"][i] for i in shown]
    columns = "".join(('<col class="gap">' if n else "") + '<col class="unit">' * e["width"]
                      for n, e in enumerate(entrances))
    head = "".join(('<th class="gap"></th>' if n else "") + f'<th colspan="{e["width"]}">{escape(e["name"])}</th>'
                   for n, e in enumerate(entrances))
    edges = {starts[i] for i in shown[1:]}
    body = "".join(f'<tr><th class="floor" scope="row">{escape(label)}</th>{row_cells(payload, row, edges)}</tr>'
                   for label, row in zip(payload["rows"], matrix, strict=True))
    return (f'<table class="print-grid"><colgroup><col class="floor">{columns}</colgroup>'
            f'<thead><tr><th class="floor">{escape(_("Floor"))}</th>{head}</tr></thead><tbody>{body}</tbody></table>')


def column_starts(entrances: list[dict]) -> list[int]:
    """The first unit column of each entrance."""
    starts, at = [], 0
    for entrance in entrances:
        starts.append(at)
        at += entrance["width"]
    return starts


def row_cells(payload: dict, row: list, edges: set[int]) -> str:
    """One floor's cells, an empty one where no unit is, a gap before each column group but the first."""
    return "".join(('<td class="gap"></td>' if x in edges else "") + (unit_cell(payload, cell) if cell else "<td></td>")
                   for x, cell in enumerate(row))


def unit_cell(payload: dict, cell: dict) -> str:
    """A unit: its status's class (colour, pattern), its label (underlined for firm and home) and text code; one
    text box per cell, as the booklet's 2,000-cell pages lay out several times faster so."""
    status, mixed = payload["statuses"][cell["status"]], payload["uses"][cell["use"]]["mixed"]
    shown = f"<u>{escape(cell['label'])}</u>" if mixed else escape(cell["label"])
    classes = f"cell s{cell['status']} pat-{escape(status['pattern'])}" + (" mixed" if mixed else "")
    return f'<td class="{classes}" data-unit="{cell["unit"]}">{shown} {escape(status["text"])}</td>'


def status_style(statuses: list[dict]) -> str:
    """Each status's colour and ink as a class by its place in the payload's catalogue (statuses are data: their CSS
    is too, colours checked); one catalogue for every sheet of a page."""
    return "".join(f".s{i} {{ background-color: {status['color']}; color: {status['ink']}; }}"
                   for i, status in enumerate(statuses))


def legend_rows(payload: dict, statuses: list[dict]) -> list[dict]:
    """The legend: each status offered or on a unit of the grid, with its count there."""
    counts = [0] * len(payload["statuses"])
    for index in payload["cells"]["status"]:
        counts[index] += 1
    shown = zip(payload["statuses"], statuses, counts, strict=True)
    return [{**drawn, "count": count} for drawn, status, count in shown if count or not status.get("retired_at")]


def legend(rows: list[dict]) -> str:
    """A swatch, label and count per status, and how firm-and-home units are marked."""
    items = "".join(
        f'<li data-status="{escape(row["code"])}"><span class="swatch pat-{escape(row["pattern"])}" '
        f'style="background-color: {row["color"]}; color: {row["ink"]}">{escape(row["text"])}</span>'
        f'{escape(row["label"])} <b class="count">{escape(number(row["count"]))}</b></li>' for row in rows)
    note = escape(_("Bold underlined label: firm and home"))
    return f'<ul class="legend">{items}<li class="mixed-note"><u>101</u> {note}</li></ul>'


def cover(cover_data: dict) -> str:
    """The booklet's first page: the area's full name, the time, and its figures (units by status with their swatch)."""
    figures = cover_data["figures"]
    rows = [(escape(_("Buildings")), cover_data["buildings"], "buildings"),
            (escape(_("Units")), figures["units"], "units"),
            (escape(_("Households")), figures["households"], "households"),
            (escape(_("Firms")), figures["firms"], "firms")]
    rows += [(swatch(status) + escape(label(status)), figures["by_status"].get(status["code"], 0),
              f"status-{escape(status['code'])}")
             for status in cover_data["statuses"]
             if figures["by_status"].get(status["code"]) or not status.get("retired_at")]
    table = "".join(f'<tr data-figure="{key}"><th>{name}</th><td>{escape(number(value))}</td></tr>'
                    for name, value, key in rows)
    return (f'<section class="cover"><p class="kind">{escape(_("Building status booklet"))}</p>'
            f'<h1>{escape(cover_data["area"])}</h1><p class="when">{escape(cover_data["shown"])}</p>'
            f'<table class="figures">{table}</table></section>')


def swatch(status: dict) -> str:
    """A catalogue status's colour, pattern and text code, as the legend shows it."""
    return (f'<span class="swatch pat-{escape(status["pattern"])}" style="background-color: '
            f'{safe_colour(status["color"])}; color: {ink(status["color"])}">{escape(text_code(status))}</span>')


def booklet(cover_data: dict, sheets: list[dict]) -> str:
    """The booklet's body: the cover, then one building per A3 page."""
    return cover(cover_data) + "".join(sheet(sheet_data, "A3") for sheet_data in sheets)
