"""Areas of the tree kept by administrators: add, rename, move under another area, and retire. Each command
authorises nothing (callers do), validates everything first, writes in the caller's transaction, records every change
and keeps the rollups true."""
from __future__ import annotations

from sqlalchemy import Connection, bindparam, delete, func, insert, select, update

from data import queries, vocabulary
from data.changes import ChangeContext, add_counts
from data.i18n import N_, Text
from data.models import Area, AreaCount, AreaDailyDelta, Building, UserArea
from data.structure import StructureRefused, record

KINDS = tuple(vocabulary.AREA_KINDS)
NAME_LIMIT = Area.name.type.length
PATH_LIMIT = Area.path.type.length
SNAPSHOT = ("name", "kind", "parent_id", "path", "depth")


def live_areas(conn: Connection) -> list[dict]:
    """Every area not retired, in tree order (each after its parent)."""
    rows = conn.execute(select(Area.id, Area.parent_id, Area.kind, Area.name, Area.path, Area.depth)
                        .where(Area.retired_at.is_(None)).order_by(Area.path))
    return [dict(row._mapping) for row in rows]


def resolve(conn: Connection, reference: str) -> int:
    """The id of the live area an id, a materialised path ("/1/2/3/") or a unique name names."""
    reference = reference.strip()
    if reference.isdigit():
        column, value = Area.id, int(reference)
    else:
        column, value = (Area.path, reference) if reference.startswith("/") else (Area.name, reference)
    found = conn.execute(select(Area.id).where(column == value, Area.retired_at.is_(None))).scalars().all()
    if len(found) != 1:
        raise StructureRefused(Text(N_("Area %(area)s matches %(count)s areas: give its number."),
                                    area=reference, count=len(found)))
    return found[0]


def add_area(conn: Connection, ctx: ChangeContext, name: str, parent_id: int | None = None,
             kind: str | None = None) -> int:
    """Add an area under a parent (the first area of an empty tree has none); the kind defaults to the one below the
    parent's. Returns the new area's id."""
    name = _checked_name(name)
    parent = _live(conn, parent_id) if parent_id is not None else _no_root_yet(conn)
    kind = kind or _kind_below(parent)
    _check_kind(kind)
    _check_unique(conn, name, parent_id)
    area_id = conn.execute(insert(Area).values(
        parent_id=parent_id, kind=kind, name=name, path="", depth=parent["depth"] + 1 if parent else 0,
    )).inserted_primary_key[0]
    path = f"{parent['path'] if parent else '/'}{area_id}/"
    _check_path_length(len(path))
    conn.execute(update(Area).where(Area.id == area_id).values(path=path))
    record(conn, ctx, "area.add", "area", area_id, None, _snapshot(conn, area_id))
    return area_id


def rename_area(conn: Connection, ctx: ChangeContext, area_id: int, name: str) -> None:
    """Give an area a new name, unique among its siblings."""
    name = _checked_name(name)
    found = _live(conn, area_id)
    if name == found["name"]:
        raise StructureRefused(Text(N_("The area is already called %(name)s."), name=name))
    _check_unique(conn, name, found["parent_id"])
    conn.execute(update(Area).where(Area.id == area_id).values(name=name))
    record(conn, ctx, "area.rename", "area", area_id, {"name": found["name"]}, {"name": name})


def move_area(conn: Connection, ctx: ChangeContext, area_id: int, parent_id: int) -> None:
    """Put an area, with its whole subtree, under another parent: the paths and depths of the subtree are rewritten
    and the rollups move from the old ancestors to the new ones."""
    found, parent = _live(conn, area_id), _live(conn, parent_id)
    _check_move(found, parent)
    _check_unique(conn, found["name"], parent_id)
    new_path = f"{parent['path']}{area_id}/"
    subtree = _subtree(conn, found["path"])
    _check_path_length(max(len(row["path"]) for row in subtree) - len(found["path"]) + len(new_path))
    _rewrite_paths(conn, subtree, found["path"], new_path, parent["depth"] + 1 - found["depth"])
    conn.execute(update(Area).where(Area.id == area_id).values(parent_id=parent_id))
    _move_rollups(conn, area_id, queries.path_ids(found["path"])[:-1], queries.path_ids(new_path)[:-1])
    record(conn, ctx, "area.move", "area", area_id, {"parent_id": found["parent_id"], "path": found["path"]},
           {"parent_id": parent_id, "path": new_path})


def retire_area(conn: Connection, ctx: ChangeContext, area_id: int) -> str:
    """Retire an area that has buildings, users or earlier areas under it (kept for their history, hidden from area
    lists); delete one that never had any. Returns "retired" or "deleted"."""
    found = _live(conn, area_id)
    if found["parent_id"] is None:
        raise StructureRefused(Text(N_("The top area of the tree cannot be retired.")))
    if _has_live_children(conn, area_id):
        raise StructureRefused(Text(N_("%(name)s still has areas under it: move or retire them first."),
                                    name=found["name"]))
    before = _snapshot(conn, area_id)
    if _in_use(conn, area_id):
        conn.execute(update(Area).where(Area.id == area_id).values(retired_at=ctx.at))
        record(conn, ctx, "area.retire", "area", area_id, before, {"retired_at": ctx.at.isoformat()})
        return "retired"
    for model in (AreaCount, AreaDailyDelta):
        conn.execute(delete(model).where(model.area_id == area_id))
    conn.execute(delete(Area).where(Area.id == area_id))
    record(conn, ctx, "area.delete", "area", area_id, before, None)
    return "deleted"


def _checked_name(name: str | None) -> str:
    """A name without surrounding spaces, neither empty nor too long."""
    name = name.strip() if isinstance(name, str) else ""
    if not name:
        raise StructureRefused(Text(N_("Give the area a name.")))
    if any(ord(character) < 32 or ord(character) == 127 for character in name):
        raise StructureRefused(Text(N_("An area name cannot hold control characters.")))
    if len(name) > NAME_LIMIT:
        raise StructureRefused(Text(N_("An area name has at most %(limit)s characters."), limit=NAME_LIMIT))
    return name


def _check_kind(kind: str) -> None:
    """Refuse a kind that is not one of AREA_KINDS."""
    if not isinstance(kind, str) or kind not in KINDS:
        raise StructureRefused(Text(N_("Unknown kind of area %(kind)s: choose one of %(kinds)s."),
                                    kind=kind, kinds=", ".join(KINDS)))


def _kind_below(parent: dict | None) -> str:
    """The kind that usually lies under a parent's kind (the top kind for the first area)."""
    if parent is None:
        return KINDS[0]
    position = KINDS.index(parent["kind"]) if parent["kind"] in KINDS else len(KINDS) - 1
    return KINDS[min(position + 1, len(KINDS) - 1)]


def _live(conn: Connection, area_id: int | None) -> dict:
    """An area that exists and is not retired."""
    if area_id is None:
        raise StructureRefused(Text(N_("Choose an area first.")))
    row = conn.execute(select(Area.__table__).where(Area.id == area_id, Area.retired_at.is_(None))).first()
    if row is None:
        raise StructureRefused(Text(N_("There is no area %(number)s."), number=area_id))
    return dict(row._mapping)


def _no_root_yet(conn: Connection) -> None:
    """Refuse a second top area: every area but the first belongs somewhere."""
    if conn.execute(select(Area.id).where(Area.parent_id.is_(None), Area.retired_at.is_(None))).first():
        raise StructureRefused(Text(N_("Choose the area the new one belongs to.")))


def _check_unique(conn: Connection, name: str, parent_id: int | None) -> None:
    """Refuse a name that a live sibling already has."""
    clash = conn.execute(select(Area.id).where(
        Area.parent_id.is_(None) if parent_id is None else Area.parent_id == parent_id,
        func.lower(Area.name) == name.lower(), Area.retired_at.is_(None))).first()
    if clash:
        raise StructureRefused(Text(N_("There is already an area called %(name)s there."), name=name))


def _check_path_length(length: int) -> None:
    """Refuse a tree deeper than the path column holds."""
    if length > PATH_LIMIT:
        raise StructureRefused(Text(N_("The tree cannot be that deep.")))


def _check_move(found: dict, parent: dict) -> None:
    """Refuse a move that changes nothing or would make a cycle."""
    if parent["path"].startswith(found["path"]):
        raise StructureRefused(Text(N_("An area cannot be moved under itself or an area under it.")))
    if parent["id"] == found["parent_id"]:
        raise StructureRefused(Text(N_("%(name)s is already there."), name=found["name"]))


def _subtree(conn: Connection, path: str) -> list[dict]:
    """Ids, paths and depths of an area and everything under it, retired areas included."""
    rows = conn.execute(select(Area.id, Area.path, Area.depth).where(Area.path.startswith(path, autoescape=True)))
    return [dict(row._mapping) for row in rows]


def _rewrite_paths(conn: Connection, subtree: list[dict], old: str, new: str, shift: int) -> None:
    """Replace the old path prefix by the new one and shift the depths, for the whole subtree at once."""
    rows = [{"area": row["id"], "new_path": new + row["path"][len(old):], "new_depth": row["depth"] + shift}
            for row in subtree]
    table = Area.__table__
    conn.execute(update(table).where(table.c.id == bindparam("area"))
                 .values(path=bindparam("new_path"), depth=bindparam("new_depth")), rows)


def _move_rollups(conn: Connection, area_id: int, old_ancestors: list[int], new_ancestors: list[int]) -> None:
    """Take the subtree's counts and daily deltas (its top area's rollups) from the ancestors it leaves and add them
    to those it joins; ancestors it keeps are unchanged."""
    leaving = [a for a in old_ancestors if a not in new_ancestors]
    joining = [a for a in new_ancestors if a not in old_ancestors]
    counts = conn.execute(select(AreaCount.status, AreaCount.use, AreaCount.units, AreaCount.residents,
                                 AreaCount.staff).where(AreaCount.area_id == area_id)).all()
    add_counts(conn, AreaCount, ("area_id", "status", "use"), ("units", "residents", "staff"), {
        (ancestor, status, use): [sign * n for n in amounts]
        for ancestors, sign in ((leaving, -1), (joining, 1)) for ancestor in ancestors
        for status, use, *amounts in counts})
    days = conn.execute(select(AreaDailyDelta.day, AreaDailyDelta.status, AreaDailyDelta.delta)
                        .where(AreaDailyDelta.area_id == area_id)).all()
    add_counts(conn, AreaDailyDelta, ("area_id", "day", "status"), ("delta",), {
        (ancestor, day, status): sign * delta
        for ancestors, sign in ((leaving, -1), (joining, 1)) for ancestor in ancestors for day, status, delta in days})


def _has_live_children(conn: Connection, area_id: int) -> bool:
    """True when an area not retired lies directly under this one."""
    return conn.execute(select(Area.id).where(Area.parent_id == area_id, Area.retired_at.is_(None))).first() is not None


def _in_use(conn: Connection, area_id: int) -> bool:
    """True when buildings, users or (retired) areas refer to the area, so that its history needs it."""
    return any(conn.execute(select(column).where(column == area_id).limit(1)).first() is not None
               for column in (Building.area_id, UserArea.area_id, Area.parent_id))


def _snapshot(conn: Connection, area_id: int) -> dict:
    """What the record keeps of an area."""
    row = conn.execute(select(*[getattr(Area, name) for name in SNAPSHOT]).where(Area.id == area_id)).one()
    return dict(row._mapping)
