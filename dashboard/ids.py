"""Every component id of the app; pattern-matching ids are built by functions."""
from dash import ALL

NAVBAR = "navbar"

OVERVIEW_SEARCH = "overview-search"
OVERVIEW_LIST = "overview-list"

BUILDING_ID = "building-id"
GRID_DATA = "grid-data"
GRID_HOST = "grid-host"
GRID_SUMMARY = "grid-summary"
SELECTED_UNIT = "selected-unit"
UNIT_PANEL = "unit-panel"
LEGEND = "legend"

LEGEND_ITEM = "legend-item"


def legend_item(status: str) -> dict:
    """The legend entry of one status."""
    return {"type": LEGEND_ITEM, "status": status}


ALL_LEGEND_ITEMS = legend_item(ALL)
