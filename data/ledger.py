"""Ledger (台账) import: a workstation's spreadsheet of units, previewed, then applied inside an area as one batch, all
rows or none.

A row names a unit by building, entrance (optional), floor and unit number; buildings, entrances, floors and units
that the area lacks are created through the layout editor's commands (data/buildings.py, data/restructure.py), and
existing ones are matched after normalisation (data/ledger_columns.py). An empty cell leaves its field unchanged. A
`version` column makes the import a three-way merge (see data/changes.py). Undo retires the units an import created.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import Connection, select

from data import ledger_columns as cells
from data import queries
from data.access import authorize
from data.accounts import Account
from data.building_plan import MAX_CELLS, UNIT_USE_OF_BUILDING, BuildingPlan, EntrancePlan, FloorPlan, UnitPlan
from data.buildings import create_building, empty_unit
from data.changes import IDS_PER_QUERY, ChangeContext, NotAllowed, StaleEdit, UnitEdit, apply_edits
from data.days import DEFAULT_TIMEZONE, local_day
from data.i18n import N_, Text
from data.ledger_files import read_sheet
from data.ledger_problems import MAX_LISTED, LedgerError, Problem, refused
from data.ledger_rows import LedgerRow, ReadRows, Skipped, read_rows
from data.models import Area, Building, Entrance, Floor, LedgerMapping, Unit
from data.restructure import add_entrance, add_units
from data.validation import EDIT_FIELDS, Catalogues, InvalidEdit, clean

VERSION = "version"
# The fields whose current values are personal data: showing them is logged, as opening a unit is.
PERSONAL_FIELDS = ("occupant_name", "contact_phone", "note")
BUILDING_USE_OF_UNITS = {frozenset({unit_use}): use for use, unit_use in UNIT_USE_OF_BUILDING.items()}


@dataclass(frozen=True)
class FieldChange:
    """One field of an existing unit that the import changes: the sheet row, the unit (its name and id), old and new
    value."""

    row: int
    unit: str
    field: str
    before: object
    after: object
    unit_id: int = 0


@dataclass(frozen=True)
class NewUnit:
    """A unit the import creates, at the row naming it, and which of its building, entrance and floor are new too."""

    row: int
    building: str
    entrance: str
    floor: str
    unit: str
    new_building: bool
    new_entrance: bool
    new_floor: bool
    use: str = ""
    status: str = ""


@dataclass(frozen=True)
class Preview:
    """What an import would do: the header and columns found, units created, fields changed, rows that change
    nothing, rows skipped and every problem; `digest` names exactly this outcome (apply refuses another)."""

    header_row: int | None
    columns: tuple
    rows: int
    created: tuple[NewUnit, ...]
    changes: tuple[FieldChange, ...]
    unchanged: int
    skipped: tuple[Skipped, ...]
    problems: tuple[Problem, ...]
    digest: str

    @property
    def counts(self) -> dict[str, int]:
        """How many buildings, entrances, floors and units it creates, and units it changes."""
        # Buildings by the names they are matched by: rows writing 新华家园 3号楼 and 新华家园3号楼 make one.
        created = [(cells.name_key(u.building), u) for u in self.created]
        return {"buildings": len({name for name, u in created if u.new_building}),
                "entrances": len({(name, u.entrance) for name, u in created if u.new_entrance}),
                "floors": len({(name, u.entrance, u.floor) for name, u in created if u.new_floor}),
                "units": len(self.created), "changed": len({change.unit for change in self.changes})}


@dataclass(frozen=True)
class ImportReport:
    """What an import did: rows read, units created and changed, rows that changed nothing, and the batch (for
    undo)."""

    rows: int
    created: int
    changed: int
    unchanged: int
    batch_id: str


@dataclass
class _Plan:
    """What to write: new units by building, entrance and floor, and edits of existing units by row."""

    area: dict
    new: dict = field(default_factory=lambda: defaultdict(list))
    edits: dict = field(default_factory=dict)
    entrance_ids: dict = field(default_factory=dict)


def preview(conn: Connection, actor: Account, data: bytes, filename: str, area_id: int,
            mapping: dict | None = None, today: dt.date | None = None) -> Preview:
    """What importing this file into the area would do, changing nothing."""
    return _planned(conn, actor, data, filename, area_id, mapping, today)[0]


def apply_ledger(conn: Connection, ctx: ChangeContext, data: bytes, filename: str, area_id: int,
                 mapping: dict | None = None, digest: str | None = None, keep: bool = True) -> ImportReport:
    """Import the file into the area as one batch (source import), or raise LedgerError naming every problem and
    change nothing; given the digest of a preview, refuse when the outcome is no longer the one previewed. The
    mapping's corrections are kept for the area's next import unless `keep` is false."""
    found, plan = _planned(conn, ctx.actor, data, filename, area_id, mapping, ctx.today)
    if found.problems:
        raise LedgerError(list(found.problems))
    if digest is not None and digest != found.digest:
        raise refused(found.header_row or 1, N_("The data changed since the preview: preview the file again."))
    _create(conn, ctx, plan)
    _edit(conn, ctx, plan)
    if mapping and keep:
        keep_mapping(conn, ctx, area_id, mapping)
    changed = len({change.unit for change in found.changes})
    return ImportReport(found.rows, len(found.created), changed, found.unchanged, ctx.batch_id)


def personal_views(changes: list[FieldChange]) -> list[int]:
    """The units whose personal data (name, phone, note) a list of changes shows as it is now."""
    return sorted({change.unit_id for change in changes if change.field in PERSONAL_FIELDS})


def preview_lines(found: Preview) -> list[str]:
    """A preview as lines of English text (the command line's): what is created and changed, rows skipped, and every
    problem."""
    counts = found.counts
    lines = [f"header at row {found.header_row}" if found.header_row else "no header found",
             f"{found.rows} rows: {counts['units']} units to create ({counts['buildings']} new buildings, "
             f"{counts['entrances']} entrances, {counts['floors']} floors), {counts['changed']} units to change, "
             f"{found.unchanged} unchanged"]
    lines += [f"row {c.row}: {c.unit} {c.field}: {_shown(c.before)} -> {_shown(c.after)}"
              for c in found.changes[:MAX_LISTED]]
    lines += [f"row {skipped.row}: skipped, {skipped.reason}" for skipped in found.skipped[:MAX_LISTED]]
    return lines + (LedgerError(list(found.problems)).lines() if found.problems else [])


def _shown(value) -> str:
    """A value in a preview line."""
    return "—" if value in (None, "") else str(value)


def _planned(conn: Connection, actor: Account, data: bytes, filename: str, area_id: int, mapping: dict | None,
             today: dt.date | None) -> tuple[Preview, _Plan | None]:
    """The preview and the plan behind it."""
    area = queries.area(conn, area_id)
    if area is None or not authorize(actor, "edit", {"area_path": area["path"]}):
        return _refusal(Problem(1, None, Text(N_("You may not import into this area.")))), None
    try:
        sheet = read_sheet(data, filename)
    except LedgerError as error:
        return _refusal(*error.problems), None
    saved = {**saved_mapping(conn, area_id), **(mapping or {})}
    read = read_rows(sheet, saved, queries.statuses(conn), queries.unit_uses(conn))
    plan = _Plan(area)
    created, changes, unchanged, problems = _match(conn, read, plan, today or local_day(
        dt.datetime.now(dt.UTC).replace(tzinfo=None), DEFAULT_TIMEZONE))
    found = Preview(read.header.row if read.header else None, read.header.columns if read.header else (),
                    len(read.rows), tuple(created), tuple(changes), unchanged, read.skipped,
                    tuple(sorted((*read.problems, *problems), key=lambda problem: problem.row)), "")
    return _with_digest(found, data, area_id, saved), plan


def _refusal(*problems: Problem) -> Preview:
    """The preview of a file that cannot be read at all."""
    return Preview(None, (), 0, (), (), 0, (), tuple(problems), "")


def _with_digest(found: Preview, data: bytes, area_id: int, mapping: dict) -> Preview:
    """The preview with a digest of the file, the area, the columns and everything it would do."""
    outcome = json.dumps([hashlib.sha256(data).hexdigest(), area_id, sorted(mapping.items(), key=str),
                          [vars(unit) for unit in found.created],
                          [[c.row, c.unit, c.field, str(c.before), str(c.after)] for c in found.changes],
                          [str(problem) for problem in found.problems]], ensure_ascii=False, default=str)
    return Preview(**{**vars(found), "digest": hashlib.sha256(outcome.encode()).hexdigest()})


def _match(conn: Connection, read: ReadRows, plan: _Plan, today: dt.date) -> tuple[list, list, int, list]:
    """Each row matched to an existing unit (its changes) or planned as a new one, with every problem."""
    place = _Places(conn, plan.area["path"], {cells.name_key(row.building) for row in read.rows})
    catalogues = queries.catalogues(conn)
    created, changes, problems, seen = [], [], [], {}
    unchanged = 0
    for row in read.rows:
        target, problem = place.find(row)
        if problem is None and _same_unit(target) in seen:
            problem = Problem(row.number, row.titles["unit"], Text(
                N_("the same unit as row %(row)s"), row=seen[_same_unit(target)]))
        if problem is not None:
            problems.append(problem)
            continue
        seen[_same_unit(target)] = row.number
        if isinstance(target, int):
            raw = _raw_values(row, row.values.get("use", place.units[target]["use"]), catalogues)
            row_changes, row_problems = _changes(row, raw, place.units[target], catalogues, today)
            if row_changes:
                plan.edits[target] = (row, raw)
            changes += row_changes
            unchanged += not row_changes and not row_problems
        else:
            new_unit, row_problems = _new_unit(row, target, place, catalogues, today, plan)
            created += [new_unit] if new_unit else []
        problems += row_problems
    problems += _too_big(plan, read)
    return created, changes, unchanged, problems


def _same_unit(target: object) -> object:
    """What two rows share when they name the same unit: its id, or a new unit's building, entrance and number (not
    its floor: an entrance numbers its units once, so two floors cannot both have it)."""
    return target if isinstance(target, int) else (*target[:-2], target[-1])


class _Places:
    """The area's buildings that a ledger names, with their entrances, floors and active units, matched by their
    normalised names."""

    def __init__(self, conn: Connection, area_path: str, names: set[str]):
        buildings = [building for building in conn.execute(
            select(Building.id, Building.name, Building.use).join(Area)
            .where(Area.path.startswith(area_path, autoescape=True))) if cells.name_key(building.name) in names]
        self.buildings, self.uses = defaultdict(list), {building.id: building.use for building in buildings}
        for building in buildings:
            self.buildings[cells.name_key(building.name)].append(dict(building._mapping))
        ids = [building.id for building in buildings]
        self.entrances = defaultdict(dict)
        for entrance in _in_chunks(conn, select(Entrance.id, Entrance.building_id, Entrance.name),
                                   Entrance.building_id, ids):
            self.entrances[entrance.building_id][cells.entrance_key(entrance.name)] = dict(entrance._mapping)
        self.units, self.by_label, self.floors = {}, defaultdict(dict), defaultdict(dict)
        query = (select(Unit.__table__, Floor.level, Floor.label.label("floor_label"),
                        Entrance.name.label("entrance_name"))
                 .join(Floor, Floor.id == Unit.floor_id).join(Entrance, Entrance.id == Unit.entrance_id)
                 .where(Unit.retired_at.is_(None)))
        for unit in _in_chunks(conn, query, Unit.building_id, ids):
            self.units[unit.id] = dict(unit._mapping)
            self.by_label[unit.entrance_id][cells.unit_key(unit.label)] = unit.id
            self.floors[unit.entrance_id][unit.floor_label] = unit.level

    def find(self, row: LedgerRow) -> tuple[object, Problem | None]:
        """The unit id a row names, or the key of the new unit it asks for (building, entrance, level, label),
        or the problem of a row that names neither."""
        found = self.buildings.get(cells.name_key(row.building), [])
        if len(found) > 1:
            return None, Problem(row.number, row.titles["building"], Text(
                N_("%(count)s buildings of this area are named %(name)s"), count=len(found), name=row.building))
        if not found:
            return ("new", cells.name_key(row.building), cells.entrance_key(row.entrance) or "1", row.level,
                    row.unit), None
        return self._in_building(row, found[0])

    def _in_building(self, row: LedgerRow, building: dict) -> tuple[object, Problem | None]:
        """The unit (or new unit) a row names in an existing building."""
        entrances = self.entrances[building["id"]]
        key = cells.entrance_key(row.entrance) if row.entrance else self._entrance_of(row, entrances)
        if key is None:
            return None, Problem(row.number, row.titles.get("entrance") or row.titles["unit"], Text(
                N_("%(building)s has several entrances: say which one in an entrance column"),
                building=row.building))
        entrance = entrances.get(key)
        unit_id = self.by_label[entrance["id"]].get(row.unit) if entrance else None
        if unit_id is None:
            return self._new_place(row, building["id"], key, self.floors[entrance["id"]] if entrance else {})
        unit = self.units[unit_id]
        if unit["floor_label"] != row.floor:
            return None, Problem(row.number, row.titles["floor"], Text(
                N_("unit %(unit)s is on floor %(floor)s, not %(given)s"), unit=unit["label"],
                floor=unit["floor_label"], given=row.floor))
        return unit_id, None

    @staticmethod
    def _new_place(row: LedgerRow, building_id: int, key: str, floors: dict) -> tuple[object, Problem | None]:
        """Where a new unit goes in an existing entrance: on the floor with the row's label (floors are matched by
        label, since buildings skip some: floor 15 may be the 13th), or a new floor at the row's level if no other
        floor is there."""
        level = floors.get(row.floor, row.level)
        if row.floor not in floors and level in floors.values():
            return None, Problem(row.number, row.titles["floor"], Text(
                N_("there is no floor %(floor)s here, and its level is another floor's"), floor=row.floor))
        return (building_id, key, level, row.unit), None

    def _entrance_of(self, row: LedgerRow, entrances: dict) -> str | None:
        """The entrance of a row that names none: the building's only one, or the only one with that unit."""
        if len(entrances) <= 1:
            return next(iter(entrances), "1")
        holding = [key for key, entrance in entrances.items() if row.unit in self.by_label[entrance["id"]]]
        return holding[0] if len(holding) == 1 else None


def _in_chunks(conn: Connection, query, column, ids: list[int]):
    """Rows of a query for ids in slices that every database takes."""
    for start in range(0, len(ids), IDS_PER_QUERY):
        yield from conn.execute(query.where(column.in_(ids[start:start + IDS_PER_QUERY])))


def _raw_values(row: LedgerRow, use: str, catalogues: Catalogues) -> dict:
    """The row's values as an edit gives them: a head count goes to residents, or staff for a use without
    residents."""
    values = {name: value for name, value in row.values.items() if name != "head_count"}
    if "head_count" in row.values:
        counted = "residents" if catalogues.uses[use]["max_residents"] > 0 else "staff"
        values.setdefault(counted, row.values["head_count"])
    return values


def _changes(row: LedgerRow, raw: dict, unit: dict, catalogues: Catalogues, today: dt.date) -> tuple[list, list]:
    """The fields a row's values change on an existing unit, or its problems."""
    values, errors = clean(unit, raw, catalogues, today)
    if errors:
        return [], _field_problems(row, errors)
    name = _unit_name(row.building, unit["entrance_name"], unit["label"])
    return [FieldChange(row.number, name, field_name, unit[field_name], value, unit["id"])
            for field_name, value in values.items() if unit[field_name] != value], []


def _new_unit(row: LedgerRow, target: tuple, place: _Places, catalogues: Catalogues, today: dt.date,
              plan: _Plan) -> tuple[NewUnit | None, list]:
    """A new unit for a row, its values checked, added to the plan; or the row's problems."""
    use = _use_of(row, target, place, catalogues)
    if use is None:
        return None, [Problem(row.number, row.titles.get("use") or row.titles["unit"], Text(
            N_("say the unit's use (住户, 企业 or 企住一体) to create it")))]
    base = empty_unit(use)
    values, errors = clean(base, {**_raw_values(row, use, catalogues), "use": use}, catalogues, today)
    if errors:
        return None, _field_problems(row, errors)
    building, entrance, level = target[-4], target[-3], target[-2]
    plan.new[(building, entrance, level)].append((row, UnitPlan(0, row.unit, use, _starting(values, base))))
    new_building = target[0] == "new"
    new_entrance = new_building or entrance not in place.entrances[building]
    entrance_id = None if new_entrance else place.entrances[building][entrance]["id"]
    new_floor = new_entrance or level not in place.floors[entrance_id].values()
    return NewUnit(row.number, row.building, cells.entrance_name(row.entrance or entrance), row.floor, row.unit,
                   new_building, new_entrance, new_floor, use, values.get("status", base["status"])), []


def _use_of(row: LedgerRow, target: tuple, place: _Places, catalogues: Catalogues) -> str | None:
    """A new unit's use: as the row says; else the one its status applies to, the building's own first."""
    if "use" in row.values:
        return row.values["use"]
    status = catalogues.statuses.get(row.values.get("status", ""))
    if status is None:
        return None
    own = UNIT_USE_OF_BUILDING.get(place.uses.get(target[0]))
    return own if own in status["applies_to"] else status["applies_to"][0]


def _starting(values: dict, base: dict) -> dict:
    """The values a new unit starts with that differ from an empty unverified one."""
    return {name: value for name, value in values.items() if name in EDIT_FIELDS and base[name] != value}


def _field_problems(row: LedgerRow, errors: dict) -> list[Problem]:
    """A row's validation errors as problems at the columns of their fields: a count's at the head count column when
    it has none of its own, a field the ledger has no column for at none."""
    counted = ("residents", "staff")
    return [Problem(row.number, row.titles.get(name, row.titles.get("head_count") if name in counted else None),
                    message) for name, message in errors.items()]


def _too_big(plan: _Plan, read: ReadRows) -> list[Problem]:
    """A problem for each new building with more units than a building may have."""
    sizes = defaultdict(list)
    for (building, _entrance, _level), units in plan.new.items():
        sizes[building] += [row.number for row, _unit in units]
    return [Problem(min(rows), None, Text(N_("This makes %(cells)s units in one building; at most %(max)s."),
                                          cells=len(rows), max=MAX_CELLS))
            for building, rows in sizes.items() if isinstance(building, str) and len(rows) > MAX_CELLS]


def _unit_name(building: str, entrance: str, label: str) -> str:
    """How the preview names a unit: building, entrance and number."""
    return " ".join(part for part in (building, entrance, label) if part)


def _create(conn: Connection, ctx: ChangeContext, plan: _Plan) -> None:
    """Write the new buildings, entrances, floors and units, each through its layout command."""
    new_buildings = defaultdict(lambda: defaultdict(dict))
    for (building, entrance, level), units in plan.new.items():
        if isinstance(building, str):
            new_buildings[building][entrance][level] = units
        else:
            _add_to_building(conn, ctx, plan, (building, entrance, level), units)
    for entrances in new_buildings.values():
        create_building(conn, ctx, plan.area["id"], _building_plan(entrances))


def _building_plan(entrances: dict) -> BuildingPlan:
    """A new building from its rows: entrances in the order of their names, floors from the lowest, units in their
    rows' order."""
    first_row = next(row for floors in entrances.values() for units in floors.values() for row, _unit in units)
    plans, uses = [], set()
    for position, (key, floors) in enumerate(sorted(entrances.items(), key=lambda item: _natural(item[0]))):
        floor_plans = tuple(FloorPlan(units[0][0].floor, level, _placed(units))
                            for level, units in sorted(floors.items()))
        uses |= {unit.use for floor in floor_plans for unit in floor.units}
        plans.append(EntrancePlan(_entrance_name(floors, key), position, floor_plans))
    use = BUILDING_USE_OF_UNITS.get(frozenset(uses), "mixed")
    return BuildingPlan(first_row.building, "", use, tuple(plans))


def _entrance_name(floors: dict, key: str) -> str:
    """A new entrance's name: as its first row writes it, numbered ones as 1单元."""
    written = next(row.entrance for units in floors.values() for row, _unit in units)
    return cells.entrance_name(written or key)


def _placed(units: list) -> tuple[UnitPlan, ...]:
    """A floor's new units in the order of their numbers (2 before 10), positioned from 0."""
    ordered = sorted((unit for _row, unit in units), key=lambda unit: _natural(unit.label))
    return tuple(UnitPlan(position, unit.label, unit.use, unit.values) for position, unit in enumerate(ordered))


def _natural(text: str) -> tuple:
    """Sort key putting 2 before 10."""
    return (0, int(text), "") if text.isdigit() else (1, 0, text)


def _add_to_building(conn: Connection, ctx: ChangeContext, plan: _Plan, where: tuple, units: list) -> None:
    """New units on a floor of an existing building, adding the entrance first when it is new."""
    building_id, entrance, level = where
    entrance_id = plan.entrance_ids.get((building_id, entrance)) or _entrance_id(conn, building_id, entrance)
    if entrance_id is None:
        entrance_id = add_entrance(conn, ctx, building_id, cells.entrance_name(units[0][0].entrance or entrance))
    plan.entrance_ids[(building_id, entrance)] = entrance_id
    add_units(conn, ctx, entrance_id, level, units[0][0].floor, list(_placed(units)))


def _entrance_id(conn: Connection, building_id: int, key: str) -> int | None:
    """The id of a building's entrance with this key, if it has one."""
    rows = conn.execute(select(Entrance.id, Entrance.name).where(Entrance.building_id == building_id)).all()
    return next((row.id for row in rows if cells.entrance_key(row.name) == key), None)


def _edit(conn: Connection, ctx: ChangeContext, plan: _Plan) -> None:
    """Apply the rows that change existing units, as one call of the change command."""
    edits = [UnitEdit(unit_id, raw, row.version, whole_form=row.version is not None)
             for unit_id, (row, raw) in plan.edits.items()]
    try:
        apply_edits(conn, edits, ctx)
    except (NotAllowed, StaleEdit, InvalidEdit) as refusal:
        raise LedgerError(_refusal_problems(refusal, {u: row for u, (row, _raw) in plan.edits.items()})) from None


def _refusal_problems(refusal: Exception, rows: dict[int, LedgerRow]) -> list[Problem]:
    """The problems of the change command's refusal, at the row of each unit."""
    if isinstance(refusal, InvalidEdit):
        return [Problem(rows[unit_id].number, rows[unit_id].titles.get(name), message)
                for unit_id, fields in refusal.errors.items() for name, message in fields.items()]
    if isinstance(refusal, NotAllowed):
        return [Problem(rows[unit_id].number, None, Text(N_("you may not edit this unit")))
                for unit_id in refusal.unit_ids]
    return _stale_problems(refusal, rows)


def _stale_problems(stale: StaleEdit, rows: dict[int, LedgerRow]) -> list[Problem]:
    """A problem per field that a colleague changed after the ledger's version and the ledger sets otherwise, saying
    who changed it and the unit's version now."""
    actors: dict[int, set[str]] = {}
    for change in stale.later:
        actors.setdefault(change["unit_id"], set()).add(change["actor"])
    return [Problem(rows[u].number, rows[u].titles.get(name, rows[u].titles.get(VERSION)),
                    _stale_message(rows[u].version, stale.current[u], actors.get(u)))
            for u in stale.unit_ids for name in stale.conflicts.get(u, {VERSION: None})]


def _stale_message(seen: int, now: int, actors: set[str] | None) -> Text:
    """Who moved a unit past the version a ledger was made from, and where it is now."""
    if not actors:
        return Text(N_("the unit is at version %(now)s, not %(seen)s"), now=now, seen=seen)
    return Text(N_("changed since version %(seen)s by %(actors)s; now version %(now)s"), seen=seen,
                actors=", ".join(sorted(actors)), now=now)


def saved_mapping(conn: Connection, area_id: int) -> dict:
    """The column corrections the area's importers kept (header key -> field, None: ignored)."""
    return conn.execute(select(LedgerMapping.columns).where(LedgerMapping.area_id == area_id)).scalar() or {}


def keep_mapping(conn: Connection, ctx: ChangeContext, area_id: int, mapping: dict) -> None:
    """Keep column corrections for the area's next import, over the ones kept before."""
    columns = {**saved_mapping(conn, area_id), **mapping}
    values = {"columns": columns, "updated_at": ctx.at, "updated_by": ctx.actor.username}
    found = conn.execute(select(LedgerMapping.area_id).where(LedgerMapping.area_id == area_id)).first()
    table = LedgerMapping.__table__
    conn.execute(table.update().where(table.c.area_id == area_id).values(**values) if found
                 else table.insert().values(area_id=area_id, **values))

