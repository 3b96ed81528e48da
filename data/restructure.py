"""Changing a building's structure after it was created: rename a unit, move the building to another area. Each
command validates first (StructureRefused, nothing changed), writes in the caller's transaction, records the change,
and keeps grids and rollups true."""
from __future__ import annotations

from sqlalchemy import Connection, func, select, update

from data.changes import ChangeContext, recount
from data.i18n import N_, Text
from data.models import Area, Building, Unit
from data.structure import StructureRefused, record

MAX_LABEL = 32


def rename_unit(conn: Connection, ctx: ChangeContext, unit_id: int, label: str) -> None:
    """Give a unit a new label, unique within its entrance (1单元 501 and 2单元 501 may both exist)."""
    unit = conn.execute(select(Unit.id, Unit.label, Unit.entrance_id, Unit.building_id)
                        .where(Unit.id == unit_id, Unit.retired_at.is_(None))).first()
    if unit is None:
        raise StructureRefused(Text(N_("There is no unit %(unit)s."), unit=unit_id))
    new = _checked_label(label)
    if new != unit.label and _label_taken(conn, unit.entrance_id, new):
        raise StructureRefused(Text(N_("Another unit of this entrance is already called %(label)s."), label=new))
    conn.execute(update(Unit).where(Unit.id == unit_id).values(label=new))
    conn.execute(update(Building).where(Building.id == unit.building_id).values(revision=Building.revision + 1))
    record(conn, ctx, "unit.rename", "unit", unit_id, {"label": unit.label}, {"label": new})


def move_building(conn: Connection, ctx: ChangeContext, building_id: int, area_id: int) -> None:
    """Put a building in another (active) area; the counts of both areas' ancestors and their trends follow."""
    building = conn.execute(select(Building.id, Building.area_id).where(Building.id == building_id)).first()
    if building is None:
        raise StructureRefused(Text(N_("There is no building %(building)s."), building=building_id))
    if conn.execute(select(Area.id).where(Area.id == area_id, Area.retired_at.is_(None))).first() is None:
        raise StructureRefused(Text(N_("There is no area %(area)s to move the building to."), area=area_id))
    if building.area_id == area_id:
        return
    conn.execute(update(Building).where(Building.id == building_id)
                 .values(area_id=area_id, revision=Building.revision + 1))
    # Every rollup of the old and new ancestors changes, back to the building's first day: rebuilt whole (seconds at
    # a sub-district's scale, and moving a building is rare).
    recount(conn, ctx.timezone)
    record(conn, ctx, "building.move", "building", building_id, {"area_id": building.area_id}, {"area_id": area_id})


def _checked_label(label) -> str:
    """A unit label: text, trimmed, 1 to MAX_LABEL characters."""
    text = label.strip() if isinstance(label, str) else ""
    if not text or len(text) > MAX_LABEL:
        raise StructureRefused(Text(N_("A unit label has 1 to %(limit)s characters."), limit=MAX_LABEL))
    return text


def _label_taken(conn: Connection, entrance_id: int, label: str) -> bool:
    """True when an active unit of the entrance already has this label."""
    taken = select(func.count()).where(Unit.entrance_id == entrance_id, Unit.label == label, Unit.retired_at.is_(None))
    return conn.execute(taken).scalar() > 0
