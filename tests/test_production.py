"""What several workers need: migrations that tolerate simultaneous starts, a health endpoint, a JSON API (both
backends)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlalchemy import func, select, text

from dashboard.extensions import ENGINE_KEY, engine
from data.db import make_engine
from data.models import Area, Building, Unit
from tests.helpers import BACKENDS


@pytest.mark.parametrize("backend", BACKENDS)
def test_workers_starting_together_migrate_once(backend, request, tmp_path):
    database_url = (f"sqlite:///{tmp_path / 'units.db'}" if backend == "sqlite"
                    else request.getfixturevalue("postgres_cluster").new_database(migrated=False))
    migrate = "import sys; from data.db import make_engine, upgrade; upgrade(make_engine(sys.argv[1]))"
    workers = [subprocess.Popen([sys.executable, "-c", migrate, database_url], stderr=subprocess.PIPE, text=True)
               for _ in range(4)]
    failures = [worker.stderr.read() for worker in workers if worker.wait(timeout=120) != 0]
    db = make_engine(database_url)
    with db.connect() as conn:
        versions = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    db.dispose()
    assert failures == [] and len(versions) == 1


def test_health_names_the_schema_and_says_503_without_a_database(app, anonymous, client):
    answer = client.get("/health")
    assert answer.status_code == 200 and answer.get_json()["migration"].startswith("0")
    app.server.extensions[ENGINE_KEY] = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    down = anonymous.get("/health")
    assert down.status_code == 503 and down.get_json() == {"status": "unavailable"}


@pytest.mark.parametrize("area_id", [3, 4])
def test_api_area_counts_match_a_count_of_the_units_of_the_whole_subtree(app, client, area_id):
    with app.server.app_context(), engine().connect() as conn:
        path = conn.execute(select(Area.path).where(Area.id == area_id)).scalar_one()
        rows = conn.execute(
            select(Unit.status, func.count(), func.sum(Unit.residents), func.sum(Unit.staff))
            .join(Building)
            .join(Area)
            .where(Area.path.startswith(path))
            .group_by(Unit.status)
        ).all()
    answer = client.get(f"/api/areas/{area_id}/counts").get_json()
    assert answer["by_status"] == {status: units for status, units, _, _ in rows}
    assert answer["residents_by_status"] == {status: residents for status, _, residents, _ in rows}
    assert answer["staff_by_status"] == {status: staff for status, _, _, staff in rows}
    assert answer["units"] == sum(units for _, units, _, _ in rows) and answer["area"]["id"] == area_id


def test_api_is_scoped_and_closed_to_anonymous_users(client_as, anonymous):
    staff = client_as("staff")
    assert staff.get("/api/areas/4/counts").status_code == 200
    assert staff.get("/api/areas/5/counts").status_code == 404
    assert staff.get("/api/areas/999/counts").status_code == 404
    assert anonymous.get("/api/areas/4/counts").status_code == 401
    leader = client_as("leader")
    assert leader.get("/api/areas/3/counts").status_code == 200 and leader.get("/api/areas/1/counts").status_code == 404
