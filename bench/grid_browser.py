"""Browser timings of the grid: navigation to a drawn 60x40 grid, and a cell click to the unit panel.

`python -m bench.grid_browser [--runs N]` prints medians; it is a measurement, not a test.
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import select

from data.demo import add_tower
from data.models import Building
from scripts.demo_server import DemoServer, signed_in_chrome

CLICK_TO_PANEL = """
const [unitId, done] = arguments;
const cell = document.querySelector(`.unit-grid .cell[data-unit="${unitId}"]`);
const started = performance.now();
const seen = () => document.querySelector(`#unit-panel .unit-card[data-unit="${unitId}"]`);
new MutationObserver((_, observer) => {
  if (seen()) { observer.disconnect(); done(performance.now() - started); }
}).observe(document.getElementById("unit-panel"), {childList: true, subtree: true});
cell.click();
"""


def serve_with_tower(folder: Path) -> tuple[DemoServer, int]:
    """The demo app with a 60x40 tower added; returns the server and the tower's id."""
    demo = DemoServer(folder)
    with demo.engine().connect() as conn:
        area_id = conn.execute(select(Building.area_id).limit(1)).scalar_one()
    return demo, add_tower(demo.engine(), area_id, floors=60, width=40)


def draw_ms(driver: webdriver.Chrome, url: str) -> tuple[float, float]:
    """Milliseconds from navigation start to the grid drawn, and the drawing's own script time."""
    driver.get(url)
    WebDriverWait(driver, 30).until(lambda d: d.execute_script("return document.getElementById('grid-host')?.dataset.drawnAt"))
    data = driver.execute_script("const h = document.getElementById('grid-host').dataset; return [h.drawnAt, h.drawnMs];")
    return float(data[0]), float(data[1])


def click_ms(driver: webdriver.Chrome, unit_id: str) -> float:
    """Milliseconds from a cell click to its unit panel in the page."""
    driver.set_script_timeout(10)
    return float(driver.execute_async_script(CLICK_TO_PANEL, unit_id))


def main() -> None:
    """Measure and print medians."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as folder:
        demo, tower = serve_with_tower(Path(folder))
        base = demo.url
        driver = signed_in_chrome(base)
        try:
            draw_ms(driver, f"{base}/building/{tower}")
            draws = [draw_ms(driver, f"{base}/building/{tower}") for _ in range(runs)]
            cells = driver.execute_script("return [...document.querySelectorAll('.unit-grid .cell')].map(c => c.dataset.unit)")
            clicks = [click_ms(driver, cells[(i * 397) % len(cells)]) for i in range(runs)]
        finally:
            driver.quit()
            demo.stop()
    print(f"60x40 grid, {runs} runs, medians:")
    print(f"  navigation start -> grid drawn: {statistics.median(d[0] for d in draws):7.0f} ms")
    print(f"  of which drawing the grid:      {statistics.median(d[1] for d in draws):7.0f} ms")
    print(f"  cell click -> unit panel shown: {statistics.median(clicks):7.0f} ms")


if __name__ == "__main__":
    main()
