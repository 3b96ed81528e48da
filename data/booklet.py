"""An area's booklet: the buildings it holds, its cover figures, and the PDF made from the print view's HTML.

WeasyPrint lays the print view's own HTML and CSS out as PDF pages, so the booklet is the page the browser prints,
with no second drawing of the grid to keep in step; its fonts come from the system (fontconfig), so Chinese renders
with any CJK font installed (Debian: fonts-wqy-microhei or fonts-noto-cjk).
"""
from __future__ import annotations

from sqlalchemy import Connection
from weasyprint import HTML

from data import queries, summary


def full_name(trail: list[dict]) -> str:
    """An area's name with those above it, top first (北京市 / 石景山区 / 鲁谷街道)."""
    return " / ".join(area["name"] for area in trail)


def area_buildings(conn: Connection, area: dict) -> list[dict]:
    """Every building of an area's subtree, by area then name, each as queries.building gives it."""
    listed = queries.building_list(conn, scope=(area["path"],), limit=None)
    return [queries.building(conn, row["id"]) for row in listed]


def cover_figures(conn: Connection, area: dict, statuses: list[dict]) -> dict:
    """The area's headline figures as its page shows them: units, households, firms and units by status."""
    return summary.kpis(queries.area_rollups(conn, [area["id"]])[area["id"]], statuses)


def pdf(html: str) -> bytes:
    """A PDF of a whole HTML page (its own CSS inline: nothing is fetched)."""
    return HTML(string=html, base_url=None).write_pdf()
