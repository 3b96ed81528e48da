"""Changing a building's structure after it was created: rename, retire, merge and split units, add and remove
floors, move the building to another area. Each command validates first (StructureRefused, nothing changed), writes
in the caller's transaction, records the change, and keeps grids and rollups true. A unit is never deleted: it is
retired (kept with its history, out of the grid and the counts), and its last history row takes its status out of
the daily deltas (status_after None)."""
from __future__ import annotations

from dataclasses import replace

from sqlalchemy import Connection, func, insert, select, update

from data import queries
from data.building_plan import ENTRANCE_LENGTH, UnitPlan, check_pattern
from data.buildings import NEW_UNIT_STATUS, insert_units
from data.changes import ChangeContext, count_units, recount, retire_units
from data.i18n import N_, Text
from data.models import (
    Area,
    Building,
    Entrance,
    Floor,
    Unit,
)
from data.structure import StructureRefused, record

MAX_LABEL = 32
MAX_FLOOR_LABEL = 16
# Units one split or one new floor may make: more than any floor of a real building has.
MAX_PARTS = 50
# Columns far right of any floor's units, where units being moved along wait.
SHIFT_AREA = 1_000_000
# Floors a building may reach, above and below ground.
MAX_LEVEL = 300


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


def retire_unit(conn: Connection, ctx: ChangeContext, unit_id: int) -> None:
    """Retire a unit: kept with its history, gone from the grid, the counts and editing."""
    unit = _active_unit(conn, unit_id)
    retire_units(conn, ctx, [unit])
    _bump(conn, unit["building_id"])
    record(conn, ctx, "unit.retire", "unit", unit_id, _kept(unit), {"retired_at": ctx.at.isoformat()})


def merge_units(conn: Connection, ctx: ChangeContext, keep_id: int, other_id: int, label: str | None = None) -> None:
    """Make two neighbouring units of a floor one: `other` is retired, `keep` stays (with a new label if given) and
    the units after `other` close the gap."""
    keep, other = _active_unit(conn, keep_id), _active_unit(conn, other_id)
    if keep_id == other_id or not _neighbours(conn, keep, other):
        raise StructureRefused(Text(N_("Only two neighbouring units of the same floor can be merged.")))
    new = keep["label"] if label is None else _checked_label(label)
    if new != keep["label"] and _label_taken(conn, keep["entrance_id"], new, {keep_id, other_id}):
        raise StructureRefused(Text(N_("Another unit of this entrance is already called %(label)s."), label=new))
    retire_units(conn, ctx, [other])
    _shift(conn, other["floor_id"], other["position"], -1)
    conn.execute(update(Unit).where(Unit.id == keep_id).values(label=new))
    _bump(conn, keep["building_id"])
    record(conn, ctx, "unit.merge", "unit", keep_id, {"units": [_kept(keep), _kept(other)]},
           {"unit": keep_id, "label": new, "retired": other_id})


def split_unit(conn: Connection, ctx: ChangeContext, unit_id: int, labels: list[str]) -> list[int]:
    """Split a unit into several side by side on its floor: it keeps the first label, new unverified units take the
    others right after it (the units after them move along); returns the new units' ids."""
    unit = _active_unit(conn, unit_id)
    labels = _new_labels(conn, unit["entrance_id"], labels, {unit_id}, at_least=2)
    _check_new_status(conn)
    _shift(conn, unit["floor_id"], unit["position"], len(labels) - 1)
    conn.execute(update(Unit).where(Unit.id == unit_id).values(label=labels[0]))
    plans = [UnitPlan(unit["position"] + i, text, unit["use"]) for i, text in enumerate(labels[1:], start=1)]
    new_ids = _add_units(conn, ctx, unit, plans)
    _bump(conn, unit["building_id"])
    record(conn, ctx, "unit.split", "unit", unit_id, _kept(unit), {"labels": labels, "new_units": new_ids})
    return new_ids


def add_floor(conn: Connection, ctx: ChangeContext, entrance_id: int, level: int, label: str, units: int,
              use: str, pattern: str) -> int:
    """Add a floor of unverified units, numbered by a pattern ({floor}{n:02d}), to an entrance; a removed floor
    (without units) at that level or with that label is used again; returns the floor's id."""
    entrance = _entrance(conn, entrance_id)
    text = _floor_label(label)
    level = _whole(level, N_("A floor's level is a whole number from -%(max)s to %(max)s."), -MAX_LEVEL, MAX_LEVEL)
    count = _whole(units, N_("A floor has 1 to %(max)s units."), 1, MAX_PARTS)
    if use not in {row["code"] for row in queries.unit_uses(conn)}:
        raise StructureRefused(Text(N_("Unknown unit use: %(use)s."), use=use))
    check_pattern(pattern)
    numbers = [_numbered(pattern, text, n, entrance["position"]) for n in range(1, count + 1)]
    numbers = _new_labels(conn, entrance_id, numbers, set(), at_least=1)
    _check_new_status(conn)
    floor_id = _place_floor(conn, entrance_id, level, text)
    place = {**entrance, "entrance_id": entrance_id, "floor_id": floor_id}
    new_ids = _add_units(conn, ctx, place, [UnitPlan(position, text, use) for position, text in enumerate(numbers)])
    _bump(conn, entrance["building_id"])
    record(conn, ctx, "floor.add", "floor", floor_id, None,
           {"entrance_id": entrance_id, "label": text, "level": level, "use": use, "units": new_ids})
    return floor_id


def add_entrance(conn: Connection, ctx: ChangeContext, building_id: int, name: str) -> int:
    """Add an empty entrance (单元) after a building's others; returns its id."""
    text = name.strip() if isinstance(name, str) else ""
    if not text or len(text) > ENTRANCE_LENGTH:
        raise StructureRefused(Text(N_("An entrance name has 1 to %(limit)s characters."), limit=ENTRANCE_LENGTH))
    taken = conn.execute(select(Entrance.name, Entrance.position).where(Entrance.building_id == building_id)).all()
    if text in {row.name for row in taken}:
        raise StructureRefused(Text(N_("Two entrances have the same name: %(name)s."), name=text))
    position = max((row.position for row in taken), default=-1) + 1
    entrance_id = conn.execute(insert(Entrance).values(
        building_id=building_id, name=text, position=position)).inserted_primary_key[0]
    _bump(conn, building_id)
    record(conn, ctx, "entrance.add", "entrance", entrance_id, None, {"building_id": building_id, "name": text})
    return entrance_id


def add_units(conn: Connection, ctx: ChangeContext, entrance_id: int, level: int, label: str,
              plans: list[UnitPlan]) -> list[int]:
    """Add units with their labels, uses and checked values to a floor of an entrance, after its units (the floor is
    made when the entrance has none at that level); returns their ids."""
    entrance = _entrance(conn, entrance_id)
    labels = [_checked_label(plan.label) for plan in plans]
    taken = [text for text in labels if _label_taken(conn, entrance_id, text)]
    if taken or len(set(labels)) != len(labels):
        raise StructureRefused(Text(N_("Another unit of this entrance is already called %(label)s."),
                                    label=(taken or labels)[0]))
    floor_id = _floor_at(conn, entrance_id, level) or _place_floor(conn, entrance_id, level, _floor_label(label))
    start = conn.execute(select(func.coalesce(func.max(Unit.position) + 1, 0))
                         .where(Unit.floor_id == floor_id, Unit.retired_at.is_(None))).scalar()
    placed = [replace(plan, position=start + i) for i, plan in enumerate(plans)]
    new_ids = _add_units(conn, ctx, {**entrance, "entrance_id": entrance_id, "floor_id": floor_id}, placed)
    _bump(conn, entrance["building_id"])
    record(conn, ctx, "units.add", "floor", floor_id, None, {"entrance_id": entrance_id, "level": level,
                                                             "labels": labels, "units": new_ids})
    return new_ids


def remove_floor(conn: Connection, ctx: ChangeContext, floor_id: int) -> None:
    """Remove a floor from the grid: its units are retired (kept with their history); the empty floor stays."""
    floor = conn.execute(select(Floor.id, Floor.label, Floor.level).where(Floor.id == floor_id)).first()
    units = _units_of_floor(conn, floor_id) if floor else []
    if not units:
        raise StructureRefused(Text(N_("There is no floor %(floor)s with units to remove."), floor=floor_id))
    retire_units(conn, ctx, units)
    _bump(conn, units[0]["building_id"])
    record(conn, ctx, "floor.remove", "floor", floor_id,
           {"label": floor.label, "level": floor.level, "units": [_kept(unit) for unit in units]},
           {"retired": [unit["id"] for unit in units]})


def _unit_query():
    """Units with their area's path, locked for update where the database can."""
    return (select(Unit.__table__, Area.path.label("area_path")).join(Building, Building.id == Unit.building_id)
            .join(Area, Area.id == Building.area_id).where(Unit.retired_at.is_(None))
            .with_for_update(of=Unit.__table__))


def _active_unit(conn: Connection, unit_id: int) -> dict:
    """A unit not retired, with its area's path; StructureRefused when there is none."""
    row = conn.execute(_unit_query().where(Unit.id == unit_id)).first()
    if row is None:
        raise StructureRefused(Text(N_("There is no unit %(unit)s."), unit=unit_id))
    return dict(row._mapping)


def _units_of_floor(conn: Connection, floor_id: int) -> list[dict]:
    """The active units of a floor, left to right."""
    rows = conn.execute(_unit_query().where(Unit.floor_id == floor_id).order_by(Unit.position, Unit.id))
    return [dict(row._mapping) for row in rows]


def _kept(unit: dict) -> dict:
    """What the structure record keeps of a unit."""
    return {"id": unit["id"], "label": unit["label"], "position": unit["position"], "status": unit["status"],
            "use": unit["use"]}


def _neighbours(conn: Connection, one: dict, other: dict) -> bool:
    """True when two units are on the same floor with no active unit between them."""
    if one["floor_id"] != other["floor_id"] or one["position"] == other["position"]:
        return False
    low, high = sorted((one["position"], other["position"]))
    between = select(func.count()).where(Unit.floor_id == one["floor_id"], Unit.retired_at.is_(None),
                                         Unit.position > low, Unit.position < high)
    return conn.execute(between).scalar() == 0


def _add_units(conn: Connection, ctx: ChangeContext, place: dict, plans: list[UnitPlan]) -> list[int]:
    """Insert planned units on a floor with their first history rows, and count them."""
    keys = (place["building_id"], place["entrance_id"], place["floor_id"])
    inserted = insert_units(conn, ctx, [(keys, plan) for plan in plans])
    units = [{**unit, "area_path": place["area_path"]} for unit in inserted]
    count_units(conn, units, ctx)
    return [unit["id"] for unit in units]


def _shift(conn: Connection, floor_id: int, after: int, by: int) -> None:
    """Move the active units of a floor right of a position by some columns."""
    # In two steps, through columns no unit uses: PostgreSQL checks the floor's unique positions row by row.
    conn.execute(update(Unit).where(Unit.floor_id == floor_id, Unit.retired_at.is_(None), Unit.position > after)
                 .values(position=Unit.position + SHIFT_AREA))
    conn.execute(update(Unit).where(Unit.floor_id == floor_id, Unit.position >= SHIFT_AREA)
                 .values(position=Unit.position - SHIFT_AREA + by))


def _bump(conn: Connection, building_id: int) -> None:
    """Tell the building's watchers that its grid changed."""
    conn.execute(update(Building).where(Building.id == building_id).values(revision=Building.revision + 1))


def _new_labels(conn: Connection, entrance_id: int, labels, besides: set[int], at_least: int) -> list[str]:
    """Checked labels for units of an entrance: enough, distinct, and not used by its other active units."""
    if not isinstance(labels, (list, tuple)) or not at_least <= len(labels) <= MAX_PARTS:
        raise StructureRefused(Text(N_("Give %(low)s to %(high)s unit labels."), low=at_least, high=MAX_PARTS))
    texts = [_checked_label(label) for label in labels]
    if len(set(texts)) != len(texts):
        raise StructureRefused(Text(N_("Each new unit needs its own label.")))
    for text in texts:
        if _label_taken(conn, entrance_id, text, besides):
            raise StructureRefused(Text(N_("Another unit of this entrance is already called %(label)s."), label=text))
    return texts


def _check_new_status(conn: Connection) -> None:
    """New units start unverified: the catalogue must have that status."""
    if NEW_UNIT_STATUS not in {status["code"] for status in queries.statuses(conn)}:
        raise StructureRefused(Text(N_("The status catalogue has no status %(status)s for new units."),
                                    status=NEW_UNIT_STATUS))


def _entrance(conn: Connection, entrance_id: int) -> dict:
    """An entrance with its building and area path; StructureRefused when there is none."""
    row = conn.execute(select(Entrance.building_id, Entrance.position, Area.path.label("area_path"))
                       .join(Building, Building.id == Entrance.building_id).join(Area, Area.id == Building.area_id)
                       .where(Entrance.id == entrance_id)).first()
    if row is None:
        raise StructureRefused(Text(N_("There is no entrance %(entrance)s."), entrance=entrance_id))
    return dict(row._mapping)


def _floor_label(label) -> str:
    """A floor label: text, trimmed, 1 to MAX_FLOOR_LABEL characters."""
    text = label.strip() if isinstance(label, str) else ""
    if not text or len(text) > MAX_FLOOR_LABEL:
        raise StructureRefused(Text(N_("A floor label has 1 to %(limit)s characters."), limit=MAX_FLOOR_LABEL))
    return text


def _whole(value, message: str, low: int, high: int) -> int:
    """A whole number within bounds (not a bool), or StructureRefused with the message."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise StructureRefused(Text(message, max=high))
    return value


def _numbered(pattern: str, floor: str, n: int, entrance_position: int) -> str:
    """A new unit's label from the numbering pattern, as data.building_plan numbers a new building's units."""
    return pattern.format(floor=floor, n=n, entrance=entrance_position + 1)


def _floor_at(conn: Connection, entrance_id: int, level: int) -> int | None:
    """The floor of an entrance at a level that has active units, if there is one."""
    return conn.execute(select(Floor.id).join(Unit, Unit.floor_id == Floor.id)
                        .where(Floor.entrance_id == entrance_id, Floor.level == level, Unit.retired_at.is_(None))
                        .limit(1)).scalar()


def _place_floor(conn: Connection, entrance_id: int, level: int, label: str) -> int:
    """The floor row for a new floor: a removed one (no active units) at that level or with that label, reused, or a
    new one; StructureRefused when a floor with units is there."""
    rows = conn.execute(select(Floor.id).where(Floor.entrance_id == entrance_id,
                                               (Floor.level == level) | (Floor.label == label))
                        .order_by(Floor.id)).scalars().all()
    if any(_units_of_floor(conn, floor_id) for floor_id in rows):
        raise StructureRefused(Text(N_("This entrance already has a floor %(floor)s or at that level."), floor=label))
    if rows:
        conn.execute(update(Floor).where(Floor.id == rows[0]).values(level=level, label=label))
        return rows[0]
    return conn.execute(insert(Floor).values(entrance_id=entrance_id, level=level, label=label)).inserted_primary_key[0]


def _checked_label(label) -> str:
    """A unit label: text, trimmed, 1 to MAX_LABEL characters."""
    text = label.strip() if isinstance(label, str) else ""
    if not text or len(text) > MAX_LABEL:
        raise StructureRefused(Text(N_("A unit label has 1 to %(limit)s characters."), limit=MAX_LABEL))
    return text


def _label_taken(conn: Connection, entrance_id: int, label: str, besides: set[int] = frozenset()) -> bool:
    """True when an active unit of the entrance (other than some) already has this label."""
    taken = select(func.count()).where(Unit.entrance_id == entrance_id, Unit.label == label, Unit.retired_at.is_(None),
                                       Unit.id.not_in(besides))
    return conn.execute(taken).scalar() > 0
