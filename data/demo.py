"""A deterministic demo sub-district (Lugu, 2020) with weeks of history; scales to millions of units."""
from __future__ import annotations

import datetime as dt
import json
import random
import secrets
import uuid
from dataclasses import dataclass, field

from sqlalchemy import Engine, delete, func, insert, select

from data import accounts
from data.bulk import load_rows, reset_sequences
from data.changes import recount
from data.days import DEFAULT_TIMEZONE, local_day
from data.models import (
    Area,
    AreaCount,
    AreaDailyDelta,
    Building,
    BuildingStatusCount,
    Entrance,
    Floor,
    PersonalDataView,
    Unit,
    UnitChange,
    UserArea,
)

HISTORY_DAYS = 28
BUILDINGS_PER_SUBDISTRICT = 33
BUILDINGS_PER_WORKSTATION = 9
SUBDISTRICTS_PER_DISTRICT = 40
CHUNK_BUILDINGS = 200
SKIPPED_LABELS = {"4", "13", "14"}
QUARANTINE_DAYS = 14
# Working hours, 09:00 to 18:00 in Beijing, as the UTC times that history rows store.
WORK_START, WORK_MINUTES = dt.time(1), 9 * 60

STEMS = ["鲁谷大厦", "京西商务中心", "中铁建设大厦", "融科创意中心", "长安天街", "首钢园", "万达广场", "新华国际",
         "石景山商务楼", "衙门口大厦", "五芳园", "重聚园", "永乐小区", "阜石路大厦"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
FIRM_WORDS = ["科技", "文化传媒", "建筑设计", "餐饮管理", "贸易", "信息咨询", "教育科技", "物业服务", "医药", "广告"]
STAFF = ["王芳", "李娜", "张伟", "刘洋", "陈静", "杨磊", "赵敏", "周强"]
WORKSTATIONS = ["第一楼宇工作站", "第二楼宇工作站", "第三楼宇工作站", "第四楼宇工作站"]

INITIAL = {
    "home": {"healthy": 62, "unverified": 25, "vacant": 8, "quarantined": 5},
    "firm": {"not_reopened": 55, "unverified": 30, "vacant": 10, "reopened": 5},
    "mixed": {"healthy": 30, "not_reopened": 30, "unverified": 30, "quarantined": 10},
}
UNIT_COLUMNS = ("id", "building_id", "entrance_id", "floor_id", "position", "label", "use", "occupant_name",
                "residents", "staff", "contact_phone", "status", "status_since", "quarantine_start", "quarantine_end",
                "note", "version", "verified_at", "verified_by", "verified_source")
CHANGE_COLUMNS = ("id", "unit_id", "building_id", "changed_at", "actor", "source", "batch_id",
                  "status_before", "status_after", "unit_version", "data_before", "data_after")


@dataclass
class Ids:
    """Next free id per table, so that rows can be bulk-loaded with explicit keys."""

    area: int = 1
    building: int = 1
    entrance: int = 1
    floor: int = 1
    unit: int = 1
    change: int = 1

    def take(self, name: str) -> int:
        """Return the next id of a table and advance it."""
        value = getattr(self, name)
        setattr(self, name, value + 1)
        return value


@dataclass
class Chunk:
    """Rows of some buildings, loaded together."""

    buildings: list[tuple] = field(default_factory=list)
    entrances: list[tuple] = field(default_factory=list)
    floors: list[tuple] = field(default_factory=list)
    units: list[tuple] = field(default_factory=list)
    changes: list[tuple] = field(default_factory=list)


@dataclass(frozen=True)
class Clock:
    """The demo's last day and the moment (UTC) it is made: nothing is recorded after that moment."""

    today: dt.date
    now: dt.datetime

    @property
    def start(self) -> dt.datetime:
        """The first working minute of the history's first day."""
        return dt.datetime.combine(self.today - dt.timedelta(days=HISTORY_DAYS - 1), WORK_START)

    def at(self, day: int, minute: int) -> dt.datetime:
        """A working minute of a day of the history; a day not yet over has its hours squeezed into the part past."""
        opens = self.start + dt.timedelta(days=day)
        closes = min(opens + dt.timedelta(minutes=WORK_MINUTES), self.now)
        # Made before the day's working hours: its events go in the hour before now, still after the day before's.
        opens = min(opens, closes - dt.timedelta(hours=1))
        return opens + (closes - opens) * minute / WORK_MINUTES


@dataclass(frozen=True)
class DemoReport:
    """What the demo created."""

    areas: int
    buildings: int
    units: int
    changes: int


def has_data(engine: Engine) -> bool:
    """True when the database already holds buildings."""
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(Building)).scalar_one() > 0


def clear(engine: Engine) -> None:
    """Delete every area, building and unit (the status catalogue and the users stay, without their areas)."""
    with engine.begin() as conn:
        for model in (
            PersonalDataView,
            UnitChange,
            BuildingStatusCount,
            AreaCount,
            AreaDailyDelta,
            Unit,
            Floor,
            Entrance,
            Building,
            UserArea,
            Area,
        ):
            conn.execute(delete(model))


def create_demo(engine: Engine, units: int | None = None, today: dt.date | None = None,
                now: dt.datetime | None = None) -> DemoReport:
    """Create the demo sub-district (33 buildings), or as many buildings as make at least `units` units, with a
    history that ends on `today` (default: the day of `now` in Beijing, whose working hours the history keeps) and
    never after `now` (UTC; default: this moment)."""
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    clock = Clock(today or local_day(now, DEFAULT_TIMEZONE), now)
    ids = Ids()
    areas = AreaMaker(ids)
    with engine.begin() as conn:
        chunk, index = Chunk(), 0
        while (index < BUILDINGS_PER_SUBDISTRICT) if units is None else (ids.unit - 1 < units):
            _add_building(chunk, ids, index, areas.workstation_for(index), clock)
            index += 1
            if len(chunk.buildings) == CHUNK_BUILDINGS:
                _load(conn, chunk, areas)
                chunk = Chunk()
        _load(conn, chunk, areas)
        recount(conn)
        reset_sequences(conn, [m.__table__ for m in (Area, Building, Entrance, Floor, Unit, UnitChange)])
    return DemoReport(ids.area - 1, index, ids.unit - 1, ids.change - 1)


DEMO_USERS = (("demo-admin", "admin", None), ("demo-staff", "staff", "workstation"),
              ("demo-leader", "leader", "subdistrict"), ("demo-viewer", "viewer", "subdistrict"))


def create_demo_users(engine: Engine) -> list[tuple[str, str, str]]:
    """One user per role over the first sub-district (staff: its first workstation); new random passwords."""
    made = []
    with engine.begin() as conn:
        for username, role, area_kind in DEMO_USERS:
            area_ids = [first_area(conn, area_kind)] if area_kind else []
            password = secrets.token_urlsafe(12)
            if accounts.user_exists(conn, username):
                accounts.set_password(conn, username, password)
                accounts.set_areas(conn, username, area_ids)
            else:
                accounts.create_user(conn, username, password, role, area_ids)
            made.append((username, role, password))
    return made


def first_area(conn, kind: str) -> int:
    """The oldest area of a kind."""
    return conn.execute(select(Area.id).where(Area.kind == kind).order_by(Area.id).limit(1)).scalar_one()


class AreaMaker:
    """Creates the city > district > sub-district > workstation areas as buildings need them."""

    def __init__(self, ids: Ids):
        self.ids, self.rows, self.known = ids, [], {}

    def workstation_for(self, index: int) -> int:
        """The id of the workstation of the index-th building, creating its ancestors on first use."""
        sub_index, in_sub = divmod(index, BUILDINGS_PER_SUBDISTRICT)
        district, sub = divmod(sub_index, SUBDISTRICTS_PER_DISTRICT)
        keys = [("city",), ("district", district), ("subdistrict", district, sub),
                ("workstation", district, sub, in_sub // BUILDINGS_PER_WORKSTATION)]
        parent, path = None, "/"
        for key in keys:
            if key not in self.known:
                self.known[key] = self._add(parent, path, key)
            parent = self.known[key]
            path = f"{path}{parent}/"
        return parent

    def _add(self, parent: int | None, parent_path: str, key: tuple) -> int:
        """Append one area row and return its id."""
        area_id = self.ids.take("area")
        self.rows.append((area_id, parent, key[0], _area_name(key), f"{parent_path}{area_id}/", len(key) - 1))
        return area_id


def _area_name(key: tuple) -> str:
    """A readable name: the real Lugu names for the first sub-district, numbered ones after."""
    kind, numbers = key[0], key[1:]
    if kind == "city":
        return "北京市"
    if kind == "district":
        return "石景山区" if numbers == (0,) else f"示范区{numbers[0] + 1}"
    if kind == "subdistrict":
        return "鲁谷街道" if numbers == (0, 0) else f"第{numbers[1] + 1}街道"
    return WORKSTATIONS[numbers[2]]


def _add_building(chunk: Chunk, ids: Ids, index: int, area_id: int, clock: Clock) -> None:
    """Add one building, its entrances, floors, units and their history to the chunk."""
    rng = random.Random(f"lugu-demo:{index}")
    mixed = index % 3 == 0
    building_id = ids.take("building")
    stem = STEMS[index % len(STEMS)]
    chunk.buildings.append((building_id, area_id, f"{stem}{index // len(STEMS) + 1}号楼",
                            f"鲁谷路{index * 2 + 1}号", "mixed" if mixed else "commercial", 0))
    plan = _mixed_plan(rng) if mixed else _commercial_plan(rng)
    skip_labels = rng.random() < 0.4
    for position, (entrance_name, levels) in enumerate(plan):
        entrance_id = ids.take("entrance")
        chunk.entrances.append((entrance_id, building_id, entrance_name, position))
        for level, width, use in levels:
            _add_floor(chunk, ids, rng, (building_id, entrance_id), level, width, use, skip_labels, clock)


def _commercial_plan(rng: random.Random) -> list[tuple[str, list[tuple[int, int, str]]]]:
    """An office building: 1–2 towers over 0–2 basements, 4–6 firms a floor."""
    basements = rng.randint(0, 2)
    towers = 2 if rng.random() < 0.2 else 1
    height = rng.randint(5, 14) // towers + 2
    width = rng.randint(4, 6)
    return [
        (
            f"{'AB'[t]}座" if towers > 1 else "主楼",
            [(-b, 2, "firm") for b in range(basements, 0, -1)]
            + [(level, width, "firm") for level in range(1, height + 1)],
        )
        for t in range(towers)
    ]


def _mixed_plan(rng: random.Random) -> list[tuple[str, list[tuple[int, int, str]]]]:
    """A commercial-residential building: a shop podium beside 2–3 residential entrances."""
    podium = rng.randint(1, 3)
    height = rng.randint(8, 14)
    homes = [(f"{n}单元", [(level, rng.choice((2, 3, 4)), "home") for level in range(podium + 1, podium + height + 1)])
             for n in range(1, rng.choice((2, 3)) + 1)]
    return [("商业裙楼", [(level, rng.randint(6, 8), "firm") for level in range(1, podium + 1)])] + homes


def _floor_label(level: int, skip_labels: bool) -> str:
    """The label people use for a level: B1 below ground; 4, 13 and 14 skipped in some buildings."""
    if level < 1:
        return f"B{-level}"
    if not skip_labels:
        return str(level)
    label, number = 0, 0
    while number < level:
        label += 1
        if str(label) not in SKIPPED_LABELS:
            number += 1
    return str(label)


def _add_floor(chunk: Chunk, ids: Ids, rng: random.Random, where: tuple[int, int], level: int, width: int,
               use: str, skip_labels: bool, clock: Clock) -> None:
    """Add a floor and its units, with each unit's history."""
    building_id, entrance_id = where
    floor_id = ids.take("floor")
    label = _floor_label(level, skip_labels)
    chunk.floors.append((floor_id, entrance_id, label, level))
    for position in range(width):
        unit_use = "mixed" if use == "home" and rng.random() < 0.05 else use
        unit_id = ids.take("unit")
        events = _history(rng, unit_use, clock)
        chunk.units.append(_unit_row(rng, (unit_id, building_id, entrance_id, floor_id, position),
                                     f"{label}{position + 1:02d}", unit_use, events))
        chunk.changes.extend(_change_rows(ids, rng, unit_id, building_id, events))


def _history(rng: random.Random, use: str, clock: Clock) -> list[dict]:
    """A plausible sequence of status events: ledger import, door knock, reopening, quarantine and its end."""
    events: list[dict] = []
    _add_event(events, rng, clock, 0, _draw(rng, INITIAL[use]), "import")
    if events[-1]["status"] == "unverified" and rng.random() < 0.85:
        _add_event(events, rng, clock, rng.randint(1, 20), _draw(rng, _verified(use)))
    last = events[-1]
    if last["status"] == "not_reopened" and rng.random() < 0.6:
        _add_event(events, rng, clock, rng.randint(last["day"] + 1, HISTORY_DAYS - 1), "reopened")
    elif last["status"] == "healthy" and rng.random() < 0.07:
        _add_event(events, rng, clock, rng.randint(last["day"] + 1, HISTORY_DAYS - 1), "quarantined")
    _end_quarantine(events, rng, clock)
    return events


def _verified(use: str) -> dict[str, int]:
    """The initial distribution without 'unverified'."""
    return {status: weight for status, weight in INITIAL[use].items() if status != "unverified"}


def _draw(rng: random.Random, weights: dict[str, int]) -> str:
    """Draw a status by weight."""
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _add_event(events: list[dict], rng: random.Random, clock: Clock, day: int, status: str,
               source: str = "manual") -> None:
    """Append a status event at a working hour of a day; a quarantine gets its 14 days."""
    at = clock.at(day, rng.randint(0, WORK_MINUTES))
    actor = "台账导入" if source == "import" else rng.choice(STAFF)
    event = {"day": day, "at": at, "status": status, "source": source, "actor": actor}
    if status == "quarantined":
        begin = clock.start.date() + dt.timedelta(days=day - (rng.randint(0, 10) if source == "import" else 0))
        event["quarantine"] = (begin, begin + dt.timedelta(days=QUARANTINE_DAYS))
    events.append(event)


def _end_quarantine(events: list[dict], rng: random.Random, clock: Clock) -> None:
    """A quarantine that ended before today returns the household to healthy on its end day."""
    last = events[-1]
    if last["status"] != "quarantined":
        return
    end_day = (last["quarantine"][1] - clock.start.date()).days
    if last["day"] < end_day < HISTORY_DAYS:
        _add_event(events, rng, clock, end_day, "healthy")


def _unit_row(rng: random.Random, keys: tuple, label: str, use: str, events: list[dict]) -> tuple:
    """The unit's current state: its last event, with an occupant unless vacant."""
    last = events[-1]
    unknown = last["status"] == "vacant" or (last["status"] == "unverified" and rng.random() < 0.5)
    name, residents, staff, phone = ("", 0, 0, "") if unknown else _occupant(rng, use)
    begin, end = last.get("quarantine", (None, None))
    verified = [e for e in events if e["status"] != "unverified"]
    verified_at, verified_by, source = (
        (verified[-1]["at"], verified[-1]["actor"], verified[-1]["source"])
        if verified else (None, None, None))
    return (*keys, label, use, name, residents, staff, phone, last["status"], last["at"], begin, end, "", len(events),
            verified_at, verified_by, source)


def _occupant(rng: random.Random, use: str) -> tuple[str, int, int, str]:
    """A household's or firm's name, residents, staff and phone number."""
    person = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.randint(1, 2)))
    phone = f"1{rng.choice('3589')}{rng.randint(0, 9)}{rng.randint(0, 99_999_999):08d}"
    if use == "home":
        return person, rng.randint(1, 5), 0, phone
    firm = f"北京{rng.choice(STEMS)[:2]}{rng.choice(FIRM_WORDS)}有限公司"
    staff = rng.randint(2, 60)
    return (firm, 0, staff, phone) if use == "firm" else (f"{person} / {firm}", rng.randint(1, 4), staff, phone)


def _change_rows(ids: Ids, rng: random.Random, unit_id: int, building_id: int, events: list[dict]) -> list[tuple]:
    """Change rows for a unit's events, shaped as the change command writes them (dates move with dated statuses)."""
    rows, before = [], {}
    for version, event in enumerate(events, start=1):
        start, end = (d.isoformat() for d in event["quarantine"]) if "quarantine" in event else (None, None)
        after = {"status": event["status"], "quarantine_start": start, "quarantine_end": end}
        changed = {name: value for name, value in after.items() if before.get(name) != value}
        batch = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        rows.append((ids.take("change"), unit_id, building_id, event["at"], event["actor"], event["source"], batch,
                     before.get("status"), event["status"], version,
                     json.dumps({name: before.get(name) for name in changed} if before else {}),
                     json.dumps(changed, ensure_ascii=False)))
        before = after
    return rows


def _load(conn, chunk: Chunk, areas: AreaMaker) -> None:
    """Load the areas not loaded yet, then the chunk's rows, parents first."""
    load_rows(conn, Area.__table__, ("id", "parent_id", "kind", "name", "path", "depth"), areas.rows)
    areas.rows.clear()
    load_rows(conn, Building.__table__, ("id", "area_id", "name", "address", "use", "revision"), chunk.buildings)
    load_rows(conn, Entrance.__table__, ("id", "building_id", "name", "position"), chunk.entrances)
    load_rows(conn, Floor.__table__, ("id", "entrance_id", "label", "level"), chunk.floors)
    load_rows(conn, Unit.__table__, UNIT_COLUMNS, chunk.units)
    load_rows(conn, UnitChange.__table__, CHANGE_COLUMNS, chunk.changes)


def add_tower(engine: Engine, area_id: int, floors: int, width: int, status: str = "healthy") -> int:
    """Add a one-entrance tower of floors x width homes, all with one status (for scale tests); returns its id."""
    since = dt.datetime(2020, 3, 1, 9)
    with engine.begin() as conn:
        building_id = conn.execute(insert(Building).values(area_id=area_id, name=f"Tower {floors}x{width}", address="",
                                                           use="residential", revision=0)).inserted_primary_key[0]
        entrance_id = conn.execute(
            insert(Entrance).values(building_id=building_id, name="1单元", position=0)
        ).inserted_primary_key[0]
        for level in range(1, floors + 1):
            floor_id = conn.execute(
                insert(Floor).values(entrance_id=entrance_id, label=str(level), level=level)
            ).inserted_primary_key[0]
            conn.execute(insert(Unit), [
                {"building_id": building_id, "entrance_id": entrance_id, "floor_id": floor_id, "position": p,
                 "label": f"{level}{p + 1:02d}", "use": "home", "occupant_name": "", "residents": 2,
                 "contact_phone": "", "status": status, "status_since": since, "note": "", "version": 1}
                for p in range(width)])
        recount(conn)
    return building_id
