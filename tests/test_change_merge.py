"""The change command at its edges: what a form's value equals, whose version counts, what an undo and a building
refuse, and what a batch writes to the history, the counts and the verification (both backends)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, update

from data.accounts import Account
from data.changes import (
    ChangeContext,
    NotAllowed,
    StaleEdit,
    UndoRefused,
    UnitEdit,
    UnknownBatch,
    UnknownUnit,
    _same_value,
    apply_edits,
    confirm_ended,
    undo_batch,
)
from data.db import writing
from data.models import AreaCount, BuildingStatusCount, Unit, UnitChange, UnitUse
from data.quarantine import NotEnded
from data.validation import InvalidEdit

STAFF = Account(7, "wang", "staff", ("/1/2/3/4/",))
COLLEAGUE = Account(9, "zhou", "staff", ("/1/2/3/4/",))
NEIGHBOUR = Account(10, "sun", "staff", ("/1/2/3/5/",))
MORNING = dt.datetime(2020, 3, 1, 1)


@pytest.mark.parametrize(
    "raw, stored, same",
    [
        (None, None, True),
        ("", None, True),
        (None, "", True),
        ("", "", True),
        ("", "王芳", False),
        ("王芳", "", False),
        ("0", None, False),
        (None, 0, False),
        ("2020-02-20", dt.date(2020, 2, 20), True),
        (dt.date(2020, 2, 20), dt.date(2020, 2, 20), True),
        ("2020-02-21", dt.date(2020, 2, 20), False),
        (3, 3, True),
        ("3", 3, True),
        (" 3 ", 3, True),
        ("4", 3, False),
        ("1", "1", True),
        ("1", "2", False),
    ],
)
def test_a_forms_value_is_the_stored_value_as_the_form_shows_it(raw, stored, same):
    assert _same_value(raw, stored) is same


def test_a_refusal_carries_what_it_names_and_empty_defaults():
    stale = StaleEdit([3], [])
    assert (stale.unit_ids, stale.later, stale.current, stale.conflicts, stale.yours) == ([3], [], {}, {}, {})
    full = StaleEdit([3], [{"id": 1}], {3: 5}, {3: {"note": {}}}, {3: {"note": "x"}})
    assert (full.current, full.conflicts, full.yours) == ({3: 5}, {3: {"note": {}}}, {3: {"note": "x"}})
    assert str(stale) == "units changed since you loaded them: [3]"
    assert (str(NotAllowed([4, 5])), NotAllowed([4, 5]).unit_ids) == ("not allowed to edit units [4, 5]", [4, 5])
    assert str(UndoRefused([{"label": "503"}])) == "changed after this batch: ['503']"
    invalid = InvalidEdit({7: {"residents": "a whole number"}})
    refused = UndoRefused([], invalid)
    assert (refused.later, refused.invalid) == ([], invalid)
    assert str(refused) == "the earlier values are no longer valid: unit 7: residents: a whole number"


def first_units(engine, count: int = 2, building_id: int = 1) -> list[dict]:
    """The first healthy homes of a building, as stored."""
    query = (
        select(Unit.__table__)
        .where(Unit.building_id == building_id, Unit.use == "home", Unit.status == "healthy")
        .order_by(Unit.id)
        .limit(count)
    )
    with engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(query)]


def edit(engine, edits: list[UnitEdit], actor: Account = STAFF, **context) -> list[int]:
    """Apply edits in one write transaction."""
    with writing(engine) as conn:
        return apply_edits(conn, edits, ChangeContext(actor=actor, **context))


def unit_row(engine, unit_id: int) -> dict:
    """A unit as stored."""
    with engine.connect() as conn:
        return dict(conn.execute(select(Unit.__table__).where(Unit.id == unit_id)).one()._mapping)


def test_an_edit_at_the_units_version_saves_and_one_above_it_is_refused_naming_the_version(demo_engine):
    [unit] = first_units(demo_engine, 1)
    assert edit(demo_engine, [UnitEdit(unit["id"], {"note": "seen"}, unit["version"])]) == [unit["id"]]
    with pytest.raises(StaleEdit) as refused:
        edit(demo_engine, [UnitEdit(unit["id"], {"note": "ahead"}, unit["version"] + 5)])
    assert (refused.value.unit_ids, refused.value.later, refused.value.current) == (
        [unit["id"]],
        [],
        {unit["id"]: unit["version"] + 1},
    )


def test_a_conflict_names_the_version_now_and_what_the_editor_set(demo_engine):
    [unit] = first_units(demo_engine, 1)
    edit(demo_engine, [UnitEdit(unit["id"], {"note": "theirs"})], COLLEAGUE)
    with pytest.raises(StaleEdit) as refused:
        edit(demo_engine, [UnitEdit(unit["id"], {"note": "mine", "residents": 2}, unit["version"])])
    assert refused.value.current == {unit["id"]: unit["version"] + 1}
    assert refused.value.yours == {unit["id"]: {"note": "mine", "residents": 2}}
    assert [change["actor"] for change in refused.value.later] == ["zhou"]


def test_an_undo_from_another_buildings_page_is_refused_and_an_unknown_batch_named(demo_engine):
    [unit] = first_units(demo_engine, 1)
    context = ChangeContext(actor=STAFF)
    with writing(demo_engine) as conn:
        apply_edits(conn, [UnitEdit(unit["id"], {"note": "x"})], context)
    with writing(demo_engine) as conn, pytest.raises(NotAllowed):
        undo_batch(conn, context.batch_id, ChangeContext(actor=STAFF), building_id=2)
    with writing(demo_engine) as conn, pytest.raises(UnknownBatch, match="no-such-batch"):
        undo_batch(conn, "no-such-batch", ChangeContext(actor=STAFF))


def test_an_undo_restores_without_claiming_to_verify_the_unit(demo_engine):
    [unit] = first_units(demo_engine, 1)
    saved = ChangeContext(actor=STAFF, at=dt.datetime(2020, 3, 1, 9))
    with writing(demo_engine) as conn:
        apply_edits(conn, [UnitEdit(unit["id"], {"note": "x"})], saved)
    with writing(demo_engine) as conn:
        undo_batch(conn, saved.batch_id, ChangeContext(actor=COLLEAGUE))
    after = unit_row(demo_engine, unit["id"])
    assert (after["note"], after["verified_by"], after["verified_at"], after["verified_source"]) == (
        unit["note"],
        "wang",
        dt.datetime(2020, 3, 1, 9),
        "manual",
    )


def test_an_undo_whose_earlier_values_no_longer_validate_is_refused_saying_why(demo_engine):
    [unit] = first_units(demo_engine, 1)
    context = ChangeContext(actor=STAFF)
    with writing(demo_engine) as conn:
        apply_edits(conn, [UnitEdit(unit["id"], {"residents": 0})], context)
        conn.execute(update(UnitUse).where(UnitUse.code == "home").values(max_residents=0))
    with writing(demo_engine) as conn, pytest.raises(UndoRefused) as refused:
        undo_batch(conn, context.batch_id, ChangeContext(actor=STAFF))
    assert refused.value.later == [] and str(refused.value).startswith("the earlier values are no longer valid: ")
    assert unit_row(demo_engine, unit["id"])["residents"] == 0


def test_a_batch_records_its_comment_and_every_new_status_in_the_counts(demo_engine):
    units = first_units(demo_engine, 2)

    def counted(conn, status):
        return (
            conn.execute(
                select(BuildingStatusCount.count).where(
                    BuildingStatusCount.building_id == 1, BuildingStatusCount.status == status
                )
            ).scalar()
            or 0
        )

    with demo_engine.connect() as conn:
        before = counted(conn, "unverified")
    edit(demo_engine, [UnitEdit(unit["id"], {"status": "unverified"}) for unit in units], comment="walked the floor")
    with demo_engine.connect() as conn:
        assert counted(conn, "unverified") == before + 2
        comments = conn.execute(
            select(UnitChange.comment, UnitChange.status_after).where(
                UnitChange.unit_id.in_([u["id"] for u in units]), UnitChange.actor == "wang"
            )
        ).all()
    assert sorted(comments) == [("walked the floor", "unverified")] * 2


def test_a_change_of_people_only_keeps_the_status_in_the_history_and_moves_the_area_figures(demo_engine):
    units = first_units(demo_engine, 2)

    def residents(conn):
        return conn.execute(select(func.sum(AreaCount.residents)).where(AreaCount.area_id == 4)).scalar()

    with demo_engine.connect() as conn:
        before = residents(conn)
    edit(
        demo_engine,
        [
            UnitEdit(units[0]["id"], {"note": "same people"}),
            UnitEdit(units[1]["id"], {"residents": units[1]["residents"] + 2}),
        ],
    )
    with demo_engine.connect() as conn:
        assert residents(conn) == before + 2
        history = conn.execute(
            select(UnitChange.status_before, UnitChange.status_after).where(
                UnitChange.unit_id == units[1]["id"], UnitChange.actor == "wang"
            )
        ).one()
    assert tuple(history) == ("healthy", "healthy")


def quarantine(engine, unit: dict, end: dt.date) -> int:
    """Put a unit in home quarantine from 2020-02-20 to an end; returns its version."""
    with writing(engine) as conn:
        conn.execute(
            update(Unit)
            .where(Unit.id == unit["id"])
            .values(status="quarantined", quarantine_start=dt.date(2020, 2, 20), quarantine_end=end)
        )
    return unit_row(engine, unit["id"])["version"]


def test_a_conflict_on_a_date_names_the_original_date_as_a_date(demo_engine):
    [unit] = first_units(demo_engine, 1)
    version = quarantine(demo_engine, unit, dt.date(2020, 3, 5))
    edit(demo_engine, [UnitEdit(unit["id"], {"quarantine_end": "2020-03-06"})], COLLEAGUE, at=MORNING)
    with pytest.raises(StaleEdit) as refused:
        edit(demo_engine, [UnitEdit(unit["id"], {"quarantine_end": "2020-03-07"}, version)], at=MORNING)
    assert refused.value.conflicts == {
        unit["id"]: {
            "quarantine_end": {
                "original": dt.date(2020, 3, 5),
                "theirs": dt.date(2020, 3, 6),
                "yours": dt.date(2020, 3, 7),
            }
        }
    }


def confirm(engine, unit_id: int, version: int, actor: Account = STAFF):
    """Confirm what follows an ended quarantine of a unit of building 1, on 2020-03-01."""
    with writing(engine) as conn:
        return confirm_ended(conn, unit_id, version, 1, ChangeContext(actor=actor, at=MORNING))


def test_a_confirmation_stays_in_the_staffs_areas_and_names_what_it_refuses(demo_engine):
    [unit] = first_units(demo_engine, 1)
    version = quarantine(demo_engine, unit, dt.date(2020, 2, 28))
    with pytest.raises(NotAllowed) as refused:
        confirm(demo_engine, unit["id"], version, NEIGHBOUR)
    assert refused.value.unit_ids == [unit["id"]]
    with pytest.raises(StaleEdit) as ahead:
        confirm(demo_engine, unit["id"], version + 5)
    assert ahead.value.unit_ids == [unit["id"]]
    running = quarantine(demo_engine, unit, dt.date(2020, 3, 5))
    with pytest.raises(StaleEdit) as stale:
        confirm(demo_engine, unit["id"], running - 1)
    assert (stale.value.unit_ids, stale.value.later) == ([unit["id"]], [])
    with pytest.raises(NotAllowed):
        confirm(demo_engine, unit["id"], running, NEIGHBOUR)
    with pytest.raises(NotEnded) as not_ended:
        confirm(demo_engine, unit["id"], running)
    assert not_ended.value.label == unit["label"]
    assert unit_row(demo_engine, unit["id"])["status"] == "quarantined"


def test_an_edit_of_a_unit_that_does_not_exist_names_it(demo_engine):
    [unit] = first_units(demo_engine, 1)
    with pytest.raises(UnknownUnit, match=r"no such unit: \[999999\]"):
        edit(demo_engine, [UnitEdit(unit["id"], {"note": "x"}), UnitEdit(999999, {"note": "x"})])


def test_a_unit_whose_every_counted_field_changes_moves_to_its_new_area_figures(demo_engine):
    [unit] = first_units(demo_engine, 1)

    def figures(conn, status, use):
        query = select(AreaCount.units, AreaCount.residents, AreaCount.staff).where(
            AreaCount.area_id == 4, AreaCount.status == status, AreaCount.use == use
        )
        return tuple(conn.execute(query).one_or_none() or (0, 0, 0))

    with demo_engine.connect() as conn:
        before = figures(conn, "unverified", "mixed")
    edit(demo_engine, [UnitEdit(unit["id"], {"status": "unverified", "use": "mixed", "residents": 2, "staff": 1})])
    with demo_engine.connect() as conn:
        assert figures(conn, "unverified", "mixed") == (before[0] + 1, before[1] + 2, before[2] + 1)


def test_a_refused_edit_keeps_the_valid_values_and_names_the_unit(demo_engine):
    [unit] = first_units(demo_engine, 1)
    with pytest.raises(InvalidEdit) as refused:
        edit(demo_engine, [UnitEdit(unit["id"], {"residents": -1, "note": "ok"})])
    assert refused.value.errors == {unit["id"]: {"residents": "0 or more"}}
    assert (refused.value.yours, refused.value.labels) == ({unit["id"]: {"note": "ok"}}, {unit["id"]: unit["label"]})


def test_a_batch_that_names_a_unit_twice_is_refused(demo_engine):
    [unit] = first_units(demo_engine, 1)
    with pytest.raises(ValueError, match="^a batch may change each unit once$"):
        edit(demo_engine, [UnitEdit(unit["id"], {"note": "a"}), UnitEdit(unit["id"], {"note": "b"})])
