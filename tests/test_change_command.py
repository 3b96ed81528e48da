"""Changing units through the one command: validation, authorisation, conflicts, undo, invariants, concurrency."""
from __future__ import annotations

import datetime as dt
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text

from data import queries
from data.accounts import SYSTEM
from data.changes import (
    ChangeContext,
    NotAllowed,
    StaleEdit,
    UndoRefused,
    UnitEdit,
    apply_edits,
    undo_batch,
)
from data.db import make_engine, upgrade, writing
from data.demo import create_demo
from data.models import Unit, UnitChange
from data.validation import Catalogues, InvalidEdit, clean
from tests.helpers import DEMO_TODAY, LEADER, STAFF, old_database
from tests.references import rollups_match

CATALOGUE = {
    "healthy": {
        "code": "healthy",
        "label_en": "Healthy household",
        "applies_to": ["home", "mixed"],
        "requires_dates": False,
        "default_days": None,
    },
    "quarantined": {
        "code": "quarantined",
        "label_en": "Home quarantine",
        "applies_to": ["home", "mixed"],
        "requires_dates": True,
        "default_days": 14,
    },
    "reopened": {
        "code": "reopened",
        "label_en": "Reopened",
        "applies_to": ["firm", "mixed"],
        "requires_dates": False,
        "default_days": None,
    },
}
USES = {
    "home": {"code": "home", "label_en": "Home", "max_residents": 20, "max_staff": 0},
    "firm": {"code": "firm", "label_en": "Firm", "max_residents": 0, "max_staff": 5000},
    "mixed": {"code": "mixed", "label_en": "Firm and home", "max_residents": 20, "max_staff": 5000},
}
CATALOGUES = Catalogues(CATALOGUE, USES)
TODAY = dt.date(2020, 3, 1)
HOME = {"status": "healthy", "use": "home", "quarantine_start": None, "quarantine_end": None, "occupant_name": "王芳",
        "residents": 3, "staff": 0, "contact_phone": "", "note": ""}


def cleaned(row: dict, raw: dict) -> tuple[dict, dict]:
    """clean() against the test catalogues on TODAY."""
    return clean(row, raw, CATALOGUES, TODAY)


def test_clean_types_values_and_names_each_error_by_field():
    values, errors = cleaned(HOME, {"residents": " 4 ", "note": " ok ", "contact_phone": "138 1234-5678"})
    assert (values, errors) == ({"residents": 4, "note": "ok", "contact_phone": "13812345678"}, {})
    _, errors = cleaned(HOME, {"residents": "many", "contact_phone": "call me", "note": "x" * 2001, "version": 3})
    assert set(errors) == {"residents", "contact_phone", "note", "version"}


def test_status_must_apply_to_the_use():
    assert "does not apply to a “Home” unit" in cleaned(HOME, {"status": "reopened"})[1]["status"]
    assert cleaned(HOME, {"status": "reopened", "use": "mixed"})[1] == {}


def test_quarantine_needs_a_start_and_defaults_its_end():
    assert "required" in cleaned(HOME, {"status": "quarantined"})[1]["quarantine_start"]
    values, errors = cleaned(HOME, {"status": "quarantined", "quarantine_start": "2020-03-01"})
    assert errors == {} and values["quarantine_end"] == dt.date(2020, 3, 15)
    _, errors = cleaned(
        HOME, {"status": "quarantined", "quarantine_start": "2020-03-01", "quarantine_end": "2020-02-01"}
    )
    assert errors == {"quarantine_end": "ends before it starts"}
    quarantined = {
        **HOME,
        "status": "quarantined",
        "quarantine_start": dt.date(2020, 3, 1),
        "quarantine_end": dt.date(2020, 3, 15),
    }
    assert cleaned(quarantined, {"status": "healthy"})[0] == {
        "status": "healthy",
        "quarantine_start": None,
        "quarantine_end": None,
    }


def unit_where(conn, **conditions) -> dict:
    """The first unit matching column values."""
    query = select(Unit.__table__).order_by(Unit.id).limit(1)
    for name, value in conditions.items():
        query = query.where(getattr(Unit, name) == value)
    return dict(conn.execute(query).one()._mapping)


def test_edits_outside_the_editors_areas_are_refused(demo_engine):
    with writing(demo_engine) as conn:
        inside = unit_where(conn, building_id=1)
        outside = unit_where(conn, building_id=12)
        apply_edits(conn, [UnitEdit(inside["id"], {"note": "checked"})], ChangeContext(actor=STAFF))
        with pytest.raises(NotAllowed) as refused:
            apply_edits(conn, [UnitEdit(inside["id"], {"note": "a"}), UnitEdit(outside["id"], {"note": "b"})],
                        ChangeContext(actor=STAFF))
        assert refused.value.unit_ids == [outside["id"]]
        with pytest.raises(NotAllowed):
            apply_edits(conn, [UnitEdit(inside["id"], {"note": "a"})], ChangeContext(actor=LEADER))


def test_a_stale_edit_says_who_changed_what_since(demo_engine):
    with writing(demo_engine) as conn:
        unit = unit_where(conn, status="healthy", use="home")
        apply_edits(
            conn, [UnitEdit(unit["id"], {"status": "unverified"}, unit["version"])], ChangeContext(actor=STAFF)
        )
    with writing(demo_engine) as conn, pytest.raises(StaleEdit) as stale:
        apply_edits(
            conn,
            [UnitEdit(unit["id"], {"status": "quarantined", "quarantine_start": DEMO_TODAY}, unit["version"])],
            ChangeContext(actor=SYSTEM),
        )
    [later] = stale.value.later
    assert (later["actor"], later["status_before"], later["status_after"], later["label"]) == (
        "wang",
        "healthy",
        "unverified",
        unit["label"],
    )
    assert stale.value.conflicts == {
        unit["id"]: {"status": {"original": "healthy", "theirs": "unverified", "yours": "quarantined"}}
    }


def test_a_mixed_batch_writes_history_in_edit_order_and_dates_only_new_statuses(demo_engine):
    with writing(demo_engine) as conn:
        ids = conn.execute(
            select(Unit.id).where(Unit.status == "healthy", Unit.use == "home").order_by(Unit.id.desc()).limit(3)
        ).scalars()
        homes = [queries.unit(conn, unit_id) for unit_id in ids]
        at = dt.datetime(2020, 3, 2, 10)
        edits = [UnitEdit(homes[0]["id"], {"status": "unverified"}), UnitEdit(homes[1]["id"], {"note": "called"}),
                 UnitEdit(homes[2]["id"], {"note": "knocked", "residents": 7})]
        assert apply_edits(conn, edits, ChangeContext(actor=SYSTEM, at=at)) == [edit.unit_id for edit in edits]
        after = [queries.unit(conn, home["id"]) for home in homes]
        rows = conn.execute(select(UnitChange.unit_id, UnitChange.unit_version, UnitChange.data_after)
                            .where(UnitChange.changed_at == at).order_by(UnitChange.id)).all()
    assert [row.unit_id for row in rows] == [home["id"] for home in homes]
    assert [row.unit_version for row in rows] == [u["version"] for u in after] == [h["version"] + 1 for h in homes]
    assert [row.data_after for row in rows] == [
        {"status": "unverified"},
        {"note": "called"},
        {"note": "knocked", "residents": 7},
    ]
    assert [u["status_since"] == at for u in after] == [True, False, False]
    assert (after[0]["status"], after[1]["note"], after[2]["residents"], after[2]["status"]) == (
        "unverified",
        "called",
        7,
        "healthy",
    )


def test_invalid_values_in_a_batch_change_nothing(demo_engine):
    with writing(demo_engine) as conn:
        home = unit_where(conn, status="healthy", use="home")
        firm = unit_where(conn, status="not_reopened", use="firm")
    with writing(demo_engine) as conn, pytest.raises(InvalidEdit) as invalid:
        apply_edits(conn, [UnitEdit(home["id"], {"status": "unverified"}), UnitEdit(firm["id"], {"status": "healthy"})],
                    ChangeContext(actor=SYSTEM))
    assert list(invalid.value.errors) == [firm["id"]]
    with demo_engine.connect() as conn:
        assert queries.unit(conn, home["id"])["status"] == "healthy"


def test_undo_reverts_a_batch_unless_a_unit_moved_since(demo_engine):
    with writing(demo_engine) as conn:
        first, second = (
            unit_where(conn, building_id=1, status="healthy", use="home"),
            unit_where(conn, building_id=4, status="healthy", use="home"),
        )
        batch = ChangeContext(actor=SYSTEM)
        apply_edits(
            conn,
            [UnitEdit(u["id"], {"status": "quarantined", "quarantine_start": DEMO_TODAY}) for u in (first, second)],
            batch,
        )
        undo_batch(conn, batch.batch_id, ChangeContext(actor=SYSTEM))
        assert (
            queries.unit(conn, first["id"])["status"] == "healthy"
            and queries.unit(conn, first["id"])["quarantine_end"] is None
        )
        again = ChangeContext(actor=SYSTEM)
        apply_edits(conn, [UnitEdit(u["id"], {"status": "unverified"}) for u in (first, second)], again)
        apply_edits(conn, [UnitEdit(second["id"], {"note": "later"})], ChangeContext(actor=STAFF))
        with pytest.raises(UndoRefused) as refused:
            undo_batch(conn, again.batch_id, ChangeContext(actor=SYSTEM))
        assert [c["unit_id"] for c in refused.value.later] == [second["id"]]
        assert queries.unit(conn, first["id"])["status"] == "unverified"
        assert rollups_match(conn)


EDIT_STATUSES = ["healthy", "quarantined", "vacant", "unverified"]
steps = st.lists(st.one_of(
    st.tuples(st.just("edit"), st.integers(0, 9), st.sampled_from(EDIT_STATUSES)),
    st.tuples(st.just("bulk"), st.sets(st.integers(0, 9), min_size=1, max_size=5), st.sampled_from(EDIT_STATUSES)),
    st.tuples(st.just("undo"), st.integers(0, 20), st.none()),
), max_size=12)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(script=steps)
def test_any_edits_bulk_edits_and_undos_keep_counts_and_history_true(small_demos, backend, script):
    engine = small_demos[backend]
    with engine.connect() as conn:
        homes = conn.execute(select(Unit.id).where(Unit.use == "home").order_by(Unit.id).limit(10)).scalars().all()
    batches = []
    for kind, target, status in script:
        with writing(engine) as conn:
            run_step(conn, kind, target, status, homes, batches)
    with engine.connect() as conn:
        assert rollups_match(conn)
        replayed = {}
        for unit_id, before, after in conn.execute(
            select(UnitChange.unit_id, UnitChange.status_before, UnitChange.status_after).order_by(
                UnitChange.changed_at, UnitChange.id
            )
        ):
            assert before == replayed.get(unit_id)
            replayed[unit_id] = after
        assert replayed == dict(conn.execute(select(Unit.id, Unit.status)).all())


def run_step(conn, kind: str, target, status: str | None, homes: list[int], batches: list[str]) -> None:
    """One step of a property-test script; refusals are part of the game."""
    values = {"status": status, "quarantine_start": DEMO_TODAY} if status == "quarantined" else {"status": status}
    if kind == "edit" and target % 3 == 0:
        values["residents"] = target + 1
    if status == "vacant":
        values.update(occupant_name="", residents=0, staff=0)
    ctx, changed = ChangeContext(actor=SYSTEM), []
    try:
        if kind == "edit":
            changed = apply_edits(conn, [UnitEdit(homes[target], values)], ctx)
        elif kind == "bulk":
            changed = apply_edits(conn, [UnitEdit(homes[i], values) for i in sorted(target)], ctx)
        elif batches:
            changed = undo_batch(conn, batches[target % len(batches)], ctx)
    except UndoRefused:
        pass
    if changed:
        batches.append(ctx.batch_id)


def test_concurrent_saves_of_one_unit_let_exactly_one_win(database_url):
    engine = make_engine(database_url)
    upgrade(engine)
    create_demo(engine, today=DEMO_TODAY)
    with engine.connect() as conn:
        unit = unit_where(conn, status="healthy", use="home")
    outcomes, barrier = [], threading.Barrier(6)

    def save(n: int) -> None:
        barrier.wait()
        try:
            with writing(engine) as conn:
                apply_edits(conn, [UnitEdit(unit["id"], {"note": f"writer {n}", "residents": n}, unit["version"])],
                            ChangeContext(actor=SYSTEM))
            outcomes.append("saved")
        except StaleEdit:
            outcomes.append("conflict")

    threads = [threading.Thread(target=save, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with engine.connect() as conn:
        after = queries.unit(conn, unit["id"])
        assert rollups_match(conn)
        assert (
            conn.execute(select(func.count()).where(UnitChange.unit_id == unit["id"])).scalar_one()
            == unit["version"] + 1
        )
    assert sorted(outcomes) == ["conflict"] * 5 + ["saved"]
    assert after["version"] == unit["version"] + 1 and after["note"] == f"writer {after['residents']}"
    engine.dispose()


def test_migration_numbers_existing_history(tmp_path):
    engine = old_database(
        tmp_path / "old.db", "0002", [{"id": 1, "use": "home", "heads": 0, "status": "healthy", "version": 2}]
    )
    with engine.begin() as conn:
        for n, (at, before, after) in enumerate(
            [("2020-01-02", "healthy", "vacant"), ("2020-01-01", None, "healthy")], 1
        ):
            conn.execute(
                text(
                    "INSERT INTO unit_changes (id, unit_id, building_id, changed_at, actor, source, batch_id, "
                    "status_before, status_after, data_before, data_after) "
                    "VALUES (:id, 1, 1, :at, 'a', 'import', 'b', :before, :after, '{}', '{}')"
                ),
                {"id": n, "at": at, "before": before, "after": after},
            )
    upgrade(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT id, unit_version FROM unit_changes ORDER BY id")).all() == [(1, 2), (2, 1)]
