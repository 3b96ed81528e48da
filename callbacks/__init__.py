"""Callbacks, registered explicitly per app (never with the process-global @dash.callback)."""
from dash import Dash

from callbacks import (
    account,
    admin_areas,
    admin_building_layout,
    admin_buildings,
    admin_statuses,
    admin_users,
    area,
    building,
    editing,
    ledger_import,
    overview,
)


def register(app: Dash) -> None:
    """Register every page's callbacks on the app."""
    overview.register(app)
    area.register(app)
    building.register(app)
    editing.register(app)
    admin_users.register(app)
    account.register(app)
    admin_statuses.register(app)
    admin_buildings.register(app)
    admin_areas.register(app)
    admin_building_layout.register(app)
    ledger_import.register(app)
