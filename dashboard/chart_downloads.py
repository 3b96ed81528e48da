"""Wall charts (楼盘图) to download: a building's chart, today's or as of a past day, and an area's workbook of charts.
No personal data leaves (labels and statuses only), so nothing is logged and a read transaction is enough."""
from __future__ import annotations

from urllib.parse import quote

from flask import Flask, Response, abort, current_app, request

from callbacks.parse import BadAddress, positive_int, url_day
from dashboard.auth import current_account
from dashboard.config import local_today
from dashboard.extensions import reading
from dashboard.i18n import language, translated
from data.access import area_for, building_for
from data.wall_chart import TooManyBuildings, area_workbook, chart_xlsx, file_name

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REFUSED = 400


def building_chart(building_id: int):
    """A building's wall chart, as of `?as_of=DAY` if given; 404 for a building the user may not see, as its page
    answers; a plain refusal for a day that cannot be shown."""
    account, shown_in, today = current_account(), language(), local_today(current_app.config)
    try:
        day = url_day(request.args.get("as_of"), "as_of", today)
    except BadAddress as bad:
        return refusal(bad)
    with reading() as conn:
        found = building_for(conn, account, positive_int(building_id))
        if found is None:
            abort(404)
        body = chart_xlsx(conn, account, found["id"], shown_in, current_app.config["TIMEZONE"], as_of=day)
    return workbook(body, f"building-{found['id']}-chart.xlsx", file_name(found["name"], shown_in, day or today))


def area_charts(area_id: int):
    """An area's workbook: its figures, then each building's chart; 404 for an area the user may not see."""
    account, shown_in = current_account(), language()
    with reading() as conn:
        found = area_for(conn, account, positive_int(area_id))
        if found is None:
            abort(404)
        try:
            body = area_workbook(conn, account, found["id"], shown_in, current_app.config["TIMEZONE"])
        except TooManyBuildings as too_many:
            return refusal(too_many)
    name = file_name(found["name"], shown_in, local_today(current_app.config), area=True)
    return workbook(body, f"area-{found['id']}-charts.xlsx", name)


def refusal(problem: Exception) -> Response:
    """Why a chart cannot be made, in the reader's language."""
    return Response(translated(problem.args[0]), status=REFUSED, content_type="text/plain; charset=utf-8")


def workbook(body: bytes, ascii_name: str, name: str) -> Response:
    """A workbook saved under its name: an ASCII name for old clients, the real one in RFC 5987 form."""
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
    return Response(body, content_type=XLSX, headers={"Content-Disposition": disposition})


def register(server: Flask) -> None:
    """Add the wall chart routes to the Flask app."""
    server.add_url_rule("/building/<int:building_id>/chart.xlsx", "building_chart", building_chart)
    server.add_url_rule("/area/<int:area_id>/charts.xlsx", "area_charts", area_charts)
