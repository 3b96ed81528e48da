"""Read queries: each answers one question of a page, with SQL doing the counting."""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import Connection, false, func, or_, select
from sqlalchemy.orm import aliased

from data.days import DEFAULT_TIMEZONE, day_start
from data.models import (
    Area,
    AreaCount,
    AreaDailyDelta,
    Building,
    BuildingStatusCount,
    Entrance,
    Floor,
    Status,
    Unit,
    UnitChange,
    UnitUse,
)
from data.quarantine import dated_codes
from data.validation import Catalogues
from data.vocabulary import MIXED_USE

OVERVIEW_LIMIT = 300
HISTORY_LIMIT = 50
RECENT_LIMIT = 12
# Changes of one batch read whole for the list of recent changes (which shows this many); the rest are only counted and
# their status moves summed up, so that a batch of thousands of units costs the page no more than one of fifty.
RECENT_DETAILS = 50


def statuses(conn: Connection) -> list[dict]:
    """The status catalogue in display order."""
    return _dicts(conn.execute(select(Status.__table__).order_by(Status.sort_order, Status.code)))


def unit_uses(conn: Connection) -> list[dict]:
    """The unit uses in display order, with their labels and plausible head counts."""
    return _dicts(conn.execute(select(UnitUse.__table__).order_by(UnitUse.sort_order, UnitUse.code)))


def catalogues(conn: Connection) -> Catalogues:
    """The status catalogue and the unit uses, by code, for checking values."""
    return Catalogues.of(statuses(conn), unit_uses(conn))


def building_list(conn: Connection, search: str = "", limit: int = OVERVIEW_LIMIT,
                  scope: Sequence[str] | None = None) -> list[dict]:
    """Buildings in scope (area paths; None: everywhere) matching a search, with their area, ordered by area then
    name."""
    parent = aliased(Area)
    query = (
        select(Building.id, Building.name, Building.address, Building.use, Building.area_id,
               Area.name.label("area_name"), Area.path.label("area_path"), parent.name.label("parent_name"))
        .join(Area, Area.id == Building.area_id).outerjoin(parent, parent.id == Area.parent_id)
        .order_by(Area.path, Building.name, Building.id)
        .limit(limit)
    )
    if search.strip():
        pattern = f"%{_escape_like(search.strip())}%"
        query = query.where(or_(Building.name.ilike(pattern, escape="\\"), Building.address.ilike(pattern, escape="\\"),
                                Area.name.ilike(pattern, escape="\\")))
    if scope is not None:
        query = query.where(in_areas(scope))
    return _dicts(conn.execute(query))


def in_areas(scope: Sequence[str]):
    """SQL condition: the building's area lies in one of these area subtrees."""
    return or_(*[Area.path.startswith(path, autoescape=True) for path in scope]) if scope else false()


def status_counts(conn: Connection, building_ids: list[int]) -> dict[int, dict[str, int]]:
    """Maintained counts by status for each of the buildings."""
    counts: dict[int, dict[str, int]] = {building_id: {} for building_id in building_ids}
    query = select(BuildingStatusCount.__table__).where(BuildingStatusCount.building_id.in_(building_ids))
    for row in conn.execute(query):
        if row.count:
            counts[row.building_id][row.status] = row.count
    return counts


def building(conn: Connection, building_id: int) -> dict | None:
    """One building with its area's path (for authorisation), or None."""
    row = conn.execute(select(Building.__table__, Area.path.label("area_path"))
                       .join(Area, Area.id == Building.area_id).where(Building.id == building_id)).first()
    return dict(row._mapping) if row else None


def area_trail(conn: Connection, area_id: int) -> list[dict]:
    """The area and its ancestors, top first (for breadcrumbs)."""
    path = conn.execute(select(Area.path).where(Area.id == area_id)).scalar_one()
    ancestor_ids = path_ids(path)
    rows = _dicts(conn.execute(select(Area.id, Area.kind, Area.name).where(Area.id.in_(ancestor_ids))))
    return sorted(rows, key=lambda row: ancestor_ids.index(row["id"]))


def building_layout(conn: Connection, building_id: int) -> tuple[list[dict], list[dict]]:
    """A building's entrances in order, and their floors bottom to top (a removed floor, all its units retired, is
    left out: it would draw an empty row)."""
    entrances = _dicts(conn.execute(
        select(Entrance.id, Entrance.name, Entrance.position)
        .where(Entrance.building_id == building_id).order_by(Entrance.position)
    ))
    in_use = select(Unit.id).where(Unit.floor_id == Floor.id, Unit.retired_at.is_(None)).exists()
    floors = _dicts(conn.execute(
        select(Floor.id, Floor.entrance_id, Floor.label, Floor.level)
        .join(Entrance, Entrance.id == Floor.entrance_id)
        .where(Entrance.building_id == building_id, in_use).order_by(Floor.level)
    ))
    return entrances, floors


def building_units(conn: Connection, building_id: int) -> list[dict]:
    """The grid fields of every unit of a building (no personal data)."""
    return _dicts(conn.execute(
        select(Unit.id, Unit.floor_id, Unit.entrance_id, Unit.position, Unit.label, Unit.use,
               Unit.residents, Unit.staff, Unit.status, Unit.status_since, Unit.version, Unit.quarantine_end)
        .where(Unit.building_id == building_id, Unit.retired_at.is_(None)).order_by(Unit.id)
    ))


def unit(conn: Connection, unit_id: int) -> dict | None:
    """All fields of one unit (not retired) with its entrance and floor names, or None."""
    row = conn.execute(
        select(Unit.__table__, Entrance.name.label("entrance_name"), Floor.label.label("floor_label"))
        .join(Entrance, Entrance.id == Unit.entrance_id).join(Floor, Floor.id == Unit.floor_id)
        .where(Unit.id == unit_id, Unit.retired_at.is_(None))
    ).first()
    return dict(row._mapping) if row else None


def unit_history(conn: Connection, unit_id: int, limit: int = HISTORY_LIMIT) -> list[dict]:
    """A unit's changes, newest first."""
    return _dicts(conn.execute(
        select(UnitChange.__table__).where(UnitChange.unit_id == unit_id)
        .order_by(UnitChange.changed_at.desc(), UnitChange.id.desc()).limit(limit)
    ))


def recent_batches(conn: Connection, building_id: int, limit: int = RECENT_LIMIT,
                   between: tuple[dt.date, dt.date] | None = None, timezone: str = DEFAULT_TIMEZONE) -> list[dict]:
    """A building's latest batches of changes (optionally between two local days), newest first: time, actor, source,
    comment, how many units and their status moves (before, after), and the change rows (with each unit's label and
    entrance) of the first RECENT_DETAILS units."""
    # The newest rows, read along the (building, time) index, name the newest batches; their rows then come whole.
    latest = (select(UnitChange.batch_id).where(UnitChange.building_id == building_id)
              .order_by(UnitChange.changed_at.desc(), UnitChange.id.desc()).limit(limit * 50))
    if between:
        latest = latest.where(
            UnitChange.changed_at >= day_start(between[0], timezone),
            UnitChange.changed_at < day_start(between[1], timezone, 1),
        )
    changes: dict[str, list[dict]] = {
        batch_id: [] for batch_id in list(dict.fromkeys(conn.execute(latest).scalars()))[:limit]
    }
    for row in _dicts(conn.execute(_first_changes(building_id, list(changes)))):
        changes[row["batch_id"]].append(row)
    moves = _status_moves(conn, building_id, list(changes))
    return [_batch(rows_of_batch, moves[batch_id]) for batch_id, rows_of_batch in changes.items()]


def _first_changes(building_id: int, batch_ids: list[str]):
    """The first RECENT_DETAILS change rows of each batch in a building, with each unit's label and entrance name."""
    order = func.row_number().over(partition_by=UnitChange.batch_id, order_by=UnitChange.id).label("n")
    ranked = (select(UnitChange.id, order)
              .where(UnitChange.building_id == building_id, UnitChange.batch_id.in_(batch_ids)).subquery())
    return (select(UnitChange.__table__, Unit.label, Entrance.name.label("entrance_name"))
            .join(ranked, ranked.c.id == UnitChange.id).join(Unit, Unit.id == UnitChange.unit_id)
            .join(Entrance, Entrance.id == Unit.entrance_id)
            .where(ranked.c.n <= RECENT_DETAILS).order_by(UnitChange.id))


def _status_moves(conn: Connection, building_id: int, batch_ids: list[str]) -> dict[str, dict[tuple, int]]:
    """For each batch in a building: units by (status before, status after), in the order the moves first occur."""
    moves: dict[str, dict[tuple, int]] = {batch_id: {} for batch_id in batch_ids}
    move = (UnitChange.batch_id, UnitChange.status_before, UnitChange.status_after)
    rows = conn.execute(select(*move, func.count())
                        .where(UnitChange.building_id == building_id, UnitChange.batch_id.in_(batch_ids))
                        .group_by(*move).order_by(func.min(UnitChange.id)))
    for batch_id, before, after, units in rows:
        moves[batch_id][(before, after)] = units
    return moves


def _batch(changes: list[dict], moves: dict[tuple, int]) -> dict:
    """One batch: what its rows share (time, actor, source, comment), how many units, their status moves (before,
    after) and the rows read."""
    first = changes[0]
    return {"batch_id": first["batch_id"], "changed_at": first["changed_at"], "actor": first["actor"],
            "source": first["source"], "comment": first["comment"], "count": sum(moves.values()),
            "moves": [move for move in moves if move[0] != move[1]], "changes": changes}


def unit_places(conn: Connection, unit_ids: list[int]) -> dict[int, dict]:
    """Where each of the units is: its building's and its entrance's names."""
    query = (select(Unit.id, Building.name.label("building_name"), Entrance.name.label("entrance_name"))
             .join(Building, Building.id == Unit.building_id).join(Entrance, Entrance.id == Unit.entrance_id)
             .where(Unit.id.in_(unit_ids)))
    return {
        row.id: {"building_name": row.building_name, "entrance_name": row.entrance_name} for row in conn.execute(query)
    }


def unit_labels(conn: Connection, unit_ids: list[int], building_id: int) -> dict[int, str]:
    """Labels of those of the units that belong to a building."""
    query = select(Unit.id, Unit.label).where(Unit.id.in_(unit_ids), Unit.building_id == building_id)
    return dict(conn.execute(query).all())


def statuses_as_of(conn: Connection, building_id: int, day: dt.date,
                   timezone: str = DEFAULT_TIMEZONE) -> dict[int, str]:
    """Each unit's status at the end of a local day, replayed from the history; units without a record yet are
    absent."""
    rows = conn.execute(
        select(UnitChange.unit_id, UnitChange.status_after)
        .where(UnitChange.building_id == building_id, UnitChange.changed_at < day_start(day, timezone, 1))
        .order_by(UnitChange.changed_at, UnitChange.id)
    )
    return dict(rows.all())


def units_changed_between(conn: Connection, building_id: int, first: dt.date, last: dt.date,
                          timezone: str = DEFAULT_TIMEZONE) -> set[int]:
    """Units of a building with any change from the start of one local day to the end of another."""
    return set(conn.execute(select(UnitChange.unit_id).where(
        UnitChange.building_id == building_id, UnitChange.changed_at >= day_start(first, timezone),
        UnitChange.changed_at < day_start(last, timezone, 1))).scalars())


def batch_buildings(conn: Connection, batch_id: str) -> set[int]:
    """The buildings whose units a batch changed."""
    return set(conn.execute(select(UnitChange.building_id).where(UnitChange.batch_id == batch_id).distinct()).scalars())


def changes_since(conn: Connection, seen_versions: dict[int, int]) -> list[dict]:
    """Changes of units made after the versions someone saw, with the unit's label, oldest first."""
    rows = conn.execute(
        select(UnitChange.__table__, Unit.label).join(Unit, Unit.id == UnitChange.unit_id)
        .where(UnitChange.unit_id.in_(seen_versions)).order_by(UnitChange.changed_at, UnitChange.id)
    )
    return [dict(r._mapping) for r in rows if (r.unit_version or 0) > seen_versions[r.unit_id]]


def path_ids(path: str) -> list[int]:
    """Area ids of a materialised path ("/1/2/3/"), top first."""
    return [int(part) for part in path.strip("/").split("/")]


def area(conn: Connection, area_id: int) -> dict | None:
    """One area not retired with its path (for authorisation), or None."""
    row = conn.execute(select(Area.__table__).where(Area.id == area_id, Area.retired_at.is_(None))).first()
    return dict(row._mapping) if row else None


def child_areas(conn: Connection, area_id: int) -> list[dict]:
    """The areas not retired directly under an area, in the order they were made."""
    return _dicts(conn.execute(select(Area.id, Area.kind, Area.name, Area.path)
                               .where(Area.parent_id == area_id, Area.retired_at.is_(None)).order_by(Area.id)))


def top_area(conn: Connection, scope: Sequence[str] | None) -> dict | None:
    """The highest area a user covers: the root for everyone-scoped users, else their shallowest area."""
    query = select(Area.__table__).where(Area.retired_at.is_(None)).order_by(Area.depth, Area.id).limit(1)
    query = query.where(Area.parent_id.is_(None)) if scope is None else query.where(Area.path.in_(scope))
    row = conn.execute(query).first()
    return dict(row._mapping) if row else None


def area_rollups(conn: Connection, area_ids: list[int]) -> dict[int, list[dict]]:
    """Maintained units, residents and staff by status and use for each area's subtree (a few rows per area)."""
    rollups: dict[int, list[dict]] = {area_id: [] for area_id in area_ids}
    rows = conn.execute(select(AreaCount.__table__).where(AreaCount.area_id.in_(area_ids), AreaCount.units != 0))
    for row in rows:
        rollups[row.area_id].append(dict(row._mapping))
    return rollups


def area_daily_deltas(conn: Connection, area_ids: list[int], after: dt.date) -> dict[int, list[dict]]:
    """Maintained net changes per local day and status after a day, for each area (at most days x statuses rows
    each)."""
    found: dict[int, list[dict]] = {area_id: [] for area_id in area_ids}
    rows = conn.execute(
        select(AreaDailyDelta.__table__).where(AreaDailyDelta.area_id.in_(area_ids), AreaDailyDelta.day > after)
    )
    for row in rows:
        found[row.area_id].append(dict(row._mapping))
    return found


EXCEPTION_LIMIT = 50


def area_exceptions(conn: Connection, area_path: str, today: dt.date, waited_days: int,
                    timezone: str = DEFAULT_TIMEZONE) -> dict[str, list[dict]]:
    """What needs people in an area on a local day: units unverified since before the start of a day some days ago,
    quarantines ending today or tomorrow, the buildings with most units in quarantine, and mixed-use units in
    quarantine (labels and buildings only: no personal data)."""
    catalogue = statuses(conn)
    knock = [s["code"] for s in catalogue if s["door_knock"]]
    dated = dated_codes(catalogue)
    since = day_start(today, timezone, -waited_days)
    return {
        "unverified": _units_where(conn, area_path, Unit.status.in_(knock), Unit.status_since < since),
        "ending": _units_where(conn, area_path, Unit.status.in_(dated),
                               Unit.quarantine_end.between(today, today + dt.timedelta(days=1))),
        "mixed": _units_where(conn, area_path, Unit.status.in_(dated), Unit.use == MIXED_USE),
        "buildings": _dicts(conn.execute(
            select(Building.id, Building.name, func.sum(BuildingStatusCount.count).label("units"))
            .join(BuildingStatusCount, BuildingStatusCount.building_id == Building.id)
            .join(Area, Area.id == Building.area_id)
            .where(Area.path.startswith(area_path, autoescape=True), BuildingStatusCount.status.in_(dated),
                   BuildingStatusCount.count > 0)
            .group_by(Building.id, Building.name).order_by(func.sum(BuildingStatusCount.count).desc(), Building.id)
            .limit(10))),
    }


def _units_where(conn: Connection, area_path: str, *conditions) -> list[dict]:
    """Units of an area's subtree meeting conditions, with their building, oldest status first."""
    return _dicts(
        conn.execute(
            select(
                Unit.id,
                Unit.label,
                Unit.status,
                Unit.status_since,
                Unit.quarantine_end,
                Building.id.label("building_id"),
                Building.name.label("building_name"),
            )
            .join(Building, Building.id == Unit.building_id)
            .join(Area, Area.id == Building.area_id)
            .where(Area.path.startswith(area_path, autoescape=True), Unit.retired_at.is_(None), *conditions)
            .order_by(Unit.status_since, Unit.id)
            .limit(EXCEPTION_LIMIT)
        )
    )


def area_status_counts(conn: Connection, area_id: int) -> dict[str, int]:
    """Units by status in an area's whole subtree, from the maintained per-building counts."""
    prefix = conn.execute(select(Area.path).where(Area.id == area_id)).scalar_one()
    query = (
        select(BuildingStatusCount.status, func.sum(BuildingStatusCount.count))
        .join(Building, Building.id == BuildingStatusCount.building_id)
        .join(Area, Area.id == Building.area_id)
        .where(Area.path.startswith(prefix, autoescape=True))
        .group_by(BuildingStatusCount.status)
    )
    return {status: int(total) for status, total in conn.execute(query) if total}


def _escape_like(text: str) -> str:
    """Escape LIKE wildcards so that a search for '50%' finds '50%'."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _dicts(result) -> list[dict]:
    """Rows as plain dicts (zipped with the keys: through each row's mapping takes almost twice as long)."""
    keys = list(result.keys())
    return [dict(zip(keys, row, strict=True)) for row in result]


def units_as_of(units: list[dict], statuses_then: dict[int, str]) -> list[dict]:
    """The units as they stood at a past date: their status then; units not yet recorded are left out."""
    return [{**unit, "status": statuses_then[unit["id"]], "quarantine_end": None}
            for unit in units if unit["id"] in statuses_then]
