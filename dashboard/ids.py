"""Every component id of the app; pattern-matching ids are built by functions."""
from dash import ALL

from data import validation

NAVBAR = "navbar"
DATABASE_PROBLEM = "database-problem"

OVERVIEW_SEARCH = "overview-search"
OVERVIEW_LIST = "overview-list"

BUILDING_ID = "building-id"
GRID_DATA = "grid-data"
GRID_HOST = "grid-host"
GRID_SUMMARY = "grid-summary"
SELECTED_UNIT = "selected-unit"
UNIT_PANEL = "unit-panel"
UNIT_VERIFIED = "unit-verified"
LEGEND = "legend"

LEGEND_ITEM = "legend-item"


def legend_item(status: str) -> dict:
    """The legend entry of one status."""
    return {"type": LEGEND_ITEM, "status": status}


ALL_LEGEND_ITEMS = legend_item(ALL)

EDIT_FIELDS = validation.EDIT_FIELDS
EDIT_SEEN = "edit-seen"
EDIT_SAVE = "edit-save"
EDIT_NOTE_LEFT = "edit-note-left"
EDIT_CLEAR_OCCUPANT = "edit-clear-occupant"
CONFLICT_CHOICE = "conflict-choice"
RECENT_CHANGES = "recent-changes"
REVISION_SEEN = "revision-seen"
REFRESH = "refresh"
ACTION_MESSAGE = "action-message"
UNDO = "undo-batch"
UNDO_MESSAGE = "undo-message"
ADDRESS_PROBLEM = "address-problem"


def edit_field(name: str) -> str:
    """The input of one field of the unit edit form."""
    return f"edit-{name.replace('_', '-')}"


def conflict_choice(field: str) -> dict:
    """The choice between a colleague's value and yours for one field both changed."""
    return {"type": CONFLICT_CHOICE, "field": field}


ALL_CONFLICT_CHOICES = conflict_choice(ALL)


def undo_button(batch_id: str) -> dict:
    """The undo button of one batch of changes."""
    return {"type": UNDO, "batch": batch_id}


ALL_UNDO_BUTTONS = undo_button(ALL)

SELECTION = "selection"
BULK_BAR = "bulk-bar"
BULK_COUNT = "bulk-count"
BULK_STATUS = "bulk-status"
BULK_COMMENT = "bulk-comment"
BULK_START = "bulk-start"
BULK_END = "bulk-end"
BULK_UNOCCUPIED = "bulk-unoccupied"
BULK_CLEAR_OCCUPANTS = "bulk-clear-occupants"
BULK_DATES = "bulk-dates"
BULK_APPLY = "bulk-apply"
BULK_CLEAR = "bulk-clear"
DUE_LIST = "due-list"
CONFIRM = "confirm-due"


def confirm_button(unit_id, version) -> dict:
    """The button that confirms the next status of a unit whose quarantine ended, at the version shown."""
    return {"type": CONFIRM, "unit": unit_id, "version": version}


ALL_CONFIRM_BUTTONS = confirm_button(ALL, ALL)

AREA_CHART = "area-chart"
AREA_TREND = "area-trend"
AREA_CHILDREN = "area-children"
AREA_BUILDINGS = "area-buildings"
LANGUAGE_SWITCH = "language-switch"
