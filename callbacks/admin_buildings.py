"""New-building page glue: preview a template's empty grid, save it as a building (administrators only)."""
from __future__ import annotations

import datetime as dt
import uuid

from dash import Dash, Input, Output, State, ctx, no_update
from flask import current_app

from callbacks.building import register_grid_drawing
from callbacks.parse import positive_int
from dashboard import ids
from dashboard.auth import current_account
from dashboard.config import local_today
from dashboard.extensions import reading, writing
from dashboard.i18n import _, translated
from data import queries
from data.access import authorize
from data.building_plan import BuildingPlan, plan_building, preview_rows, template_from_form
from data.buildings import NEW_UNIT_STATUS, area_choices, create_building
from data.changes import ChangeContext
from data.structure import StructureRefused
from layouts import admin_buildings as layout
from layouts import grid
from layouts.common import not_allowed

SHOWN, HIDDEN = "", "d-none"


def page(**_query):
    """The template form, for administrators."""
    if not authorize(current_account(), "admin"):
        return not_allowed()
    with reading() as conn:
        return layout.page(area_choices(conn))


def preview_or_save(_preview_clicks, _save_clicks, area, *values):
    """Check the template and draw its grid; on Save, also create the building. A refusal says why and changes
    nothing; a non-administrator's request changes nothing."""
    account = current_account()
    if not authorize(account, "admin"):
        return no_update, HIDDEN, layout.refused(_("Your account may not see this page."))
    with reading() as conn:
        statuses, uses = queries.statuses(conn), queries.unit_uses(conn)
    try:
        plan = plan_building(template_from_form(dict(zip(layout.FIELD_NAMES, values, strict=True)), uses),
                             {use["code"] for use in uses})
        payload = grid.grid_payload({"id": 0, "name": plan.name, "revision": 0}, statuses, uses,
                                    *preview_rows(plan, NEW_UNIT_STATUS, _now()), local_today(current_app.config))
        if ctx.triggered_id != ids.BUILDING_NEW_SAVE:
            return payload, SHOWN, layout.previewed(plan.cells, len(payload["rows"]))
        return payload, SHOWN, _save(account, positive_int(area), plan)
    except StructureRefused as refusal:
        return None, HIDDEN, layout.refused(translated(refusal.message))


def _save(account, area_id: int | None, plan: BuildingPlan):
    """Create the building in one transaction; its page's link, or StructureRefused."""
    if area_id is None:
        return layout.refused(_("Choose the area the building belongs to."))
    change = ChangeContext(actor=account, request_id=str(uuid.uuid4()), timezone=current_app.config["TIMEZONE"])
    with writing() as conn:
        building_id = create_building(conn, change, area_id, plan)
    return layout.saved(building_id, plan.name, plan.cells)


def _now() -> dt.datetime:
    """This moment in naive UTC, as units store their times."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def register(app: Dash) -> None:
    """Register the preview/save callback and the clientside drawing of the preview."""
    app.callback(
        Output(ids.BUILDING_NEW_GRID_DATA, "data"),
        Output(ids.BUILDING_NEW_GRID_BOX, "className"),
        Output(ids.BUILDING_NEW_MESSAGE, "children"),
        Input(ids.BUILDING_NEW_PREVIEW, "n_clicks"),
        Input(ids.BUILDING_NEW_SAVE, "n_clicks"),
        State(ids.BUILDING_NEW_AREA, "value"),
        *[State(ids.building_new_field(name), "value") for name in layout.FIELD_NAMES],
        prevent_initial_call=True,
    )(preview_or_save)
    register_grid_drawing(app, ids.BUILDING_NEW_GRID_SUMMARY, ids.BUILDING_NEW_GRID_DATA, ids.BUILDING_NEW_SELECTED,
                          ids.BUILDING_NEW_SELECTION, ids.BUILDING_NEW_GRID_HOST)
