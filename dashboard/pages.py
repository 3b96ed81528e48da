"""The app's pages, registered explicitly: one module of glue per page in callbacks/."""
import dash

from callbacks import access_log, area, building, not_found, overview


def register_all() -> None:
    """Register every page in Dash's page registry (call after creating a Dash app with use_pages=True)."""
    dash.register_page("overview", path="/", name="Buildings", layout=overview.page)
    dash.register_page("building", path_template="/building/<building_id>", name="Building", layout=building.page)
    dash.register_page("areas", path="/areas", name="Areas", layout=area.top_page)
    dash.register_page("area", path_template="/area/<area_id>", name="Area", layout=area.page)
    dash.register_page("access_log", path="/admin/access-log", name="Access log", layout=access_log.page)
    dash.register_page("not_found_404", path="/404", name="Not found", layout=not_found.page)
