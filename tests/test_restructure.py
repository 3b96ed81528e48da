"""Changing a building's structure after creation (both databases): renaming, retiring, merging and splitting units,
adding and removing floors, moving a building; each change recorded, refusals change nothing, rollups stay true."""
from __future__ import annotations

import datetime as dt
from itertools import accumulate

import pytest
from sqlalchemy import func, select

from data import queries
from data.accounts import SYSTEM
from data.changes import ChangeContext, UnitEdit, UnknownUnit, apply_edits, recount
from data.db import writing
from data.models import AreaCount, AreaDailyDelta, Building, Floor, StructureChange, Unit, UnitChange
from data.restructure import (
    add_floor,
    merge_units,
    move_building,
    remove_floor,
    rename_unit,
    retire_unit,
    split_unit,
)
from data.structure import StructureRefused
from layouts import grid
from tests.references import maintained, rollups_match

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


def _grid_unit_ids(conn, building_id: int) -> list[int]:
    """The unit ids the building's grid payload draws, as the building page builds it."""
    entrances, floors = queries.building_layout(conn, building_id)
    payload = grid.grid_payload(queries.building(conn, building_id), queries.statuses(conn), queries.unit_uses(conn),
                                entrances, floors, queries.building_units(conn, building_id), dt.date(2020, 3, 1))
    return list(accumulate(payload["cells"]["unit"], initial=payload["base"]))[1:]


def _snapshot(conn) -> tuple:
    """Everything a structural command may change: units, floors, history, rollups, revisions, records."""
    return (conn.execute(select(Unit.__table__).order_by(Unit.id)).all(),
            conn.execute(select(Floor.__table__).order_by(Floor.id)).all(),
            conn.execute(select(func.count()).select_from(UnitChange)).scalar(), maintained(conn),
            conn.execute(select(Building.id, Building.revision).order_by(Building.id)).all(), _records(conn))


def _floor_units(conn, floor_id: int) -> list[tuple]:
    """The active units of a floor, left to right, as (position, id, label, status)."""
    return [tuple(row) for row in conn.execute(
        select(Unit.position, Unit.id, Unit.label, Unit.status)
        .where(Unit.floor_id == floor_id, Unit.retired_at.is_(None)).order_by(Unit.position))]


def _busy_floor(conn) -> int:
    """A floor of building 1 with at least four units."""
    return conn.execute(select(Unit.floor_id).where(Unit.building_id == 1).group_by(Unit.floor_id)
                        .having(func.count() >= 4).order_by(Unit.floor_id)).scalars().first()


def _recount_changes_nothing(engine) -> bool:
    """A full recount from the units and the history gives the rollups as the commands kept them."""
    with engine.connect() as conn:
        kept = maintained(conn)
    with writing(engine) as conn:
        recount(conn, CTX.timezone)
    with engine.connect() as conn:
        return maintained(conn) == kept


def test_a_unit_with_history_is_retired_kept_out_of_the_grid_the_counts_and_editing(demo_engine):
    # 2026-12-03 17:30 UTC is already 12-04 in Beijing: the status leaves the counts on the local day.
    ctx = ChangeContext(SYSTEM, request_id="req-1", at=dt.datetime(2026, 12, 3, 17, 30))
    with demo_engine.connect() as conn:
        unit_id, history = conn.execute(select(UnitChange.unit_id, func.count()).where(UnitChange.building_id == 1)
                                        .group_by(UnitChange.unit_id).order_by(func.count().desc(),
                                                                               UnitChange.unit_id)).first()
        unit = queries.unit(conn, unit_id)
        counts = queries.status_counts(conn, [1])[1]
        revision = queries.building(conn, 1)["revision"]
        assert history > 1 and unit_id in _grid_unit_ids(conn, 1)
    with writing(demo_engine) as conn:
        retire_unit(conn, ctx, unit_id)
    with demo_engine.connect() as conn:
        row = conn.execute(select(Unit.retired_at, Unit.label).where(Unit.id == unit_id)).one()
        assert row == (ctx.at, unit["label"])
        last = conn.execute(select(UnitChange.status_before, UnitChange.status_after).where(UnitChange.unit_id ==
                                                                                           unit_id)
                            .order_by(UnitChange.id.desc())).first()
        assert tuple(last) == (unit["status"], None)
        assert conn.execute(select(func.count()).where(UnitChange.unit_id == unit_id)).scalar() == history + 1
        assert unit_id not in _grid_unit_ids(conn, 1) and queries.unit(conn, unit_id) is None
        assert queries.status_counts(conn, [1])[1].get(unit["status"], 0) == counts[unit["status"]] - 1
        assert conn.execute(select(func.sum(AreaDailyDelta.delta)).where(
            AreaDailyDelta.day == dt.date(2026, 12, 4), AreaDailyDelta.status == unit["status"],
            AreaDailyDelta.area_id == 1)).scalar() == -1
        assert queries.building(conn, 1)["revision"] == revision + 1
        assert rollups_match(conn)
        assert _records(conn)[0][:2] == ("unit.retire", str(unit_id))
    with pytest.raises(UnknownUnit), writing(demo_engine) as conn:
        apply_edits(conn, [UnitEdit(unit_id, {"note": "x"})], CTX)
    assert _recount_changes_nothing(demo_engine)


def test_a_retired_unit_cannot_be_retired_renamed_merged_or_split_again(demo_engine):
    with writing(demo_engine) as conn:
        floor_id = _busy_floor(conn)
        (_p, first, *_), (_q, second, *_) = _floor_units(conn, floor_id)[:2]
        retire_unit(conn, CTX, first)
    with demo_engine.connect() as conn:
        before = _snapshot(conn)
    for command in (lambda c: retire_unit(c, CTX, first), lambda c: rename_unit(c, CTX, first, "9"),
                    lambda c: merge_units(c, CTX, second, first), lambda c: split_unit(c, CTX, first, ["a", "b"])):
        with pytest.raises(StructureRefused), writing(demo_engine) as conn:
            command(conn)
    with demo_engine.connect() as conn:
        assert _snapshot(conn) == before


def test_two_neighbours_are_merged_and_the_counts_stay_true(demo_engine):
    with demo_engine.connect() as conn:
        floor_id = _busy_floor(conn)
        units = _floor_units(conn, floor_id)
        area_units = _area_units(conn)
    keep, other = units[0][1], units[1][1]
    with writing(demo_engine) as conn:
        merge_units(conn, CTX, keep, other, "501-502")
    with demo_engine.connect() as conn:
        after = _floor_units(conn, floor_id)
        assert [(position, unit_id) for position, unit_id, *_ in after] == \
            list(enumerate(unit[1] for unit in units if unit[1] != other))
        assert after[0][2] == "501-502" and other not in _grid_unit_ids(conn, 1)
        assert {area: n - _area_units(conn)[area] for area, n in area_units.items()} == \
            {area: 1 if area in _areas_of_building(conn, 1) else 0 for area in area_units}
        assert rollups_match(conn)
        assert _records(conn)[0][:2] == ("unit.merge", str(keep))
    assert _recount_changes_nothing(demo_engine)


def test_units_that_are_not_neighbours_are_not_merged_and_nothing_changes(demo_engine):
    with demo_engine.connect() as conn:
        floor_id = _busy_floor(conn)
        units = _floor_units(conn, floor_id)
        elsewhere = conn.execute(select(Unit.id).where(Unit.floor_id != floor_id).order_by(Unit.id)).scalar()
        before = _snapshot(conn)
    for keep, other, label in ((units[0][1], units[2][1], None), (units[0][1], elsewhere, None),
                               (units[0][1], units[0][1], None), (units[0][1], units[1][1], units[3][2]),
                               (units[0][1], units[1][1], "")):
        with pytest.raises(StructureRefused), writing(demo_engine) as conn:
            merge_units(conn, CTX, keep, other, label)
    with demo_engine.connect() as conn:
        assert _snapshot(conn) == before


def test_a_unit_is_split_into_new_unverified_units_and_the_counts_stay_true(demo_engine):
    with demo_engine.connect() as conn:
        floor_id = _busy_floor(conn)
        units = _floor_units(conn, floor_id)
        unverified = queries.status_counts(conn, [1])[1].get("unverified", 0)
    _position, unit_id, label, status = units[1]
    with writing(demo_engine) as conn:
        new_ids = split_unit(conn, CTX, unit_id, [label, "502A", "502B"])
    with demo_engine.connect() as conn:
        after = _floor_units(conn, floor_id)
        assert [row[1] for row in after] == [units[0][1], unit_id, *new_ids, *(row[1] for row in units[2:])]
        assert [row[0] for row in after] == list(range(len(units) + 2))
        assert [row[2:] for row in after[1:4]] == [(label, status), ("502A", "unverified"), ("502B", "unverified")]
        firsts = conn.execute(select(UnitChange.status_before, UnitChange.status_after)
                              .where(UnitChange.unit_id.in_(new_ids))).all()
        assert firsts == [(None, "unverified")] * 2
        assert queries.status_counts(conn, [1])[1]["unverified"] == unverified + 2
        assert set(new_ids) <= set(_grid_unit_ids(conn, 1))
        assert rollups_match(conn)
        assert _records(conn)[0][:2] == ("unit.split", str(unit_id))
    assert _recount_changes_nothing(demo_engine)


@pytest.mark.parametrize("labels", [["a"], ["a", "a"], ["a", ""], "ab", ["a"] * 51, "taken"])
def test_a_bad_split_is_refused_and_changes_nothing(demo_engine, labels):
    with demo_engine.connect() as conn:
        units = _floor_units(conn, _busy_floor(conn))
        before = _snapshot(conn)
    labels = [units[1][2], units[0][2]] if labels == "taken" else labels
    with pytest.raises(StructureRefused), writing(demo_engine) as conn:
        split_unit(conn, CTX, units[1][1], labels)
    with demo_engine.connect() as conn:
        assert _snapshot(conn) == before


def _top_floor(conn, building_id: int = 1) -> tuple[int, int, int]:
    """The first entrance of a building, its highest floor's level and that floor's id."""
    entrances, floors = queries.building_layout(conn, building_id)
    entrance_id = entrances[0]["id"]
    top = max((floor for floor in floors if floor["entrance_id"] == entrance_id), key=lambda floor: floor["level"])
    return entrance_id, top["level"], top["id"]


def test_a_floor_is_added_with_unverified_units_numbered_by_the_pattern(demo_engine):
    with demo_engine.connect() as conn:
        entrance_id, level, _floor = _top_floor(conn)
        units = len(_grid_unit_ids(conn, 1))
    with writing(demo_engine) as conn:
        floor_id = add_floor(conn, CTX, entrance_id, level + 1, "R", 3, "home", "{floor}{n:02d}")
    with demo_engine.connect() as conn:
        assert [row[0::2] for row in _floor_units(conn, floor_id)] == [(0, "R01"), (1, "R02"), (2, "R03")]
        assert floor_id in {floor["id"] for floor in queries.building_layout(conn, 1)[1]}
        assert len(_grid_unit_ids(conn, 1)) == units + 3
        assert rollups_match(conn)
        assert _records(conn)[0][:2] == ("floor.add", str(floor_id))
    assert _recount_changes_nothing(demo_engine)


@pytest.mark.parametrize("change", [{"level": "top"}, {"label": ""}, {"units": 0}, {"units": 51}, {"use": "castle"},
                                    {"pattern": "{room}"}, {"entrance_id": 10**6}, {"same_level": True},
                                    {"pattern": "same"}])
def test_a_bad_new_floor_is_refused_and_changes_nothing(demo_engine, change):
    with demo_engine.connect() as conn:
        entrance_id, level, _floor = _top_floor(conn)
        before = _snapshot(conn)
    values = {"entrance_id": entrance_id, "level": level + 1, "label": "R", "units": 2, "use": "home",
              "pattern": "{floor}{n:02d}", **change}
    values["level"] = level if values.pop("same_level", False) else values["level"]
    values["pattern"] = "X" if values["pattern"] == "same" else values["pattern"]
    with pytest.raises(StructureRefused), writing(demo_engine) as conn:
        add_floor(conn, CTX, **values)
    with demo_engine.connect() as conn:
        assert _snapshot(conn) == before


def test_a_removed_floor_retires_its_units_leaves_the_grid_and_can_be_added_again(demo_engine):
    with demo_engine.connect() as conn:
        entrance_id, level, floor_id = _top_floor(conn)
        units = [row[1] for row in _floor_units(conn, floor_id)]
        rows = len(queries.building_layout(conn, 1)[1])
    with writing(demo_engine) as conn:
        remove_floor(conn, CTX, floor_id)
    with demo_engine.connect() as conn:
        assert conn.execute(select(func.count()).where(Unit.id.in_(units), Unit.retired_at.is_(None))).scalar() == 0
        assert not set(units) & set(_grid_unit_ids(conn, 1))
        assert floor_id not in {floor["id"] for floor in queries.building_layout(conn, 1)[1]}
        assert len(queries.building_layout(conn, 1)[1]) == rows - 1
        assert rollups_match(conn)
        assert _records(conn)[0][:2] == ("floor.remove", str(floor_id))
        before = _snapshot(conn)
    with pytest.raises(StructureRefused), writing(demo_engine) as conn:
        remove_floor(conn, CTX, floor_id)
    with demo_engine.connect() as conn:
        assert _snapshot(conn) == before
    with writing(demo_engine) as conn:
        assert add_floor(conn, CTX, entrance_id, level, "T", 1, "home", "{floor}{n:02d}") == floor_id
    with demo_engine.connect() as conn:
        assert rollups_match(conn)
    assert _recount_changes_nothing(demo_engine)


def _areas_of_building(conn, building_id: int) -> set[int]:
    """The building's area and those above it."""
    return set(queries.path_ids(queries.building(conn, building_id)["area_path"]))
