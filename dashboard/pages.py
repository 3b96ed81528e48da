"""The app's pages, registered explicitly: one module of glue per page in callbacks/; the page being opened is sent
with the app's layout."""
from urllib.parse import urlsplit

import dash
from dash import dcc, html
from dash._pages import _parse_query_string, _path_to_page  # the router's own: the first page is found as it finds it
from flask import request

from callbacks import (
    access_log,
    account,
    admin_areas,
    admin_building_layout,
    admin_buildings,
    admin_statuses,
    admin_users,
    area,
    building,
    ledger_import,
    not_found,
    overview,
)
from dashboard.i18n import _
from data.i18n import N_

NOT_FOUND_MODULE = "not_found_404"


def register_all() -> None:
    """Register every page in Dash's page registry (call after creating a Dash app with use_pages=True)."""
    dash.register_page("overview", path="/", name=N_("Buildings"), title=titled(N_("Buildings")),
                       layout=overview.page)
    dash.register_page("building", path_template="/building/<building_id>", name=N_("Building"),
                       title=titled(N_("Building")), layout=building.page)
    dash.register_page("areas", path="/areas", name=N_("Areas"), title=titled(N_("Areas")), layout=area.top_page)
    dash.register_page("area", path_template="/area/<area_id>", name=N_("Area"), title=titled(N_("Area")),
                       layout=area.page)
    dash.register_page("access_log", path="/admin/access-log", name=N_("Access log"), title=titled(N_("Access log")),
                       layout=access_log.page)
    dash.register_page("admin_statuses", path="/admin/statuses", name=N_("Status catalogue"),
                       title=titled(N_("Status catalogue")), layout=admin_statuses.page)
    dash.register_page("admin_users", path="/admin/users", name=N_("Users"), title=titled(N_("Users")),
                       layout=admin_users.page)
    dash.register_page("account", path="/account", name=N_("Account"), title=titled(N_("Account")),
                       layout=account.page)
    dash.register_page("admin_buildings", path="/admin/buildings/new", name=N_("New building"),
                       title=titled(N_("New building")), layout=admin_buildings.page)
    dash.register_page("admin_building_layout", path_template="/admin/buildings/<building_id>/layout",
                       name=N_("Building layout"), title=titled(N_("Building layout")),
                       layout=admin_building_layout.page)
    dash.register_page("admin_areas", path="/admin/areas", name=N_("Areas of the tree"),
                       title=titled(N_("Areas of the tree")), layout=admin_areas.page)
    dash.register_page("ledger_import", path="/import", name=N_("Import a ledger"),
                       title=titled(N_("Import a ledger")), layout=ledger_import.page)
    dash.register_page(NOT_FOUND_MODULE, path="/404", name=N_("Not found"), title=titled(N_("Not found")),
                       layout=not_found.page)


def titled(name: str):
    """A page's title for the browser tab, made in the reader's language when the page is opened."""
    def title(**_variables) -> str:
        return _("%(page)s · Building status", page=_(name))
    return title


def first_page():
    """Dash's page container with the page being opened already in it, so that the page comes with the layout rather
    than from the router's callback after it; the empty container (which the router fills) when the layout request
    does not say which page asked for it (no same-origin Referer)."""
    address = _opening_address()
    if address is None:
        return dash.page_container
    content, title = _page_of(address.path, f"?{address.query}" if address.query else "")
    return html.Div([
        # Every property the Location reads on mount is given, so that it does not trigger the router for this page.
        dcc.Location(id="_pages_location", refresh="callback-nav", pathname=address.path,
                     search=f"?{address.query}" if address.query else "", hash="", href=address.geturl()),
        html.Div(content, id="_pages_content", disable_n_clicks=True),
        dcc.Store(id="_pages_store", data={"title": title}),
        html.Div(id="_pages_dummy", disable_n_clicks=True),
    ])


def _opening_address():
    """The address of the page that asked for the layout (its Referer), when it is on this site."""
    referer = request.headers.get("Referer")
    address = urlsplit(referer) if referer else None
    same_site = address is not None and address.scheme == request.scheme and address.netloc == request.host
    return address if same_site and address.path.startswith("/") else None


def _page_of(path: str, search: str) -> tuple:
    """The layout and title Dash's router gives an address (the not-found page for an unknown one)."""
    page, variables = _path_to_page(path.strip("/"))
    if not page:
        page, variables = dash.page_registry[NOT_FOUND_MODULE], {}
    layout = page["layout"]
    if callable(layout):
        layout = layout(**{**(variables or {}), **_parse_query_string(search)})
    return layout, page["title"](**(variables or {})) if callable(page["title"]) else page["title"]
