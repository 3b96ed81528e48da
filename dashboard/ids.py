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
AREA_LEDGER_XLSX = "area-ledger-xlsx"
AREA_LEDGER_CSV = "area-ledger-csv"
AREA_FIGURES_XLSX = "area-figures-xlsx"
AREA_FIGURES_CSV = "area-figures-csv"
LANGUAGE_SWITCH = "language-switch"
NAV_ADMIN = "nav-admin"
NAV_ACCESS_LOG = "nav-access-log"

# admin statuses
STATUS_LIST = "status-list"
STATUS_EDITING = "status-editing"
STATUS_FEEDBACK = "status-feedback"
STATUS_PREVIEW = "status-preview"
STATUS_SAVE = "status-save"
STATUS_RETIRE = "status-retire"
STATUS_RESTORE = "status-restore"
STATUS_DELETE = "status-delete"
STATUS_ACTIONS = "status-actions"
NAV_STATUSES = "nav-statuses"
STATUS_ADD = "status-add"


def status_field(name: str) -> str:
    """One field of the status catalogue's edit form."""
    return f"status-field-{name.replace('_', '-')}"


# admin users
USERS_TABLE = "users-table"
USER_NEW_NAME = "user-new-name"
USER_NEW_ROLE = "user-new-role"
USER_NEW_AREAS = "user-new-areas"
USER_ADD = "user-add"
USER_PICK = "user-pick"
USER_ROLE = "user-role"
USER_AREAS = "user-areas"
USER_SAVE_ROLE = "user-save-role"
USER_SAVE_AREAS = "user-save-areas"
USER_ONE_TIME = "user-one-time"
USER_DISABLE = "user-disable"
USER_MESSAGE = "user-message"
ACTIONS_LOG = "actions-log"
NAV_USERS = "nav-users"
# account
NAV_ACCOUNT = "nav-account"
ACCOUNT_CURRENT = "account-current"
ACCOUNT_NEW = "account-new"
ACCOUNT_AGAIN = "account-again"
ACCOUNT_SAVE = "account-save"
ACCOUNT_MESSAGE = "account-message"
# admin buildings
NAV_NEW_BUILDING = "nav-new-building"
BUILDING_NEW_AREA = "building-new-area"
BUILDING_NEW_PREVIEW = "building-new-preview"
BUILDING_NEW_SAVE = "building-new-save"
BUILDING_NEW_MESSAGE = "building-new-message"
BUILDING_NEW_GRID_BOX = "building-new-grid-box"
BUILDING_NEW_GRID_DATA = "building-new-grid-data"
BUILDING_NEW_GRID_HOST = "building-new-grid-host"
BUILDING_NEW_GRID_SUMMARY = "building-new-grid-summary"
BUILDING_NEW_SELECTED = "building-new-selected"
BUILDING_NEW_SELECTION = "building-new-selection"


def building_new_field(name: str) -> str:
    """One text field of the new-building template form."""
    return f"building-new-{name}"


# admin areas
ADMIN_AREAS_TABLE = "admin-areas-table"
ADMIN_AREAS_MESSAGE = "admin-areas-message"
ADMIN_AREA_NEW_NAME = "admin-area-new-name"
ADMIN_AREA_NEW_PARENT = "admin-area-new-parent"
ADMIN_AREA_NEW_KIND = "admin-area-new-kind"
ADMIN_AREA_ADD = "admin-area-add"
ADMIN_AREA_PICK = "admin-area-pick"
ADMIN_AREA_NAME = "admin-area-name"
ADMIN_AREA_RENAME = "admin-area-rename"
ADMIN_AREA_PARENT = "admin-area-parent"
ADMIN_AREA_MOVE = "admin-area-move"
ADMIN_AREA_RETIRE = "admin-area-retire"
NAV_AREAS = "nav-admin-areas"


# admin building layout
LAYOUT_LINK = "layout-link"
LAYOUT_BUILDING = "layout-building"
LAYOUT_MESSAGE = "layout-message"
LAYOUT_GRID_DATA = "layout-grid-data"
LAYOUT_GRID_HOST = "layout-grid-host"
LAYOUT_GRID_SUMMARY = "layout-grid-summary"
LAYOUT_SELECTED = "layout-selected"
LAYOUT_SELECTION = "layout-selection"
# The forms' actions, in the order of the page.
LAYOUT_ACTIONS = ("rename", "merge", "split", "add-floor", "remove-floor", "move")


def layout_button(action: str) -> str:
    """The button of one action's form on the building layout page."""
    return f"layout-{action}-go"


def layout_field(action: str, name: str) -> str:
    """One field of one action's form on the building layout page."""
    return f"layout-{action}-{name}"


# ledger import
NAV_IMPORT = "nav-import"
IMPORT_AREA = "import-area"
IMPORT_UPLOAD = "import-upload"
# Named in assets/import.js, which labels the upload's file input with it.
IMPORT_UPLOAD_LABEL = "import-upload-label"
IMPORT_PREVIEW = "import-preview"
IMPORT_COUNTS = "import-counts"
IMPORT_PROBLEMS = "import-problems"
IMPORT_NEW_UNITS = "import-new-units"
IMPORT_CREATED = "import-created"
IMPORT_CHANGES = "import-changes"
IMPORT_SKIPPED = "import-skipped"
IMPORT_MAPPING = "import-mapping"
IMPORT_SHOWN_COLUMNS = "import-shown-columns"
IMPORT_DIGEST = "import-digest"
IMPORT_KEEP = "import-keep"
IMPORT_APPLY = "import-apply"
IMPORT_RESULT = "import-result"
IMPORT_BATCH = "import-batch"
IMPORT_UNDO = "import-undo"
IMPORT_UNDO_MESSAGE = "import-undo-message"
IMPORT_COLUMN = "import-column"


def import_column(index) -> dict:
    """The field chosen for one column (by its position) of the uploaded ledger."""
    return {"type": IMPORT_COLUMN, "index": index}


ALL_IMPORT_COLUMNS = import_column(ALL)

PRINT_LINK = "print-link"

CHART_DOWNLOAD = "chart-download"
AREA_CHARTS_XLSX = "area-charts-xlsx"
