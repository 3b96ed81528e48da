"""Callbacks, registered explicitly per app (never with the process-global @dash.callback)."""
from dash import Dash

from callbacks import area, building, editing, overview


def register(app: Dash) -> None:
    """Register every page's callbacks on the app."""
    overview.register(app)
    area.register(app)
    building.register(app)
    editing.register(app)
