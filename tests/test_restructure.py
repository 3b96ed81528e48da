"""Changing a building's structure after creation (both databases): renaming a unit, moving a building; each change
recorded, refusals change nothing, rollups stay true."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from data.accounts import SYSTEM
from data.changes import ChangeContext
from data.db import writing
from data.models import AreaCount, Building, StructureChange, Unit
from data.restructure import move_building, rename_unit
from data.structure import StructureRefused
from tests.references import rollups_match

CTX = ChangeContext(SYSTEM, request_id="req-1")


def _unit(conn, **where) -> Unit:
    """The first unit matching some columns."""
    query = select(Unit.id, Unit.label, Unit.entrance_id, Unit.building_id).order_by(Unit.id)
    return conn.execute(query.filter_by(**where)).first()


def _records(conn) -> list[tuple]:
    """The structure changes recorded so far: action, subject id, before, after, actor, request."""
    rows = conn.execute(select(StructureChange.__table__).order_by(StructureChange.id)).all()
    return [(r.action, r.subject_id, r.data_before, r.data_after, r.actor, r.request_id) for r in rows]


def test_a_unit_is_renamed_and_the_change_recorded(demo_engine):
    with writing(demo_engine) as conn:
        unit = _unit(conn, building_id=1)
        revision = conn.execute(select(Building.revision).where(Building.id == 1)).scalar()
        rename_unit(conn, CTX, unit.id, "  501A ")
    with demo_engine.connect() as conn:
        assert _unit(conn, id=unit.id).label == "501A"
        assert conn.execute(select(Building.revision).where(Building.id == 1)).scalar() == revision + 1
        assert _records(conn) == [("unit.rename", str(unit.id), {"label": unit.label}, {"label": "501A"}, "system",
                                   "req-1")]


@pytest.mark.parametrize("label", ["", "   ", "x" * 33, None])
def test_a_bad_label_is_refused_and_changes_nothing(demo_engine, label):
    with demo_engine.connect() as conn:
        unit = _unit(conn, building_id=1)
    with pytest.raises(StructureRefused), writing(demo_engine) as conn:
        rename_unit(conn, CTX, unit.id, label)
    with demo_engine.connect() as conn:
        assert _unit(conn, id=unit.id).label == unit.label and _records(conn) == []


def test_a_label_taken_in_the_same_entrance_is_refused_but_not_one_of_another_entrance(demo_engine):
    with demo_engine.connect() as conn:
        first, second = conn.execute(select(Unit.id, Unit.label, Unit.entrance_id).where(Unit.building_id == 1)
                                     .order_by(Unit.entrance_id, Unit.id).limit(2)).all()
        other = conn.execute(select(Unit.id).where(Unit.building_id == 1, Unit.entrance_id != first.entrance_id)
                             .order_by(Unit.id)).scalar()
    assert first.entrance_id == second.entrance_id
    with pytest.raises(StructureRefused) as refused, writing(demo_engine) as conn:
        rename_unit(conn, CTX, second.id, first.label)
    assert first.label in str(refused.value)
    with writing(demo_engine) as conn:
        rename_unit(conn, CTX, other, first.label)
        rename_unit(conn, CTX, first.id, first.label)
    with demo_engine.connect() as conn:
        assert _unit(conn, id=other).label == first.label and len(_records(conn)) == 2


def test_a_missing_unit_is_refused(demo_engine):
    with pytest.raises(StructureRefused), writing(demo_engine) as conn:
        rename_unit(conn, CTX, 10**9, "1")


def test_a_moved_building_takes_its_counts_to_the_new_area_and_rollups_stay_true(demo_engine):
    with demo_engine.connect() as conn:
        old, units = conn.execute(select(Building.area_id, func.count(Unit.id)).join(Unit, Unit.building_id ==
                                                                                   Building.id)
                                  .where(Building.id == 1).group_by(Building.area_id)).one()
        new = conn.execute(select(Building.area_id).where(Building.area_id != old).order_by(Building.id)).scalar()
        before = _area_units(conn)
    with writing(demo_engine) as conn:
        move_building(conn, CTX, 1, new)
    with demo_engine.connect() as conn:
        after = _area_units(conn)
        assert (after[old], after[new]) == (before[old] - units, before[new] + units)
        assert rollups_match(conn)
        assert _records(conn) == [("building.move", "1", {"area_id": old}, {"area_id": new}, "system", "req-1")]


@pytest.mark.parametrize("area_id", [10**6])
def test_a_move_to_no_area_is_refused_and_changes_nothing(demo_engine, area_id):
    with pytest.raises(StructureRefused), writing(demo_engine) as conn:
        move_building(conn, CTX, 1, area_id)
    with pytest.raises(StructureRefused), writing(demo_engine) as conn:
        move_building(conn, CTX, 10**6, 1)
    with demo_engine.connect() as conn:
        assert _records(conn) == []


def _area_units(conn) -> dict[int, int]:
    """Units per area (its whole subtree), as maintained."""
    rows = conn.execute(select(AreaCount.area_id, func.sum(AreaCount.units)).group_by(AreaCount.area_id)).all()
    return dict(rows)
