"""Server-side figures of the building page through the Flask test client: the grid callback and one edit."""
from __future__ import annotations

import json

from sqlalchemy import Engine, select

from bench.common import median_ms
from dashboard import ids
from data import queries
from data.models import Unit
from scripts.dash_client import by_id, edit_request, open_page, post_json


def grid_figures(client, tower: int, runs: int) -> dict:
    """Bytes per cell of the tower's grid payload as sent, and the median server time of the page callback."""
    payload = by_id(open_page(client, f"/building/{tower}"), ids.GRID_DATA)["props"]["data"]
    sent = len(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode())
    return {"grid_bytes_per_cell": round(sent / payload["count"], 1),
            "grid_server_ms": median_ms(lambda: open_page(client, f"/building/{tower}"), runs)}


def edit_ms(engine: Engine, app, client, tower: int, runs: int) -> float:
    """Median time of one status edit through the Save callback, end to end, each at the version the editor holds."""
    with engine.connect() as conn:
        unit_id = conn.execute(select(Unit.id).where(Unit.building_id == tower).order_by(Unit.id)).scalars().first()
        unit = queries.unit(conn, unit_id)
    edits = iter(range(runs))

    def save():
        number = next(edits)
        status = "unverified" if number % 2 == 0 else "healthy"
        answer = post_json(client, edit_request(app.callback_map, unit, tower, unit["version"] + number, status=status))
        assert answer.status_code == 200 and ids.GRID_DATA in answer.get_json()["response"], answer.data[:300]

    return median_ms(save, runs)
