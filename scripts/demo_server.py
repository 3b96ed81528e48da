"""An app served in a thread, the demo on it, and a headless Chromium signed in to it (for screenshots and
benchmarks)."""

from __future__ import annotations

import logging
import secrets
import threading
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from werkzeug.serving import make_server

from dashboard import create_app
from dashboard.config import local_today
from dashboard.extensions import engine
from data.accounts import create_user
from data.db import writing
from data.demo import create_demo
from scripts.chrome import chrome_options

USERNAME = "wall-chart"
PASSWORD = secrets.token_urlsafe(16)


class AppServer:
    """A Dash app served in a thread on a free loopback port."""

    def __init__(self, app):
        self.app = app
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self.server = make_server("127.0.0.1", 0, app.server, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Stop serving."""
        self.server.shutdown()


class DemoServer(AppServer):
    """The app on a fresh demo database in a folder, with one administrator, served on a free loopback port."""

    def __init__(self, folder: Path):
        app = create_app({"DATABASE_URL": f"sqlite:///{folder / 'demo.db'}", "SECRET_KEY": secrets.token_hex(16)})
        with app.server.app_context():
            create_demo(engine(), today=local_today(app.server.config))
        add_administrator(app)
        super().__init__(app)


def add_administrator(app) -> None:
    """Add the administrator that screenshots and benchmarks sign in as (USERNAME, PASSWORD)."""
    with app.server.app_context(), writing(engine()) as conn:
        create_user(conn, USERNAME, PASSWORD, "admin")


def signed_in_chrome(base_url: str, username: str = USERNAME, password: str = PASSWORD) -> webdriver.Chrome:
    """A headless Chromium that has signed in through the form."""
    driver = webdriver.Chrome(options=chrome_options())
    try:
        driver.get(f"{base_url}/login")
        driver.find_element(By.ID, "username").send_keys(username)
        driver.find_element(By.ID, "password").send_keys(password)
        driver.find_element(By.CSS_SELECTOR, "form[action='/login'] button[type=submit]").click()
        WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.ID, "navbar"))
    except BaseException:
        driver.quit()
        raise
    return driver
