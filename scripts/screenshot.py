"""Screenshot pages of the demo in headless Chromium: `python scripts/screenshot.py [--out docs] [PATH ...]`."""
from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import threading
import time
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from werkzeug.serving import make_server

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dashboard import create_app  # noqa: E402
from dashboard.extensions import engine  # noqa: E402
from data.demo import create_demo  # noqa: E402
from scripts.chrome import chrome_options  # noqa: E402

DEFAULT_PAGES = {"building.png": "/building/4", "overview.png": "/"}
OPEN_FIRST = ".unit-grid .cell[data-status=quarantined]"


def chrome(width: int = 1400, height: int = 1000) -> webdriver.Chrome:
    """A headless Debian Chromium driven by chromedriver from PATH."""
    return webdriver.Chrome(options=chrome_options(width, height))


def serve_demo(folder: Path) -> tuple[str, object]:
    """Start the app on a fresh demo database in a thread; returns its URL and the server."""
    app = create_app({"DATABASE_URL": f"sqlite:///{folder / 'demo.db'}"})
    with app.server.app_context():
        create_demo(engine(), today=dt.date(2020, 3, 1))
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server


def shoot(driver: webdriver.Chrome, url: str, out: Path) -> None:
    """Open a page, wait until Dash has drawn it, open a quarantined unit if there is a grid, and save a PNG."""
    driver.get(url)
    WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "h1"))
    time.sleep(1.0)
    cells = driver.find_elements(By.CSS_SELECTOR, OPEN_FIRST)
    if cells:
        cells[0].click()
        WebDriverWait(driver, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".unit-card"))
    driver.save_screenshot(str(out))
    print(f"wrote {out}")


def main() -> None:
    """Screenshot the given paths (or the README's pages) of the demo."""
    args = argparse.ArgumentParser(description=__doc__)
    args.add_argument("--out", type=Path, default=Path("docs"))
    args.add_argument("pages", nargs="*", help="NAME.png=/path pairs")
    parsed = args.parse_args()
    pages = dict(p.split("=", 1) for p in parsed.pages) or DEFAULT_PAGES
    parsed.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        base, server = serve_demo(Path(folder))
        driver = chrome()
        try:
            for name, path in pages.items():
                shoot(driver, base + path, parsed.out / name)
        finally:
            driver.quit()
            server.shutdown()


if __name__ == "__main__":
    main()
