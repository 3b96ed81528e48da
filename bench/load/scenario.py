"""What the load works on: the demo, the building the staff keep and its (unit, field) pairs dealt out to them, the
sub-district the leaders read, and everyone's account."""
from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select

from bench.load.driver import COUNT_TOPS, SHARED_FIELDS
from data.accounts import create_user
from data.db import make_engine, upgrade
from data.demo import create_demo, first_area
from data.models import Area, Building, Status, Unit, UnitUse
from data.validation import COUNT_FIELDS, OCCUPANT_FIELDS


@dataclass(frozen=True)
class Scenario:
    """What the load works on: the database, the building the staff keep and the (unit, field) pairs they share out,
    the sub-district the leaders read."""

    url: str
    building_id: int
    units: int
    pairs: list[tuple[int, str]]
    subdistrict_id: int
    buildings: list[int]
    staff: list[tuple[str, str]]
    leaders: list[tuple[str, str]]


def seed(url: str, staff: int, leaders: int, units: int | None = None) -> Scenario:
    """Migrate, fill with the demo, and add staff of the first building's workstation and leaders of its sub-district;
    the staff share `units` units of that building (all by default)."""
    engine = make_engine(url)
    upgrade(engine)
    create_demo(engine)
    with engine.begin() as conn:
        subdistrict = first_area(conn, "subdistrict")
        building = conn.execute(select(Building.id, Building.area_id).order_by(Building.id).limit(1)
                                .where(Building.area_id == first_area(conn, "workstation"))).one()
        shared = spread(_units_of(conn, building.id), units)
        scenario = Scenario(
            url, building.id, len(shared), shared_pairs(shared), subdistrict, _buildings_under(conn, subdistrict),
            _accounts(conn, "staff", staff, [building.area_id]), _accounts(conn, "leader", leaders, [subdistrict]),
        )
    engine.dispose()
    return scenario


def _units_of(conn, building_id: int) -> list[dict]:
    """A building's units by id, each with whether its status is unoccupied and the head counts its use allows."""
    query = (select(Unit.id, Status.unoccupied, UnitUse.max_residents, UnitUse.max_staff)
             .join(Status, Status.code == Unit.status).join(UnitUse, UnitUse.code == Unit.use)
             .where(Unit.building_id == building_id).order_by(Unit.id))
    return [dict(row._mapping) for row in conn.execute(query)]


def spread(units: list, count: int | None) -> list:
    """`count` items spread evenly over a list (all of them when None or too many)."""
    if count is None or count >= len(units):
        return units
    return units[::len(units) // count][:count]


def shared_pairs(units: list[dict]) -> list[tuple[int, str]]:
    """Every (unit, field) pair the staff may change on its own, unit by unit, so that neighbours in the list share
    units."""
    return [(unit["id"], name) for unit in units for name in SHARED_FIELDS if _accepts(unit, name)]


def _accepts(unit: dict, name: str) -> bool:
    """Whether a unit takes any value the load writes in this field, whatever its other fields: nobody goes into an
    unoccupied unit, and a head count only goes where the unit's use allows it."""
    if name in OCCUPANT_FIELDS and unit["unoccupied"]:
        return False
    return name not in COUNT_TOPS or unit[COUNT_FIELDS[name]] >= COUNT_TOPS[name]


def deal(pairs: list[tuple[int, str]], staff: int) -> list[list[tuple[int, str]]]:
    """The pairs dealt round to the staff: each pair to exactly one of them, neighbours (the same unit) to different
    ones."""
    hands = [pairs[n::staff] for n in range(staff)]
    if not all(hands):
        raise SystemExit(f"{staff} staff but only {len(pairs)} (unit, field) pairs to share: fewer staff or more "
                         "--units")
    return hands


def seats(scenario: Scenario, staff: int, leaders: int) -> list[dict]:
    """Who each locust user is, staff first: its account, the address its proxy reports, its random seed and, for
    staff, the (unit, field) pairs it owns."""
    hands = deal(scenario.pairs, staff) if staff else []
    return ([_seat(scenario.staff[n], f"10.1.{n // 250}.{n % 250 + 1}", n, hands[n]) for n in range(staff)]
            + [_seat(scenario.leaders[n], f"10.2.{n // 250}.{n % 250 + 1}", 10_000 + n, []) for n in range(leaders)])


def _seat(account: tuple[str, str], address: str, seed_number: int, owned: list[tuple[int, str]]) -> dict:
    """One user's seat, as JSON."""
    return {"account": list(account), "address": address, "seed": seed_number, "owned": [list(pair) for pair in owned]}


def _buildings_under(conn, area_id: int) -> list[int]:
    """The buildings in an area's subtree."""
    path = conn.execute(select(Area.path).where(Area.id == area_id)).scalar_one()
    return conn.execute(select(Building.id).join(Area, Area.id == Building.area_id)
                        .where(Area.path.startswith(path)).order_by(Building.id)).scalars().all()


def _accounts(conn, role: str, count: int, area_ids: list[int]) -> list[tuple[str, str]]:
    """New accounts of a role over some areas, each with its own random password."""
    made = [(f"load-{role}-{n:03}", secrets.token_urlsafe(16)) for n in range(1, count + 1)]
    for name, password in made:
        create_user(conn, name, password, role, area_ids)
    return made
