"""The business rules that live once in the data layer: when a quarantine has ended, which building a write may touch;
the words for fixed values; one message per kind of refusal."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select, update

from data import queries, vocabulary
from data.accounts import ROLES, Account
from data.changes import (
    SOURCES,
    ChangeContext,
    NotAllowed,
    StaleEdit,
    UndoRefused,
    UnitEdit,
    UnknownBatch,
    UnknownUnit,
    apply_edits,
    confirm_ended,
    undo_batch,
)
from data.models import Area, Building, Unit, UnitChange
from data.quarantine import NotEnded, ended_units, expiring_codes, has_ended
from data.validation import InvalidEdit
from layouts import outcomes
from tests.helpers import ADMIN, LEADER, STAFF

TODAY = dt.date(2020, 3, 1)
CATALOGUE = [
    {"code": "quarantined", "requires_dates": True, "expires_to": "healthy"},
    {"code": "observed", "requires_dates": True, "expires_to": None},
    {"code": "healthy", "requires_dates": False, "expires_to": None},
]


def context(actor: Account) -> ChangeContext:
    """A manual change by an actor on the demo's day (local time)."""
    return ChangeContext(actor=actor, at=dt.datetime(2020, 3, 1, 4, 0))


def building_of_area(conn, area_id: int) -> int:
    """The first building directly in an area."""
    return conn.execute(select(Building.id).where(Building.area_id == area_id).order_by(Building.id)).scalar()


def first_unit(conn, building_id: int, status: str | None = None) -> dict:
    """The first unit of a building (with a status, if given)."""
    query = select(Unit.id).where(Unit.building_id == building_id).order_by(Unit.id)
    return queries.unit(conn, conn.execute(query.where(Unit.status == status) if status else query).scalar())


@pytest.mark.parametrize("end, ended", [(TODAY - dt.timedelta(days=1), True), (TODAY, False), (None, False)])
def test_a_quarantine_has_ended_the_day_after_its_end_date(end, ended):
    unit = {"status": "quarantined", "quarantine_end": end}
    assert has_ended(unit, expiring_codes(CATALOGUE), TODAY) is ended


def test_only_statuses_that_something_follows_expire():
    units = [{"id": 1, "status": "quarantined", "quarantine_end": TODAY - dt.timedelta(days=3)},
             {"id": 2, "status": "observed", "quarantine_end": TODAY - dt.timedelta(days=3)},
             {"id": 3, "status": "healthy", "quarantine_end": TODAY - dt.timedelta(days=3)}]
    assert expiring_codes(CATALOGUE) == {"quarantined"}
    assert [unit["id"] for unit in ended_units(units, CATALOGUE, TODAY)] == [1]


def test_a_write_scoped_to_a_building_refuses_units_of_another(demo_engine):
    with demo_engine.begin() as conn:
        own, other = (
            building_of_area(conn, 4),
            conn.execute(
                select(Building.id)
                .join(Area)
                .where(Area.path.startswith("/1/2/3/4/"), Building.id != building_of_area(conn, 4))
            ).scalar(),
        )
        mine, elsewhere = first_unit(conn, own), first_unit(conn, other)
    with pytest.raises(NotAllowed) as refused, demo_engine.begin() as conn:
        apply_edits(
            conn,
            [UnitEdit(mine["id"], {"note": "a"}), UnitEdit(elsewhere["id"], {"note": "b"})],
            context(STAFF),
            building_id=own,
        )
    assert refused.value.unit_ids == [elsewhere["id"]]
    with demo_engine.begin() as conn:
        assert [queries.unit(conn, u["id"])["note"] for u in (mine, elsewhere)] == [mine["note"], elsewhere["note"]]
        apply_edits(conn, [UnitEdit(elsewhere["id"], {"note": "b"})], context(STAFF), building_id=other)
        assert queries.unit(conn, elsewhere["id"])["note"] == "b"


def test_undo_is_refused_to_those_who_may_not_edit_before_it_looks_at_later_changes(demo_engine):
    with demo_engine.begin() as conn:
        own = building_of_area(conn, 4)
        unit = first_unit(conn, own)
        apply_edits(conn, [UnitEdit(unit["id"], {"note": "first"})], replace_batch(context(STAFF), "b-1"))
        apply_edits(conn, [UnitEdit(unit["id"], {"note": "later"})], context(STAFF))
    for actor, building, refusal in [
        (LEADER, own, NotAllowed),
        (STAFF, own + 1, NotAllowed),
        (STAFF, own, UndoRefused),
    ]:
        with pytest.raises(refusal), demo_engine.begin() as conn:
            undo_batch(conn, "b-1", context(actor), building_id=building)
    with pytest.raises(UnknownBatch), demo_engine.begin() as conn:
        undo_batch(conn, "no-such-batch", context(STAFF))
    with demo_engine.connect() as conn:
        assert queries.unit(conn, unit["id"])["note"] == "later"


def replace_batch(ctx: ChangeContext, batch_id: str) -> ChangeContext:
    """The same context under a known batch id."""
    return ChangeContext(actor=ctx.actor, at=ctx.at, batch_id=batch_id)


def test_confirming_an_ended_quarantine_sets_what_follows_and_refuses_otherwise(demo_engine):
    with demo_engine.begin() as conn:
        own = building_of_area(conn, 4)
        ended = first_unit(conn, own, "quarantined")
        conn.execute(update(Unit).where(Unit.id == ended["id"]).values(quarantine_end=TODAY - dt.timedelta(days=1)))
        running = {**ended, "quarantine_end": TODAY}
    with pytest.raises(NotAllowed), demo_engine.begin() as conn:
        confirm_ended(conn, ended["id"], ended["version"], own, context(LEADER))
    with pytest.raises(NotAllowed), demo_engine.begin() as conn:
        confirm_ended(conn, ended["id"], ended["version"], own + 1, context(ADMIN))
    with demo_engine.begin() as conn:
        assert confirm_ended(conn, ended["id"], ended["version"], own, context(STAFF))["label"] == ended["label"]
        after = queries.unit(conn, ended["id"])
        assert (after["status"], after["quarantine_end"]) == ("healthy", None)
        conn.execute(
            update(Unit)
            .where(Unit.id == ended["id"])
            .values(
                status="quarantined",
                quarantine_start=TODAY - dt.timedelta(days=5),
                quarantine_end=running["quarantine_end"],
            )
        )
    with pytest.raises(NotEnded), demo_engine.begin() as conn:
        confirm_ended(conn, ended["id"], after["version"], own, context(STAFF))
    with pytest.raises(StaleEdit), demo_engine.begin() as conn:
        confirm_ended(conn, ended["id"], ended["version"], own, context(STAFF))
    with demo_engine.connect() as conn:
        assert conn.execute(select(UnitChange.id).where(UnitChange.unit_id == ended["id"])).all()


def test_every_value_the_data_layer_accepts_has_words_in_both_languages(demo_engine):
    with demo_engine.connect() as conn:
        kinds = set(conn.execute(select(Area.kind).distinct()).scalars())
        uses = set(conn.execute(select(Building.use).distinct()).scalars())
    assert set(ROLES) == set(vocabulary.ROLES) and set(SOURCES) == set(vocabulary.SOURCES)
    assert kinds <= set(vocabulary.AREA_KINDS) and uses <= set(vocabulary.BUILDING_USES)
    for terms in (vocabulary.ROLES, vocabulary.SOURCES, vocabulary.AREA_KINDS, vocabulary.BUILDING_USES):
        assert all(term.label_en and term.label_zh and term.label_en != term.label_zh for term in terms.values())
        assert (
            len({term.label_en for term in terms.values()})
            == len({term.label_zh for term in terms.values()})
            == len(terms)
        )
    assert vocabulary.label(vocabulary.AREA_KINDS, "subdistrict", "zh") == "街道"
    assert vocabulary.label(vocabulary.AREA_KINDS, "subdistrict") == "Sub-district"
    assert vocabulary.label(vocabulary.AREA_KINDS, "hamlet", "zh") == "hamlet"


REFUSALS = {
    "not-allowed": [NotAllowed([1]), UnknownUnit("no such unit"), UnknownBatch("b")],
    "stale": [StaleEdit([1], [{"label": "503", "actor": "wang"}])],
    "changed-later": [UndoRefused([{"label": "503", "actor": "wang", "changed_at": dt.datetime(2020, 3, 1, 9, 30)}])],
    "invalid": [InvalidEdit({1: {"residents": "at most 20"}}, labels={1: "503"})],
    "not-ended": [NotEnded("503")],
}


@pytest.mark.parametrize("action", sorted(outcomes.NOT_DONE))
def test_each_refusal_has_its_own_marked_message_for_every_action(action):
    assert {type(r) for rs in REFUSALS.values() for r in rs} == set(outcomes.REFUSALS)
    for kind, refusals in REFUSALS.items():
        for refusal in refusals:
            message = outcomes.refused(action, refusal)
            assert f"outcome-{kind}" in message.className.split() and message.color in ("danger", "warning")
            assert message.children.startswith(outcomes.NOT_DONE[action].split("%")[0])
    assert "503" in outcomes.refused(action, REFUSALS["invalid"][0]).children
    assert "wang" in outcomes.refused(action, REFUSALS["stale"][0]).children
    with pytest.raises(TypeError):
        outcomes.refused(action, ValueError("not a refusal"))


def test_done_says_when_the_page_could_not_be_redrawn():
    assert "outcome-done" in outcomes.done("bulk", count=3).className and "3" in outcomes.done("bulk", count=3).children
    late = outcomes.done("save", redrawn=False)
    assert "outcome-done-not-redrawn" in late.className and late.color == "warning"
    assert json.dumps(outcomes.done("confirm", label="503").children, ensure_ascii=False).count("503") == 1
