"""The print view of a building (A3 or A4 landscape) and an area's PDF booklet: plain Flask routes behind the sign-in
gate, 404 for what the user may not see."""
from __future__ import annotations

import datetime as dt
from html import escape
from urllib.parse import quote

from flask import Flask, Response, abort, current_app, request

from callbacks.parse import BadAddress, positive_int, url_day
from dashboard.auth import current_account
from dashboard.config import local_today
from dashboard.extensions import reading
from dashboard.i18n import _, html_lang
from data import booklet, queries
from data.access import area_for, building_for
from data.accounts import Account
from data.i18n import N_
from layouts import grid, print_view

HTML_TYPE = "text/html; charset=utf-8"
# The page of a refused day prints nothing (the building page's message says it shows today instead).
BAD_DAY = N_("Give the day to print as YYYY-MM-DD, not after today.")


def building_print(building_id: int):
    """A building's grid as a page to print: `?paper=A3|A4` (A3 when absent), `?as_of=DAY` for a past day."""
    paper = print_view.paper_or_none(request.args.get("paper"))
    if paper is None:
        return _refused(_("Choose A3 or A4 paper."))
    try:
        as_of = url_day(request.args.get("as_of"), "as_of", local_today(current_app.config))
    except BadAddress:
        return _refused(_(BAD_DAY))
    with reading() as conn:
        found = building_for(conn, current_account(), positive_int(building_id))
        if found is None:
            abort(404)
        page = building_sheet(conn, found, (queries.statuses(conn), queries.unit_uses(conn)), as_of)
    return Response(print_view.print_page(page, paper, html_lang()), content_type=HTML_TYPE)


def _refused(message: str) -> Response:
    """A plain page saying why the address cannot be printed (a 400: nothing to show)."""
    return Response(print_view.document(message, f"<p>{escape(message)}</p>", "A3", html_lang()), status=400,
                    content_type=HTML_TYPE)


def building_sheet(conn, found: dict, catalogue: tuple[list[dict], list[dict]], as_of: dt.date | None = None) -> dict:
    """What a printed page of a building shows: its grid payload (as of a past day if asked), its area's full name,
    when it shows, and the legend with counts."""
    statuses, uses = catalogue
    entrances, floors = queries.building_layout(conn, found["id"])
    units, config = queries.building_units(conn, found["id"]), current_app.config
    if as_of:
        units = queries.units_as_of(units, queries.statuses_as_of(conn, found["id"], as_of, config["TIMEZONE"]))
    payload = grid.grid_payload(found, statuses, uses, entrances, floors, units, local_today(config))
    return {"payload": payload, "area": booklet.full_name(queries.area_trail(conn, found["area_id"])),
            "shown": print_view.shown_at(dt.datetime.now(dt.UTC), as_of),
            "legend": print_view.legend_rows(payload, statuses)}


def area_booklet(area_id: int):
    """An area's booklet as a PDF download; 404 for an area the user may not see."""
    made = booklet_file(current_account(), positive_int(area_id))
    if made is None:
        abort(404)
    name, body = made
    return Response(body, content_type="application/pdf",
                    headers={"Content-Disposition": _attachment(name, area_id)})


def booklet_file(account: Account | None, area_id: int | None) -> tuple[str, bytes] | None:
    """An area's booklet as the account may see it: (file name, PDF), or None for an area out of reach. Needs a
    request context: its text is in that request's language."""
    with reading() as conn:
        found = area_for(conn, account, area_id)
        if found is None:
            return None
        html = booklet_html(conn, found)
    name = _("%(area)s booklet %(day)s", area=found["name"], day=local_today(current_app.config).isoformat())
    return f"{name}.pdf", booklet.pdf(html)


def booklet_for(server: Flask, account: Account, area_id: int, language: str) -> tuple[str, bytes] | None:
    """booklet_file outside a request (the command line), in a language (zh_CN or en)."""
    with server.test_request_context(headers={"Accept-Language": language.replace("_", "-")}):
        return booklet_file(account, area_id)


def booklet_html(conn, found: dict) -> str:
    """The booklet as one HTML page: the cover with the area's figures, then one A3 sheet per building."""
    catalogue = (queries.statuses(conn), queries.unit_uses(conn))
    buildings = booklet.area_buildings(conn, found)
    title = booklet.full_name(queries.area_trail(conn, found["id"]))
    cover = {"area": title, "shown": print_view.shown_at(dt.datetime.now(dt.UTC)), "buildings": len(buildings),
             "figures": booklet.cover_figures(conn, found, catalogue[0]), "statuses": catalogue[0]}
    sheets = [building_sheet(conn, building, catalogue) for building in buildings]
    return print_view.booklet_page(cover, sheets, html_lang())


def _attachment(name: str, area_id: int) -> str:
    """A Content-Disposition saving the booklet under its name (RFC 5987), with an ASCII name for old clients."""
    return f"attachment; filename=\"area-{area_id}-booklet.pdf\"; filename*=UTF-8''{quote(name, safe='')}"


def register(server: Flask) -> None:
    """Add the print and booklet routes to the Flask app."""
    server.add_url_rule("/building/<int:building_id>/print", "building_print", building_print)
    server.add_url_rule("/area/<int:area_id>/booklet.pdf", "area_booklet", area_booklet)
