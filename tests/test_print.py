"""The print view of a building's grid (A3 and A4 landscape) and an area's PDF booklet, read back as a reader would:
the page's cells, colours and codes against the database, Chromium's print of it, and the booklet's pages through
pypdf (both backends)."""
from __future__ import annotations

import base64
import datetime as dt
import io
import re

import lxml.html
import pypdf
import pytest
from sqlalchemy import text

from dashboard import ids, print_pages
from dashboard.config import local_today
from dashboard.i18n import when
from data import accounts, queries
from layouts import print_view
from layouts.building import print_link
from scripts.dash_client import by_id, open_page
from tests.helpers import BUILDING, as_read, database, start_signed_in
from tests.references import grouped_area_counts

UNITS = text("SELECT u.id, u.label, u.status, u.use FROM units u WHERE u.building_id = :building "
             "AND u.retired_at IS NULL")
# The status of each unit at the end of a day, replayed from the history apart from the app's query.
STATUSES_THEN = text("SELECT c.unit_id, c.status_after FROM unit_changes c WHERE c.building_id = :building "
                     "AND c.changed_at < :before ORDER BY c.changed_at, c.id")
OUT_OF_REACH = text("SELECT b.id FROM buildings b JOIN areas a ON a.id = b.area_id WHERE a.path NOT LIKE '/1/2/3/4/%' "
                    "ORDER BY b.id")
AREA_BUILDINGS = text("SELECT b.id, b.name FROM buildings b JOIN areas a ON a.id = b.area_id "
                      "WHERE a.path LIKE :path ORDER BY a.path, b.name, b.id")
STYLE_RULE = re.compile(r"\.s(\d+) \{ background-color: (#[0-9A-Fa-f]{6}); color: (#[0-9A-Fa-f]{6}); \}")
CONTROLS = "//button | //a | //input | //select | //textarea | //form | //script"


def printed(client, address: str, **headers):
    """A print page as a tree, with its answer."""
    answer = client.get(address, headers=headers)
    assert answer.status_code == 200 and answer.content_type == "text/html; charset=utf-8"
    return lxml.html.fromstring(answer.data), answer.get_data(as_text=True)


def rows(app, query, **values) -> list:
    """The rows of a reference query on the app's database."""
    with database(app).connect() as conn:
        return conn.execute(query, values).all()


def catalogue(app) -> list[dict]:
    """The statuses in the order the payload (and so the page's classes) lists them."""
    with database(app).connect() as conn:
        return queries.statuses(conn)


def status_classes(page: str) -> dict[int, tuple[str, str]]:
    """The colour and ink of each status class of the page's style."""
    return {int(index): (colour, ink) for index, colour, ink in STYLE_RULE.findall(page)}


def cell_status(cell) -> int:
    """The status index of a cell, from its class."""
    return int(next(name[1:] for name in cell.classes if re.fullmatch(r"s\d+", name)))


def test_the_print_view_has_one_cell_per_unit_in_its_status_colour_and_code(app, client_as):
    tree, page = printed(client_as("staff"), f"/building/{BUILDING}/print")
    units = {row.id: row for row in rows(app, UNITS, building=BUILDING)}
    statuses, styles = catalogue(app), status_classes(page)
    cells = tree.xpath("//td[contains(@class, 'cell')]")
    assert sorted(int(cell.get("data-unit")) for cell in cells) == sorted(units)
    for cell in cells:
        unit, index = units[int(cell.get("data-unit"))], cell_status(cell)
        status = statuses[index]
        assert status["code"] == unit.status and styles[index][0] == status["color"]
        assert cell.text_content() == f"{unit.label} {status['text_code_zh']}"
        assert f"pat-{status['pattern']}" in cell.classes
        assert bool(cell.xpath("./u")) == (unit.use == "mixed") == ("mixed" in cell.classes)
    assert any("mixed" in cell.classes for cell in cells) and "u { font-weight: 800; }" in page


def test_the_print_view_names_building_area_and_time_and_has_no_controls(app, client_as):
    tree, _page = printed(client_as("staff"), f"/building/{BUILDING}/print")
    with database(app).connect() as conn:
        building = queries.building(conn, BUILDING)
        trail = queries.area_trail(conn, building["area_id"])
    assert tree.get("lang") == "zh-CN"
    assert tree.xpath("string(//h1)") == building["name"] == tree.xpath("string(//title)")
    assert tree.xpath("string(//*[@class='area'])") == " / ".join(area["name"] for area in trail)
    today = as_read(app, lambda: when(local_today(app.server.config)))
    assert today in tree.xpath("string(//*[@class='when'])")
    assert tree.xpath(CONTROLS) == [] and not tree.xpath("//*[@id]")


def test_the_legend_counts_each_status_of_the_grid(app, client_as):
    tree, _page = printed(client_as("staff"), f"/building/{BUILDING}/print")
    counts: dict[str, int] = {}
    for row in rows(app, UNITS, building=BUILDING):
        counts[row.status] = counts.get(row.status, 0) + 1
    legend = {item.get("data-status"): int(item.xpath("string(.//b[@class='count'])"))
              for item in tree.xpath("//ul[@class='legend']/li[@data-status]")}
    assert legend == {status["code"]: counts.get(status["code"], 0) for status in catalogue(app)}


def test_english_readers_get_latin_codes_and_lang(app, client_as):
    tree, _page = printed(client_as("staff"), f"/building/{BUILDING}/print", **{"Accept-Language": "en"})
    codes = {status["code"]: status["text_code"] for status in catalogue(app)}
    assert tree.get("lang") == "en"
    cell = tree.xpath("//td[contains(@class, 'cell')]")[0]
    assert cell.text_content().endswith(" " + codes[catalogue(app)[cell_status(cell)]["code"]])


@pytest.mark.parametrize(("paper", "size"), [("", "A3"), ("?paper=A3", "A3"), ("?paper=A4", "A4"), ("?paper=a4", "A4")])
def test_the_page_is_set_landscape_on_the_paper_asked(app, client_as, paper, size):
    _tree, page = printed(client_as("staff"), f"/building/{BUILDING}/print{paper}")
    assert f"@page {{ size: {size} landscape; margin: 8mm; }}" in page and "print-color-adjust: exact" in page


def test_a4_letters_are_smaller_than_a3_letters(app, client_as):
    staff = client_as("staff")
    fonts = [float(re.search(r"--font: ([\d.]+)mm", printed(staff, f"/building/{BUILDING}/print?paper={paper}")[1])
                   .group(1)) for paper in ("A3", "A4")]
    assert fonts[0] > fonts[1] > 1


@pytest.mark.parametrize("address", ["?paper=B5", "?paper=%3Cb%3E", "?as_of=yesterday", "?as_of=2999-01-01"])
def test_bad_addresses_get_a_plain_refusal(app, client_as, address):
    answer = client_as("staff").get(f"/building/{BUILDING}/print{address}")
    assert answer.status_code == 400 and b"<b>" not in answer.data.split(b"<body>")[1]


def test_a_past_day_prints_the_grid_as_it_was(app, client_as):
    day = dt.date(2020, 2, 10)
    tree, _page = printed(client_as("staff"), f"/building/{BUILDING}/print?as_of={day.isoformat()}")
    before = dt.datetime(2020, 2, 10, 16)  # the end of 10 February in Beijing, in UTC
    then = dict(rows(app, STATUSES_THEN, building=BUILDING, before=before))
    statuses = catalogue(app)
    shown = {int(cell.get("data-unit")): statuses[cell_status(cell)]["code"]
             for cell in tree.xpath("//td[contains(@class, 'cell')]")}
    active = {row.id for row in rows(app, UNITS, building=BUILDING)}
    assert shown == {unit: status for unit, status in then.items() if unit in active}
    assert as_read(app, lambda: when(day)) in tree.xpath("string(//*[@class='when'])")


def test_buildings_out_of_reach_are_not_found(app, client_as, anonymous):
    staff, elsewhere = client_as("staff"), rows(app, OUT_OF_REACH)[0].id
    for building in (elsewhere, 999999, 0, 99999999999):
        assert staff.get(f"/building/{building}/print").status_code == 404
    assert client_as("admin").get(f"/building/{elsewhere}/print").status_code == 200
    assert anonymous.get(f"/building/{BUILDING}/print").headers["Location"].startswith("/login?next=/building/")


def test_the_building_page_links_to_the_print_view_of_the_day_shown(app, client_as):
    staff = client_as("staff")
    link = by_id(open_page(staff, f"/building/{BUILDING}", "?as_of=2020-02-10"), ids.PRINT_LINK)["props"]
    assert link["href"] == f"/building/{BUILDING}/print?as_of=2020-02-10" and link["target"] == "_blank"
    assert staff.get(link["href"]).status_code == 200
    assert as_read(app, lambda: print_link(7, {})).href == "/building/7/print"


def test_chromium_prints_the_page_on_one_landscape_page(browser, sqlite_app):
    start_signed_in(browser, sqlite_app, "staff")
    browser.driver.get(f"{browser.server_url}/building/{BUILDING}/print")
    browser.wait_for_element("td.cell", timeout=15)
    answer = browser.driver.execute_cdp_cmd(
        "Page.printToPDF", {"landscape": True, "printBackground": True, "preferCSSPageSize": True})
    pdf = pypdf.PdfReader(io.BytesIO(base64.b64decode(answer["data"])))
    with database(sqlite_app).connect() as conn:
        name = queries.building(conn, BUILDING)["name"]
    assert len(pdf.pages) == 1 and name in pdf.pages[0].extract_text()
    width, height = (float(side) * 25.4 / 72 for side in pdf.pages[0].mediabox[2:])
    assert (round(width), round(height)) == (420, 297)


def booklet(client, area_id: int):
    """An area's booklet as pypdf reads it, with the answer."""
    answer = client.get(f"/area/{area_id}/booklet.pdf")
    assert answer.status_code == 200 and answer.content_type == "application/pdf"
    return pypdf.PdfReader(io.BytesIO(answer.data)), answer


def test_the_booklet_has_a_cover_then_one_page_per_building(app, client_as):
    pdf, answer = booklet(client_as("staff"), 4)
    buildings = rows(app, AREA_BUILDINGS, path="/1/2/3/4/%")
    assert len(pdf.pages) == 1 + len(buildings) > 2
    for page, building in zip(pdf.pages[1:], buildings, strict=True):
        assert page.extract_text().startswith(building.name + " ")
    assert answer.headers["Content-Disposition"].startswith('attachment; filename="area-4-booklet.pdf"; filename*=')


def test_the_booklet_cover_shows_the_areas_figures(app, client_as):
    pdf, _answer = booklet(client_as("staff"), 4)
    with database(app).connect() as conn:
        counts = grouped_area_counts(conn)
    statuses = catalogue(app)
    by_status = {s["code"]: sum(n for (a, code, _u), (n, _r, _f) in counts.items() if a == 4 and code == s["code"])
                 for s in statuses}
    homes = [s["code"] for s in statuses if "home" in s["applies_to"] and "firm" not in s["applies_to"]]
    firms = [s["code"] for s in statuses if "firm" in s["applies_to"] and "home" not in s["applies_to"]]
    expected = [len(rows(app, AREA_BUILDINGS, path="/1/2/3/4/%")), sum(by_status.values()),
                sum(by_status[code] for code in homes), sum(by_status[code] for code in firms)]
    expected += [by_status[s["code"]] for s in statuses if by_status[s["code"]] or not s.get("retired_at")]
    cover = pdf.pages[0].extract_text()
    figures = [int(line.replace(",", "")) for line in cover.splitlines() if re.fullmatch(r"[\d,]+", line)]
    assert figures == expected and "鲁谷街道 / 第一楼宇工作站" in cover


@pytest.mark.parametrize("area", [5, 3, 999999, 0, 99999999999])
def test_booklets_of_areas_out_of_reach_are_not_found(app, client_as, area):
    assert client_as("staff").get(f"/area/{area}/booklet.pdf").status_code == 404


def test_the_booklet_can_be_made_outside_a_request_in_the_language_asked(app):
    with database(app).connect() as conn:
        leader, staff = accounts.active_account(conn, "leader"), accounts.active_account(conn, "staff")
    name, body = print_pages.booklet_for(app.server, leader, 4, "en")
    pdf = pypdf.PdfReader(io.BytesIO(body))
    assert name.endswith(".pdf") and pdf.trailer["/Root"]["/Lang"] == "en"
    assert len(pdf.pages) == 1 + len(rows(app, AREA_BUILDINGS, path="/1/2/3/4/%"))
    assert print_pages.booklet_for(app.server, staff, 5, "zh_CN") is None


@pytest.mark.parametrize(("language", "foreign"), [("en", re.compile(r"[\u3400-\u9fff]")),
                                                   ("zh-CN", re.compile(r"[A-Za-z]{2,}"))])
def test_the_print_view_reads_in_one_language(app, client_as, language, foreign):
    tree, _page = printed(client_as("staff"), f"/building/{BUILDING}/print", **{"Accept-Language": language})
    for data in tree.xpath("//h1 | //title | //*[@class='area'] | //thead//th[@colspan] | //td | //th[@scope='row']"):
        data.getparent().remove(data)
    assert foreign.findall(tree.xpath("//body")[0].text_content()) == []


@pytest.mark.parametrize("paper", ["A3", "A4"])
@pytest.mark.parametrize(("floors", "across"), [(60, [40]), (3, [2, 0, 5]), (33, [4, 4, 4, 4, 4, 4]), (1, [1])])
def test_any_grid_fits_the_printable_page(paper, floors, across):
    payload = {"rows": [str(n) for n in range(floors)], "entrances": [{"name": "e", "width": n} for n in across],
               "base": 0, "count": 1, "labels": {}, "floors": [[0, 0]],
               "cells": {"unit": [1], "floor": [0], "position": [0], "status": [0], "use": [0]}}
    width, height, font = print_view.cell_size(payload, paper)
    page_width, page_height = (side - 2 * print_view.MARGIN_MM for side in print_view.PAPERS[paper])
    groups = sum(1 for n in across if n)
    spacing = print_view.SPACING_MM
    assert print_view.FLOOR_COLUMN_MM + (groups - 1) * print_view.GAP_MM + sum(across) * (width + spacing) <= page_width
    assert floors * (height + spacing) + print_view.CHROME_MM <= page_height + 0.01
    assert 0.8 < font <= height  # a 60-floor tower on A4: 2.5 pt letters; A3 gives it 4.3 pt
