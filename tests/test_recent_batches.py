"""The building's recent batches read a bounded number of change rows however many units a batch changed (both
backends), and the list still says how many units and which status moves."""
from __future__ import annotations

from sqlalchemy import select

from data import queries
from data.accounts import SYSTEM
from data.changes import ChangeContext, UnitEdit, apply_edits
from data.db import writing
from data.models import Unit
from data.restructure import retire_unit
from layouts import recent_changes
from scripts.dash_client import text_of
from tests.helpers import CATALOGUES

BUILDING = 1


def test_a_batch_of_many_units_reads_only_the_rows_the_list_shows(demo_engine):
    with demo_engine.connect() as conn:
        units = conn.execute(select(Unit.id, Unit.status).where(Unit.building_id == BUILDING).order_by(Unit.id)).all()
    assert len(units) > queries.RECENT_DETAILS
    with writing(demo_engine) as conn:
        edits = [UnitEdit(unit_id, {"note": "door-knock round 4"}) for unit_id, _ in units]
        apply_edits(conn, edits, ChangeContext(actor=SYSTEM))
    with demo_engine.connect() as conn:
        latest = queries.recent_batches(conn, BUILDING)[0]
    assert latest["count"] == len(units) and latest["moves"] == []
    assert [c["unit_id"] for c in latest["changes"]] == [unit_id for unit_id, _ in units[:queries.RECENT_DETAILS]]
    listed = text_of(recent_changes.recent([latest], CATALOGUES, can_undo=True))
    assert f"{len(units)} units" in listed and f"{len(units) - queries.RECENT_DETAILS} more" in listed


def test_a_batch_names_its_status_moves_in_the_order_they_first_occur(demo_engine):
    with demo_engine.connect() as conn:
        homes = conn.execute(select(Unit.id).where(Unit.building_id == BUILDING, Unit.status == "healthy")
                             .order_by(Unit.id).limit(3)).scalars().all()
    with writing(demo_engine) as conn:
        apply_edits(conn, [UnitEdit(homes[0], {"status": "unverified"}), UnitEdit(homes[1], {"note": "fine"}),
                           UnitEdit(homes[2], {"status": "unverified"})], ChangeContext(actor=SYSTEM))
    with demo_engine.connect() as conn:
        latest = queries.recent_batches(conn, BUILDING)[0]
    assert (latest["count"], latest["moves"]) == (3, [("healthy", "unverified")])


def test_a_retired_unit_reads_as_retired_and_a_made_one_as_new(demo_engine):
    with demo_engine.connect() as conn:
        home = conn.execute(select(Unit.id).where(Unit.building_id == BUILDING, Unit.status == "healthy")
                            .order_by(Unit.id)).scalar()
    with writing(demo_engine) as conn:
        retire_unit(conn, ChangeContext(actor=SYSTEM), home)
    with demo_engine.connect() as conn:
        latest = queries.recent_batches(conn, BUILDING)[0]
    assert latest["moves"] == [("healthy", None)]
    listed = text_of(recent_changes.recent([latest], CATALOGUES, can_undo=False))
    assert f"→ {recent_changes.RETIRED}" in listed and recent_changes.NEW not in listed
