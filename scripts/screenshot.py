"""Screenshot pages of the demo in headless Chromium:
`python scripts/screenshot.py [--out docs] [NAME.png=/path ...]`."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.demo_server import DemoServer, signed_in_chrome  # noqa: E402

DEFAULT_PAGES = {"building.png": "/building/4", "overview.png": "/", "area.png": "/area/3"}
OPEN_FIRST = ".unit-grid .cell[data-status=quarantined]"


def shoot(driver, url: str, out: Path) -> None:
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
        demo = DemoServer(Path(folder))
        driver = signed_in_chrome(demo.url)
        try:
            for name, path in pages.items():
                shoot(driver, demo.url + path, parsed.out / name)
        finally:
            driver.quit()
            demo.stop()


if __name__ == "__main__":
    main()
