"""Ledger import at scale (for `python -m bench`): the seconds to preview and then apply, as a workstation does,
(1) a new workstation's ledger that creates every building, floor and unit it names in an empty area, as .xlsx and as
CSV, and (2) a ledger of existing units spread over the whole database, each with a new status and the version it was
made from."""
from __future__ import annotations

import csv
import io
import time

import openpyxl
from sqlalchemy import Connection, Engine, select

from data.accounts import SYSTEM
from data.areas import add_area
from data.changes import ChangeContext
from data.db import writing
from data.ledger import apply_ledger, preview
from data.models import Area, Building, Entrance, Floor, Unit

HEADER = ("序号", "楼宇名称", "单元", "楼层", "房号", "使用性质", "单位/住户名称", "人数", "联系电话", "状态", "备注")
UPDATE_HEADER = ("楼宇名称", "单元", "楼层", "房号", "状态", "备注", "version")
# A new workstation's towers: 2 entrances of 25 floors with 40 units each, 2,000 units a building.
ENTRANCES, FLOORS, PER_FLOOR = 2, 25, 40
# What a door knock finds at an unverified unit, by its use; every other unit goes back to unverified.
FOUND = {"home": "healthy", "firm": "reopened", "mixed": "healthy"}


def import_figures(engine: Engine, rows: int) -> dict:
    """Seconds to preview and apply each ledger (making the files not included)."""
    with engine.connect() as conn:
        updating, top = _update_ledger(conn, rows), conn.execute(select(Area.id).where(Area.depth == 0)).scalar()
    figures = {"update_100k_s": _timed(engine, _csv(updating), "update.csv", top, rows)}
    creating = _new_ledger(rows)
    figures["import_100k_s"] = _timed(engine, _csv(creating), "ledger.csv", _empty_area(engine, "csv"), rows)
    # The same buildings again, in an area of their own: a building's name is matched within the import's area.
    figures["import_100k_xlsx_s"] = _timed(engine, _xlsx(creating), "ledger.xlsx", _empty_area(engine, "xlsx"), rows)
    return figures


def _timed(engine: Engine, data: bytes, name: str, area_id: int, rows: int) -> float:
    """Seconds to preview a file, then apply it in one write transaction; checks that every row did something."""
    started = time.perf_counter()
    with engine.connect() as conn:
        found = preview(conn, SYSTEM, data, name, area_id)
    with writing(engine) as conn:
        report = apply_ledger(conn, ChangeContext(actor=SYSTEM, source="import", comment="bench"), data, name, area_id,
                              digest=found.digest)
    seconds = time.perf_counter() - started
    if report.created + report.changed != rows:
        raise RuntimeError(f"the ledger should create or change {rows} units: {report}")
    return round(seconds, 1)


def _empty_area(engine: Engine, name: str) -> int:
    """A new, empty workstation under the first sub-district."""
    with writing(engine) as conn:
        parent = conn.execute(select(Area.id).where(Area.kind == "subdistrict").order_by(Area.id)).scalar()
        return add_area(conn, ChangeContext(actor=SYSTEM), f"台账工作站 {name}", parent)


def _new_ledger(rows: int) -> list[tuple]:
    """Rows of a new workstation's ledger: towers of homes with a shop floor, statuses from door knocks."""
    per_building = ENTRANCES * FLOORS * PER_FLOOR
    return [_new_row(n, *divmod(n, per_building)) for n in range(rows)]


def _new_row(n: int, building: int, index: int) -> tuple:
    """One unit's row: its place written as ledgers write it, its use, occupant, head count, phone and status."""
    entrance, rest = divmod(index, FLOORS * PER_FLOOR)
    floor, unit = divmod(rest, PER_FLOOR)
    use = "商铺" if floor == 0 else "住宅"
    status = "已复工" if floor == 0 else ("健康", "空置", "待核实")[n % 3]
    people = 0 if status == "空置" else 1 + n % 4
    return (n + 1, f"台账大厦{building + 1}号楼", f"{entrance + 1}单元", f"{floor + 1}层", f"{floor + 1}{unit + 1:02d}",
            use, "" if status == "空置" else f"住户{n}", people, f"138 {n % 10_000:04d} {n % 9_999:04d}", status, "")


def _update_ledger(conn: Connection, rows: int) -> list[tuple]:
    """Rows of `rows` existing units picked evenly by id, each with another status valid for its use."""
    units = conn.execute(select(Building.name, Entrance.name, Floor.label, Unit.label, Unit.use, Unit.status,
                                Unit.version)
                         .join(Building, Building.id == Unit.building_id)
                         .join(Entrance, Entrance.id == Unit.entrance_id).join(Floor, Floor.id == Unit.floor_id)
                         .where(Unit.retired_at.is_(None))
                         .order_by(Unit.id)).all()
    if rows > len(units):
        raise ValueError(f"the database holds {len(units)} units, fewer than {rows}")
    picked = [units[index * len(units) // rows] for index in range(rows)]
    return [(building, entrance, floor, label, FOUND[use] if status == "unverified" else "unverified", "台账核对",
             version) for building, entrance, floor, label, use, status, version in picked]


def _csv(rows: list[tuple]) -> bytes:
    """The rows under their header as CSV in UTF-8 with a BOM, as Excel saves it."""
    text = io.StringIO()
    csv.writer(text).writerows([HEADER if len(rows[0]) == len(HEADER) else UPDATE_HEADER, *rows])
    return text.getvalue().encode("utf-8-sig")


def _xlsx(rows: list[tuple]) -> bytes:
    """The rows under a title row and their header as a workbook."""
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for row in [("台账工作站楼宇台账",), HEADER, *rows]:
        sheet.append(row)
    file = io.BytesIO()
    workbook.save(file)
    return file.getvalue()
