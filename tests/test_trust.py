"""Editing trust in the data layer (both backends): three-way merges that never lose a colleague's field, values that
make sense on every write path, verification recorded, residents and staff counted apart."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text, update

from data import queries, summary
from data.accounts import SYSTEM, Account
from data.changes import ChangeContext, StaleEdit, UnitEdit, apply_edits, undo_batch
from data.db import upgrade, writing
from data.models import Unit, UnitUse
from data.validation import InvalidEdit
from tests.helpers import DEMO_TODAY, old_database

STAFF = Account(7, "wang", "staff", ("/1/2/3/4/",))
COLLEAGUE = Account(9, "zhao", "staff", ("/1/2/3/4/",))


def first_unit(conn, **conditions) -> dict:
    """The first unit of the first workstation matching column values."""
    query = select(Unit.id).where(Unit.building_id <= 3).order_by(Unit.id).limit(1)
    for name, value in conditions.items():
        query = query.where(getattr(Unit, name) == value)
    return queries.unit(conn, conn.execute(query).scalar_one())


def edit(
    engine, unit_id: int, values: dict, version: int | None = None, actor: Account = STAFF, whole_form=False, **ctx
):
    """One edit in its own transaction; returns the changed unit ids."""
    with writing(engine) as conn:
        return apply_edits(conn, [UnitEdit(unit_id, values, version, whole_form)], ChangeContext(actor=actor, **ctx))


def unit_now(engine, unit_id: int) -> dict:
    """A unit as stored now."""
    with engine.connect() as conn:
        return queries.unit(conn, unit_id)


def form_of(unit: dict) -> dict:
    """The edit form's values of a unit, as the browser sends them back."""
    return {name: value.isoformat() if isinstance(value, dt.date) else value for name, value in unit.items()
            if name in ("status", "use", "occupant_name", "residents", "staff", "contact_phone", "quarantine_start",
                        "quarantine_end", "note")}


def refused(engine, unit_id: int, values: dict, **options) -> dict:
    """The errors by field of an edit that must be refused, after checking it changed nothing."""
    before = unit_now(engine, unit_id)
    with pytest.raises(InvalidEdit) as invalid:
        edit(engine, unit_id, values, **options)
    assert unit_now(engine, unit_id) == before
    return invalid.value.errors[unit_id]


def test_head_counts_are_checked_against_the_uses_plausible_range(demo_engine):
    with demo_engine.connect() as conn:
        home, firm = first_unit(conn, use="home", status="healthy"), first_unit(conn, use="firm", status="not_reopened")
    assert "at most 20 residents" in refused(demo_engine, home["id"], {"residents": 100_000})["residents"]
    assert "no staff" in refused(demo_engine, home["id"], {"staff": 3})["staff"]
    assert "at most 5,000 staff" in refused(demo_engine, firm["id"], {"staff": 5_001})["staff"]
    assert "a whole number" in refused(demo_engine, home["id"], {"residents": 2.5})["residents"]
    with writing(demo_engine) as conn:
        conn.execute(update(UnitUse).where(UnitUse.code == "home").values(max_residents=30))
    edit(demo_engine, home["id"], {"residents": 25})
    assert unit_now(demo_engine, home["id"])["residents"] == 25


@pytest.mark.parametrize(
    "phone, stored",
    [
        ("138 0013 8000", "13800138000"),
        ("+86 138-0013-8000", "13800138000"),
        ("010-6888 1234", "01068881234"),
        ("(0755) 2345-6789 转 12", "075523456789转12"),
    ],
)
def test_phone_numbers_are_normalised(demo_engine, phone, stored):
    with demo_engine.connect() as conn:
        home = first_unit(conn, use="home", status="healthy")
    edit(demo_engine, home["id"], {"contact_phone": phone})
    assert unit_now(demo_engine, home["id"])["contact_phone"] == stored


@pytest.mark.parametrize("phone", ["12", "1" * 40, "23800138000", "6888 1234", "call me", "138001380001"])
def test_anything_else_is_no_phone_number_and_the_error_shows_a_valid_one(demo_engine, phone):
    with demo_engine.connect() as conn:
        home = first_unit(conn, use="home", status="healthy")
    assert "13800138000" in refused(demo_engine, home["id"], {"contact_phone": phone})["contact_phone"]


def test_a_vacant_unit_has_nobody_in_it(demo_engine):
    with demo_engine.connect() as conn:
        home = first_unit(conn, use="home", status="healthy")
    assert home["occupant_name"] and home["residents"]
    errors = refused(demo_engine, home["id"], {"status": "vacant"})
    assert set(errors) == {"occupant_name", "residents"}
    edit(demo_engine, home["id"], {"status": "vacant", "occupant_name": "", "residents": 0})
    assert set(refused(demo_engine, home["id"], {"residents": 2})) == {"residents"}


def test_a_quarantine_cannot_start_after_today(demo_engine):
    with demo_engine.connect() as conn:
        home = first_unit(conn, use="home", status="healthy")
    at = dt.datetime(2020, 3, 1, 17)  # 01:00 on 2 March in Beijing: "today" is the local day
    values = {"status": "quarantined", "quarantine_start": "2020-03-03"}
    assert "after today (2020-03-02)" in refused(demo_engine, home["id"], values, at=at)["quarantine_start"]
    edit(demo_engine, home["id"], {**values, "quarantine_start": "2020-03-02"}, at=at)
    assert unit_now(demo_engine, home["id"])["quarantine_end"] == dt.date(2020, 3, 16)


def test_a_value_for_a_field_the_status_does_not_use_is_refused_not_dropped(demo_engine):
    with demo_engine.connect() as conn:
        home = first_unit(conn, use="home", status="healthy")
    assert (
        "only for Home quarantine"
        in refused(demo_engine, home["id"], {"quarantine_start": "2020-03-01"})["quarantine_start"]
    )
    assert (
        "only for"
        in refused(demo_engine, home["id"], {"status": "unverified", "quarantine_end": "2020-03-01"})["quarantine_end"]
    )


@pytest.mark.parametrize(
    "values",
    [
        {"quarantine_start": "2020-03-01' --"},
        {"status": ["healthy"]},
        {"status": {"a": 1}},
        {"note": "bad\x00byte"},
        {"use": ["home"]},
        {"residents": True},
        {"occupant_name": [1]},
        {"status": "quarantined", "quarantine_start": "2020-03-01", "quarantine_end": "9999-12-25"},
    ],
)
def test_forged_values_are_refused_with_a_message(demo_engine, values):
    with demo_engine.connect() as conn:
        home = first_unit(conn, use="home", status="healthy")
    assert refused(demo_engine, home["id"], values)


def test_the_same_rules_hold_in_a_whole_form(demo_engine):
    with demo_engine.connect() as conn:
        home = first_unit(conn, use="home", status="healthy")
    form = {**form_of(home), "status": "vacant"}
    errors = refused(demo_engine, home["id"], form, version=home["version"], whole_form=True)
    assert set(errors) == {"occupant_name", "residents"}


def test_a_field_only_a_colleague_changed_keeps_their_value(demo_engine):
    with demo_engine.connect() as conn:
        home = first_unit(conn, use="home", status="healthy")
    edit(demo_engine, home["id"], {"residents": home["residents"] + 1}, home["version"], actor=COLLEAGUE)
    stale_form = {**form_of(home), "note": "mine"}
    for _ in range(2):
        edit(demo_engine, home["id"], stale_form, home["version"], whole_form=True)
    after = unit_now(demo_engine, home["id"])
    assert (after["residents"], after["note"], after["version"]) == (home["residents"] + 1, "mine", home["version"] + 2)


def test_a_field_both_changed_is_refused_naming_original_theirs_and_yours(demo_engine):
    with demo_engine.connect() as conn:
        home = first_unit(conn, use="home", status="healthy")
    edit(demo_engine, home["id"], {"note": "theirs", "residents": 1}, home["version"], actor=COLLEAGUE)
    with pytest.raises(StaleEdit) as stale:
        edit(demo_engine, home["id"], {**form_of(home), "note": "yours", "staff": 0, "contact_phone": "13900001111"},
             home["version"], whole_form=True)
    assert stale.value.conflicts == {
        home["id"]: {"note": {"original": home["note"], "theirs": "theirs", "yours": "yours"}}
    }
    assert stale.value.yours[home["id"]] == {"note": "yours", "contact_phone": "13900001111"}
    assert [c["actor"] for c in stale.value.later] == ["zhao"]
    assert unit_now(demo_engine, home["id"])["note"] == "theirs"


def test_the_same_value_from_both_is_no_conflict(demo_engine):
    with demo_engine.connect() as conn:
        home = first_unit(conn, use="home", status="healthy")
    edit(demo_engine, home["id"], {"note": "same"}, home["version"], actor=COLLEAGUE)
    assert edit(demo_engine, home["id"], {**form_of(home), "note": "same"}, home["version"], whole_form=True) == []


def test_a_bulk_edit_writes_only_what_the_bar_sets(demo_engine):
    with demo_engine.connect() as conn:
        home = first_unit(conn, use="home", status="healthy")
    edit(demo_engine, home["id"], {"note": "called twice"}, home["version"], actor=COLLEAGUE)
    edit(demo_engine, home["id"], {"status": "unverified"}, home["version"])
    after = unit_now(demo_engine, home["id"])
    assert (after["status"], after["note"]) == ("unverified", "called twice")
    with pytest.raises(StaleEdit):
        edit(demo_engine, home["id"], {"status": "healthy"}, home["version"] + 1, actor=COLLEAGUE)


def test_a_version_the_unit_never_had_is_refused(demo_engine):
    with demo_engine.connect() as conn:
        home = first_unit(conn, use="home", status="healthy")
    with pytest.raises(StaleEdit):
        edit(demo_engine, home["id"], {"note": "from the future"}, home["version"] + 5)


def test_saves_imports_and_confirmations_record_who_verified_when_and_how(demo_engine):
    with demo_engine.connect() as conn:
        home = first_unit(conn, use="home", status="healthy")
    at = dt.datetime(2020, 3, 2, 9, 30)
    edit(demo_engine, home["id"], {}, home["version"], at=at)
    after = unit_now(demo_engine, home["id"])
    assert (after["verified_at"], after["verified_by"], after["verified_source"], after["version"]) == (
        at,
        "wang",
        "manual",
        home["version"],
    )
    context = ChangeContext(actor=SYSTEM, source="import", at=at + dt.timedelta(hours=1))
    with writing(demo_engine) as conn:
        apply_edits(conn, [UnitEdit(home["id"], {"note": "from the ledger"})], context)
    assert unit_now(demo_engine, home["id"])["verified_source"] == "import"
    with writing(demo_engine) as conn:
        undo_batch(conn, context.batch_id, ChangeContext(actor=STAFF, at=at + dt.timedelta(hours=2)))
    after = unit_now(demo_engine, home["id"])
    assert (after["verified_at"], after["verified_by"], after["note"]) == (
        at + dt.timedelta(hours=1),
        "system",
        home["note"],
    )


def test_residents_and_staff_are_counted_apart_and_only_residents_in_quarantine_figures(demo_engine):
    with demo_engine.connect() as conn:
        mixed = first_unit(conn, use="mixed", status="healthy")
    edit(
        demo_engine, mixed["id"], {"status": "quarantined", "quarantine_start": DEMO_TODAY, "residents": 2, "staff": 40}
    )
    with demo_engine.connect() as conn:
        rows = conn.execute(text("SELECT units.status, units.residents, units.staff FROM units")).all()
        rollup = queries.area_rollups(conn, [1])[1]
        figures = summary.kpis(rollup, queries.statuses(conn))
    assert figures["residents"]["quarantined"] == sum(r for s, r, _ in rows if s == "quarantined")
    assert figures["people"] == {"residents": sum(r for _, r, _ in rows), "staff": sum(f for _, _, f in rows)}


def test_the_migration_carries_head_counts_over_by_use(tmp_path):
    engine = old_database(
        tmp_path / "old.db",
        "0004",
        [
            {"id": n, "use": use, "heads": heads, "status": status}
            for n, (use, heads, status) in enumerate(
                [("home", 3, "quarantined"), ("firm", 40, "reopened"), ("mixed", 25, "quarantined")]
            )
        ],
    )
    upgrade(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT use, residents, staff FROM units ORDER BY id")).all() == [
            ("home", 3, 0), ("firm", 0, 40), ("mixed", 0, 25)]
        assert dict(
            conn.execute(text("SELECT use, residents FROM area_counts WHERE status = 'quarantined'")).all()
        ) == {"home": 3, "mixed": 0}
        assert conn.execute(text("SELECT unoccupied FROM statuses WHERE code = 'vacant'")).scalar_one()
    engine.dispose()


FIELD_VALUES = {"note": ["", "called", "needs rice", "called"], "occupant_name": ["王芳", "李娜", "", "王芳"],
                "residents": [1, 2, 3, 4], "contact_phone": ["13800138000", "01068881234", "", "13900001111"]}
editor_steps = st.lists(st.tuples(st.sampled_from("AB"), st.sampled_from(["open", "save", "save"]),
                                  st.sampled_from(sorted(FIELD_VALUES)), st.integers(0, 3)), min_size=1, max_size=14)


class Editor:
    """One person's open edit form: the values at the version they opened and what the form holds now."""

    def __init__(self, unit: dict):
        self.open(unit)

    def open(self, unit: dict) -> None:
        """Load the unit into the form."""
        self.version, self.base, self.form = unit["version"], form_of(unit), form_of(unit)

    def changes(self) -> dict:
        """The fields this editor changed against the version they opened."""
        return {name: value for name, value in self.form.items() if value != self.base[name]}


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(script=editor_steps)
def test_two_editors_never_lose_an_acknowledged_field(small_demos, backend, script):
    engine = small_demos[backend]
    with engine.connect() as conn:
        unit_id = first_unit(conn, use="home", status="healthy")["id"]
    start = unit_now(engine, unit_id)
    editors, last_write = {"A": Editor(start), "B": Editor(start)}, form_of(start)
    for who, action, name, choice in script:
        editor = editors[who]
        if action == "open":
            editor.open(unit_now(engine, unit_id))
            continue
        editor.form[name] = FIELD_VALUES[name][choice]
        try:
            edit(engine, unit_id, editor.form, editor.version, whole_form=True)
            last_write.update(editor.changes())
            editor.open(unit_now(engine, unit_id))
        except StaleEdit as stale:
            now = unit_now(engine, unit_id)
            assert set(stale.conflicts[unit_id]) <= set(editor.changes())
            editor.version, editor.base, editor.form = (
                now["version"],
                form_of(now),
                {**form_of(now), **editor.changes()},
            )
        assert {k: v for k, v in form_of(unit_now(engine, unit_id)).items() if k in FIELD_VALUES} == {
            k: v for k, v in last_write.items() if k in FIELD_VALUES}
