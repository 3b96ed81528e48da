"""The app factory."""
from __future__ import annotations

from pathlib import Path

from dash import Dash

import callbacks
from dashboard import api, chart_downloads, downloads, figure_downloads, pages, print_pages
from dashboard.auth import current_account, init_auth
from dashboard.config import load_config, secret_key, use_password_cost
from dashboard.extensions import attach_engine
from dashboard.headers import init_headers
from dashboard.i18n import html_lang
from dashboard.language import init_language
from dashboard.outage import init_outage
from data.db import make_engine, upgrade
from layouts.common import shell

ASSETS = Path(__file__).resolve().parent.parent / "assets"


class FloorPlanApp(Dash):
    """Dash whose page names its language (<html lang>), the reader's."""

    def interpolate_index(self, **parts) -> str:
        """Dash's page, its html element carrying the language."""
        return super().interpolate_index(**parts).replace("<html>", f'<html lang="{html_lang()}">', 1)


def create_app(config: dict | None = None) -> Dash:
    """Build a Dash app on its own engine, migrated to the latest schema."""
    settings = load_config(config)
    use_password_cost(settings)
    app = FloorPlanApp(
        __name__, use_pages=True, pages_folder="", assets_folder=str(ASSETS),
        title="楼盘图 · Building status", update_title=None, serve_locally=True,
        suppress_callback_exceptions=True,
        # Dash turns async on whenever asgiref is importable (a dependency of Datasette here); no callback is async,
        # and async mode costs 16-28 % of each callback's time under gunicorn's sync workers.
        use_async=False,
    )
    app.server.config.update(settings, SECRET_KEY=secret_key(settings))
    engine = make_engine(settings["DATABASE_URL"])
    upgrade(engine)
    attach_engine(app.server, engine)
    init_auth(app.server)
    init_language(app.server)
    init_outage(app.server)
    api.register(app.server)
    downloads.register(app.server)
    chart_downloads.register(app.server)
    figure_downloads.register(app.server)
    print_pages.register(app.server)
    pages.register_all()
    app.layout = lambda: shell(pages.first_page(), current_account())
    callbacks.register(app)
    init_headers(app)
    return app
