"""Building commands: create a building from a checked plan (data.building_plan), its units unverified, recorded,
with the counts and rollups kept true in the caller's transaction."""
from __future__ import annotations

from collections import Counter

from sqlalchemy import Connection, insert, select

from data import queries
from data.building_plan import MAX_CELLS, BuildingPlan, refuse
from data.changes import ChangeContext, add_counts
from data.i18n import N_
from data.models import (
    Area,
    AreaCount,
    AreaDailyDelta,
    Building,
    BuildingStatusCount,
    Entrance,
    Floor,
    Unit,
    UnitChange,
)
from data.structure import record

# The catalogue's door-knock status that every new unit starts in, until someone has been to see.
NEW_UNIT_STATUS = "unverified"


def create_building(conn: Connection, ctx: ChangeContext, area_id: int, plan: BuildingPlan) -> int:
    """Create the planned building in an area, every unit unverified with its first history row; returns its id.
    StructureRefused (nothing written) for a missing or retired area, a status or use not in the catalogue, or a
    plan that is empty, too big or numbers two units of an entrance alike."""
    area = _live_area(conn, area_id)
    _check_plan(conn, plan)
    building_id = conn.execute(insert(Building).values(
        area_id=area_id, name=plan.name, address=plan.address, use=plan.use, revision=0)).inserted_primary_key[0]
    uses: Counter = Counter()
    for entrance in plan.entrances:
        uses.update(_add_entrance(conn, ctx, building_id, entrance))
    _count_new(conn, building_id, area["path"], uses, ctx)
    record(conn, ctx, "building.create", "building", building_id, None, _summary(area_id, plan))
    return building_id


def _live_area(conn: Connection, area_id: int) -> dict:
    """The area a building goes in: it exists and is not retired."""
    row = conn.execute(select(Area.id, Area.path, Area.retired_at).where(Area.id == area_id)).first()
    if row is None or row.retired_at is not None:
        raise refuse(N_("There is no area %(area)s to put the building in."), area=area_id)
    return dict(row._mapping)


def _check_plan(conn: Connection, plan: BuildingPlan) -> None:
    """What data.building_plan checks, again for plans made elsewhere, and the catalogue it names."""
    if not 0 < plan.cells <= MAX_CELLS:
        raise refuse(N_("This plan makes %(cells)s units; a building may have from 1 to %(max)s."),
                     cells=plan.cells, max=MAX_CELLS)
    statuses = {status["code"] for status in queries.statuses(conn)}
    if NEW_UNIT_STATUS not in statuses:
        raise refuse(N_("The status catalogue has no status %(status)s for new units."), status=NEW_UNIT_STATUS)
    known = {use["code"] for use in queries.unit_uses(conn)}
    for entrance in plan.entrances:
        labels = [unit.label for floor in entrance.floors for unit in floor.units]
        if len(set(labels)) != len(labels):
            raise refuse(N_("Two units of %(entrance)s have the same number."), entrance=entrance.name)
        unknown = sorted({unit.use for floor in entrance.floors for unit in floor.units} - known)
        if unknown:
            raise refuse(N_("Unknown unit use: %(use)s."), use=unknown[0])


def _add_entrance(conn: Connection, ctx: ChangeContext, building_id: int, entrance) -> Counter:
    """Insert an entrance, its floors and units; returns its units by use."""
    entrance_id = conn.execute(insert(Entrance).values(
        building_id=building_id, name=entrance.name, position=entrance.position)).inserted_primary_key[0]
    uses: Counter = Counter()
    for floor in entrance.floors:
        floor_id = conn.execute(insert(Floor).values(
            entrance_id=entrance_id, label=floor.label, level=floor.level)).inserted_primary_key[0]
        place = (building_id, entrance_id, floor_id)
        rows = [new_unit_row(place, unit.position, unit.label, unit.use, ctx) for unit in floor.units]
        unit_ids = conn.execute(insert(Unit).returning(Unit.id, sort_by_parameter_order=True), rows).scalars().all()
        conn.execute(insert(UnitChange),
                     [status_change(unit_id, building_id, None, NEW_UNIT_STATUS, 1, ctx) for unit_id in unit_ids])
        uses.update(unit.use for unit in floor.units)
    return uses


def new_unit_row(place: tuple[int, int, int], position: int, label: str, use: str, ctx: ChangeContext) -> dict:
    """A new unit at (building, entrance, floor) and a position: empty, unverified since now, at version 1."""
    building_id, entrance_id, floor_id = place
    return {"building_id": building_id, "entrance_id": entrance_id, "floor_id": floor_id, "position": position,
            "label": label, "use": use, "occupant_name": "", "residents": 0, "staff": 0, "contact_phone": "",
            "status": NEW_UNIT_STATUS, "status_since": ctx.at, "note": "", "version": 1}


def status_change(unit_id: int, building_id: int, before: str | None, after: str | None, version: int,
                  ctx: ChangeContext) -> dict:
    """A history row moving a unit between statuses outside an edit: None before it existed (the first row, as the
    demo and the ledger import start one) and None after it was retired."""
    return {"unit_id": unit_id, "building_id": building_id, "changed_at": ctx.at, "actor": ctx.actor.username,
            "source": ctx.source, "batch_id": ctx.batch_id, "request_id": ctx.request_id, "status_before": before,
            "status_after": after, "unit_version": version, "comment": ctx.comment,
            "data_before": {} if before is None else {"status": before}, "data_after": {"status": after}}


def _count_new(conn: Connection, building_id: int, area_path: str, uses: Counter, ctx: ChangeContext) -> None:
    """Add the new units to the building's counts, the rollups of the area and its ancestors, and today's deltas
    (incremental: a ledger import creates many buildings, where a full recount each time would not do)."""
    total = sum(uses.values())
    conn.execute(insert(BuildingStatusCount).values(building_id=building_id, status=NEW_UNIT_STATUS, count=total))
    ancestors = queries.path_ids(area_path)
    add_counts(conn, AreaCount, ("area_id", "status", "use"), ("units", "residents", "staff"),
                {(area, NEW_UNIT_STATUS, use): (n, 0, 0) for area in ancestors for use, n in uses.items()})
    add_counts(conn, AreaDailyDelta, ("area_id", "day", "status"), ("delta",),
                {(area, ctx.today, NEW_UNIT_STATUS): total for area in ancestors})


def _summary(area_id: int, plan: BuildingPlan) -> dict:
    """What the structure record keeps of a new building."""
    return {"area_id": area_id, "name": plan.name, "address": plan.address, "use": plan.use,
            "entrances": [entrance.name for entrance in plan.entrances],
            "floors": sum(len(entrance.floors) for entrance in plan.entrances), "units": plan.cells}


def area_choices(conn: Connection) -> list[dict]:
    """Areas a building can go in (not retired), tree order, each with its full name (北京市 / 石景山区 / ...)."""
    rows = conn.execute(select(Area.id, Area.name, Area.path, Area.retired_at).order_by(Area.path)).all()
    names = {row.id: row.name for row in rows}
    return [{"id": row.id, "name": " / ".join(names.get(i, "?") for i in queries.path_ids(row.path))}
            for row in rows if row.retired_at is None]
