"""The data layer on SQLite and PostgreSQL: schema, demo data, the one change function, queries."""
from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, inspect, select, text

from data import queries
from data.accounts import SYSTEM, Account
from data.changes import ChangeContext, StaleEdit, UnitEdit, UnknownUnit, apply_edits, recount
from data.db import make_engine, upgrade
from data.demo import clear, create_demo, has_data
from data.models import Area, AreaCount, Base, Building, BuildingStatusCount, Floor, Status, Unit, UnitChange
from tests.helpers import DEMO_TODAY
from tests.references import rollups_match

DEFAULT_CODES = ["healthy", "quarantined", "not_reopened", "reopened", "vacant", "unverified"]


def maintained_counts(conn) -> Counter:
    """The per-building counts as stored."""
    rows = conn.execute(select(BuildingStatusCount.building_id, BuildingStatusCount.status, BuildingStatusCount.count))
    return Counter({(b, s): c for b, s, c in rows if c})


def recounted(conn) -> Counter:
    """The per-building counts recomputed from the units."""
    rows = conn.execute(select(Unit.building_id, Unit.status, func.count()).group_by(Unit.building_id, Unit.status))
    return Counter({(b, s): c for b, s, c in rows})


def test_migration_creates_schema_and_seeds_catalogue(engine):
    with engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
        statuses = queries.statuses(conn)
    assert set(Base.metadata.tables) <= tables
    assert [s["code"] for s in statuses] == DEFAULT_CODES
    quarantined = next(s for s in statuses if s["code"] == "quarantined")
    assert quarantined["color"] == "#E53935" and quarantined["label_zh"] == "居家隔离"
    assert quarantined["applies_to"] == ["home", "mixed"]


def test_models_match_migrations(engine):
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert differences == []


def test_sqlite_runs_with_wal_foreign_keys_and_busy_timeout(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'pragmas.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_adding_a_status_is_a_data_change(engine):
    with engine.begin() as conn:
        conn.execute(Status.__table__.insert().values(
            code="inspected", label_zh="已检查", label_en="Inspected", color="#8E24AA", text_code="I",
            pattern="dotted", sort_order=70, applies_to=["home", "firm", "mixed"]))
        assert queries.statuses(conn)[-1]["code"] == "inspected"


def test_demo_matches_the_lugu_story(demo_engine):
    with demo_engine.connect() as conn:
        buildings = conn.execute(select(Building.use, func.count()).group_by(Building.use)).all()
        workstations = conn.execute(select(func.count()).where(Area.kind == "workstation")).scalar_one()
        uses = dict(conn.execute(select(Unit.use, func.count()).group_by(Unit.use)).all())
        statuses = {row[0] for row in conn.execute(select(Unit.status).distinct())}
        labels = {row[0] for row in conn.execute(select(Floor.label).distinct())}
    assert dict(buildings) == {"commercial": 22, "mixed": 11}
    assert 3 <= workstations <= 4
    assert 1_200 <= uses["firm"] + uses["mixed"] <= 1_700
    assert 700 <= uses["home"] + uses["mixed"] <= 1_100
    assert statuses == set(DEFAULT_CODES)
    assert {"B1", "B2", "5"} <= labels


def test_demo_has_skipped_floor_labels_somewhere(demo_engine):
    with demo_engine.connect() as conn:
        skipping = conn.execute(select(Floor.entrance_id).where(Floor.level == 4, Floor.label == "5")).all()
    assert skipping, "some buildings should label their fourth level '5' (no floor 4)"


def test_demo_is_deterministic(engine, tmp_path):
    other = make_engine(f"sqlite:///{tmp_path / 'again.db'}")
    upgrade(other)
    for db in (engine, other):
        create_demo(db, today=DEMO_TODAY)
    fingerprint = select(Unit.id, Unit.label, Unit.status, Unit.occupant_name).order_by(Unit.id)
    with engine.connect() as first, other.connect() as second:
        assert first.execute(fingerprint).all() == second.execute(fingerprint).all()


def test_demo_history_replays_to_current_status(demo_engine):
    with demo_engine.connect() as conn:
        changes = conn.execute(select(UnitChange.unit_id, UnitChange.status_before, UnitChange.status_after)
                               .order_by(UnitChange.unit_id, UnitChange.changed_at, UnitChange.id)).all()
        current = dict(conn.execute(select(Unit.id, Unit.status)).all())
        versions = dict(conn.execute(select(Unit.id, Unit.version)).all())
    replayed, seen = {}, Counter()
    for unit_id, before, after in changes:
        assert before == replayed.get(unit_id), f"unit {unit_id}: history is not a chain"
        replayed[unit_id] = after
        seen[unit_id] += 1
    assert replayed == current
    assert dict(seen) == versions
    assert any(n >= 2 for n in seen.values()), "the demo should have weeks of changes, not only an import"


def test_demo_counts_are_maintained(demo_engine):
    with demo_engine.connect() as conn:
        assert maintained_counts(conn) == recounted(conn)


def test_scaled_demo_adds_subdistricts(engine):
    report = create_demo(engine, units=8_000, today=DEMO_TODAY)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Unit)).scalar_one() == report.units >= 8_000
        subdistricts = conn.execute(select(func.count()).where(Area.kind == "subdistrict")).scalar_one()
        assert maintained_counts(conn) == recounted(conn)
        ids_after = conn.execute(select(func.max(UnitChange.id))).scalar_one()
    assert subdistricts >= 3
    with engine.begin() as conn:
        apply_edits(conn, [UnitEdit(1, {"note": "sequence moved past loaded ids"})], ChangeContext(actor=SYSTEM))
        assert conn.execute(select(func.max(UnitChange.id))).scalar_one() == ids_after + 1


def test_clear_deletes_buildings_but_keeps_the_catalogue(demo_engine):
    assert has_data(demo_engine)
    clear(demo_engine)
    assert not has_data(demo_engine)
    with demo_engine.connect() as conn:
        assert len(queries.statuses(conn)) == len(DEFAULT_CODES)


def first_unit(conn, status: str) -> dict:
    """Some unit with a status."""
    row = conn.execute(select(Unit.__table__).where(Unit.status == status).order_by(Unit.id).limit(1)).one()
    return dict(row._mapping)


def test_status_change_writes_history_counts_version_and_revision(demo_engine):
    with demo_engine.begin() as conn:
        unit = first_unit(conn, "healthy")
        revision = conn.execute(select(Building.revision).where(Building.id == unit["building_id"])).scalar_one()
        edit = UnitEdit(unit["id"], {"status": "quarantined", "quarantine_start": dt.date(2020, 3, 1),
                                     "quarantine_end": dt.date(2020, 3, 15)}, seen_version=unit["version"])
        changed = apply_edits(
            conn, [edit], ChangeContext(actor=Account(9, "王芳", "staff", ("/1/",)), batch_id="b-1", request_id="r-1")
        )
    with demo_engine.connect() as conn:
        after = queries.unit(conn, unit["id"])
        history = queries.unit_history(conn, unit["id"])
        assert maintained_counts(conn) == recounted(conn)
        new_revision = conn.execute(select(Building.revision).where(Building.id == unit["building_id"])).scalar_one()
    assert changed == [unit["id"]]
    assert (after["status"], after["version"], after["quarantine_end"]) == (
        "quarantined",
        unit["version"] + 1,
        dt.date(2020, 3, 15),
    )
    assert new_revision == revision + 1
    newest = history[0]
    assert (newest["actor"], newest["source"], newest["batch_id"], newest["request_id"]) == (
        "王芳",
        "manual",
        "b-1",
        "r-1",
    )
    assert (newest["status_before"], newest["status_after"]) == ("healthy", "quarantined")
    assert newest["data_before"] == {"status": "healthy", "quarantine_start": None, "quarantine_end": None}
    assert newest["data_after"]["quarantine_end"] == "2020-03-15"


def test_stale_edit_is_refused_and_changes_nothing(demo_engine):
    with demo_engine.connect() as conn:
        first, second = (first_unit(conn, "healthy"), first_unit(conn, "reopened"))
        changes_before = conn.execute(select(func.count()).select_from(UnitChange)).scalar_one()
    with demo_engine.begin() as conn:
        apply_edits(conn, [UnitEdit(second["id"], {"status": "not_reopened"})], ChangeContext(actor=SYSTEM))
        changes_before += 1
    edits = [UnitEdit(first["id"], {"status": "unverified"}, seen_version=first["version"]),
             UnitEdit(second["id"], {"status": "unverified"}, seen_version=second["version"])]
    with pytest.raises(StaleEdit) as refused, demo_engine.begin() as conn:
        apply_edits(conn, edits, ChangeContext(actor=SYSTEM))
    assert refused.value.unit_ids == [second["id"]]
    with demo_engine.connect() as conn:
        assert queries.unit(conn, first["id"])["status"] == "healthy"
        assert conn.execute(select(func.count()).select_from(UnitChange)).scalar_one() == changes_before


def test_bad_edits_are_refused(demo_engine):
    with demo_engine.begin() as conn:
        with pytest.raises(UnknownUnit):
            apply_edits(conn, [UnitEdit(10**9, {"note": "x"})], ChangeContext(actor=SYSTEM))
        with pytest.raises(ValueError, match="cannot be edited"):
            apply_edits(conn, [UnitEdit(1, {"version": 99})], ChangeContext(actor=SYSTEM))
        with pytest.raises(ValueError, match="source"):
            apply_edits(conn, [UnitEdit(1, {"note": "x"})], ChangeContext(actor=SYSTEM, source="magic"))
        with pytest.raises(ValueError, match="once"):
            apply_edits(
                conn,
                [UnitEdit(1, {"status": "vacant"}), UnitEdit(1, {"status": "healthy"})],
                ChangeContext(actor=SYSTEM),
            )


def test_unchanged_values_write_nothing(demo_engine):
    with demo_engine.begin() as conn:
        unit = first_unit(conn, "vacant")
        assert apply_edits(conn, [UnitEdit(unit["id"], {"status": "vacant"})], ChangeContext(actor=SYSTEM)) == []
        assert queries.unit(conn, unit["id"])["version"] == unit["version"]


def test_recount_rebuilds_counts(demo_engine):
    with demo_engine.begin() as conn:
        conn.execute(BuildingStatusCount.__table__.update().values(count=0))
        conn.execute(AreaCount.__table__.update().values(units=0))
        recount(conn)
        assert maintained_counts(conn) == recounted(conn)
        assert rollups_match(conn)


def test_area_counts_cover_the_subtree(demo_engine):
    with demo_engine.connect() as conn:
        root = conn.execute(select(Area.id).where(Area.kind == "city")).scalar_one()
        workstation = conn.execute(select(Area.id).where(Area.kind == "workstation").order_by(Area.id)).first()[0]
        everything = dict(conn.execute(select(Unit.status, func.count()).group_by(Unit.status)).all())
        in_workstation = dict(conn.execute(
            select(Unit.status, func.count()).join(Building, Building.id == Unit.building_id)
            .where(Building.area_id == workstation).group_by(Unit.status)).all())
        assert queries.area_status_counts(conn, root) == everything
        assert queries.area_status_counts(conn, workstation) == in_workstation


def test_building_search_escapes_wildcards(demo_engine):
    with demo_engine.begin() as conn:
        conn.execute(Building.__table__.update().where(Building.id == 2).values(name="100% 大厦_A"))
        assert [b["id"] for b in queries.building_list(conn, "100%")] == [2]
        assert [b["id"] for b in queries.building_list(conn, "_A")] == [2]
        assert len(queries.building_list(conn, "鲁谷路")) == 33
        assert len(queries.building_list(conn, "第一楼宇")) == 9
        assert queries.building_list(conn, "nothing like this") == []


def test_area_trail_is_top_first(demo_engine):
    with demo_engine.connect() as conn:
        building = queries.building(conn, 1)
        trail = queries.area_trail(conn, building["area_id"])
    assert [a["kind"] for a in trail] == ["city", "district", "subdistrict", "workstation"]
    assert trail[2]["name"] == "鲁谷街道"


def test_building_layout_orders_entrances_and_floors(demo_engine):
    with demo_engine.connect() as conn:
        entrances, floors = queries.building_layout(conn, 1)
        units = queries.building_units(conn, 1)
    assert [e["position"] for e in entrances] == sorted(e["position"] for e in entrances)
    assert [f["level"] for f in floors] == sorted(f["level"] for f in floors)
    assert {u["floor_id"] for u in units} <= {f["id"] for f in floors}
    assert "occupant_name" not in units[0] and "contact_phone" not in units[0]


def test_postgresql_sequences_follow_bulk_loaded_ids(postgres_cluster):
    engine = make_engine(postgres_cluster.new_database())
    create_demo(engine, today=DEMO_TODAY)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM units")).scalar_one() > 2_000
        next_id = conn.execute(text("SELECT nextval(pg_get_serial_sequence('units', 'id'))")).scalar_one()
        assert next_id == conn.execute(text("SELECT max(id) + 1 FROM units")).scalar_one()
