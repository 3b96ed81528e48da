"""Building commands: create a building from a checked plan (data.building_plan), its units unverified, recorded,
with the counts and rollups kept true in the caller's transaction."""
from __future__ import annotations

from sqlalchemy import Connection, insert, select

from data import queries
from data.building_plan import MAX_CELLS, BuildingPlan, UnitPlan, refuse
from data.changes import IDS_PER_QUERY, ChangeContext, count_units, status_change
from data.i18n import N_
from data.models import (
    Area,
    Building,
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
    units = []
    for entrance in plan.entrances:
        units += _add_entrance(conn, ctx, building_id, entrance)
    count_units(conn, [{**unit, "area_path": area["path"]} for unit in units], ctx)
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


def _add_entrance(conn: Connection, ctx: ChangeContext, building_id: int, entrance) -> list[dict]:
    """Insert an entrance, its floors and units; returns the units."""
    entrance_id = conn.execute(insert(Entrance).values(
        building_id=building_id, name=entrance.name, position=entrance.position)).inserted_primary_key[0]
    placed = []
    for floor in entrance.floors:
        floor_id = conn.execute(insert(Floor).values(
            entrance_id=entrance_id, label=floor.label, level=floor.level)).inserted_primary_key[0]
        placed += [((building_id, entrance_id, floor_id), unit) for unit in floor.units]
    return insert_units(conn, ctx, placed)


def insert_units(conn: Connection, ctx: ChangeContext, placed: list[tuple[tuple, UnitPlan]]) -> list[dict]:
    """Insert planned units, each at its (building, entrance, floor), with their first history rows; returns them as
    inserted, with their ids (the caller counts them)."""
    rows = [new_unit_row(place, unit.position, unit.label, unit.use, ctx, unit.values) for place, unit in placed]
    # Without RETURNING: SQLite would insert row by row to keep RETURNING's order. A floor's active positions name
    # its units (retired units have negative ones).
    conn.execute(insert(Unit), rows)
    ids = {}
    for chunk in _slices(sorted({row["floor_id"] for row in rows})):
        ids.update({(floor, position): unit_id for floor, position, unit_id in conn.execute(
            select(Unit.floor_id, Unit.position, Unit.id).where(Unit.floor_id.in_(chunk), Unit.position >= 0))})
    units = [{**row, "id": ids[(row["floor_id"], row["position"])]} for row in rows]
    conn.execute(insert(UnitChange),
                 [_created(unit, plan.values, ctx) for unit, (_place, plan) in zip(units, placed, strict=True)])
    return units


def _slices(values: list) -> list[list]:
    """Values in slices that fit an IN (...) list on every database."""
    return [values[start:start + IDS_PER_QUERY] for start in range(0, len(values), IDS_PER_QUERY)]


def empty_unit(use: str) -> dict:
    """The editable fields of a new unit of a use: nobody in it, unverified."""
    return {"status": NEW_UNIT_STATUS, "use": use, "occupant_name": "", "residents": 0, "staff": 0,
            "contact_phone": "", "quarantine_start": None, "quarantine_end": None, "note": ""}


def new_unit_row(place: tuple[int, int, int], position: int, label: str, use: str, ctx: ChangeContext,
                 values: dict | None = None) -> dict:
    """A new unit at (building, entrance, floor) and a position, at version 1: empty and unverified, or with checked
    values (a ledger's), then verified by whoever gave them."""
    building_id, entrance_id, floor_id = place
    row = {"building_id": building_id, "entrance_id": entrance_id, "floor_id": floor_id, "position": position,
           "label": label, **empty_unit(use), "status_since": ctx.at, "version": 1,
           # A floor's units go in as one executemany: every row needs the same columns, verified or not.
           "verified_at": None, "verified_by": None, "verified_source": None}
    if values:
        row.update(values, verified_at=ctx.at, verified_by=ctx.actor.username, verified_source=ctx.source)
    return row


def _created(unit: dict, values: dict, ctx: ChangeContext) -> dict:
    """The first history row of a new unit: nothing before; after, its status and the values it starts with."""
    change = status_change(unit["id"], unit["building_id"], None, unit["status"], 1, ctx)
    return {**change, "data_after": {**{name: _json(value) for name, value in values.items()},
                                     "status": unit["status"]}}


def _json(value):
    """A value as the history stores it (dates as ISO text)."""
    return value.isoformat() if hasattr(value, "isoformat") else value


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
