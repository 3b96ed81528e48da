"""Browser timings of the grid in headless Chromium: navigation to a drawn 60x40 grid, and a cell click to the unit
panel."""
from __future__ import annotations

import statistics

from selenium import webdriver
from selenium.webdriver.support.ui import WebDriverWait

from bench.common import PASSWORD, USERNAME
from scripts.demo_server import AppServer, signed_in_chrome

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


def draw_ms(driver: webdriver.Chrome, url: str) -> tuple[float, float]:
    """Milliseconds from navigation start to the grid drawn, and the drawing's own script time."""
    driver.get(url)
    drawn = "return document.getElementById('grid-host')?.dataset.drawnAt"
    WebDriverWait(driver, 30).until(lambda d: d.execute_script(drawn))
    data = driver.execute_script("const h = document.getElementById('grid-host').dataset; "
                                 "return [h.drawnAt, h.drawnMs]")
    return float(data[0]), float(data[1])


def click_ms(driver: webdriver.Chrome, unit_id: str) -> float:
    """Milliseconds from a cell click to its unit panel in the page."""
    driver.set_script_timeout(10)
    return float(driver.execute_async_script(CLICK_TO_PANEL, unit_id))


def browser_figures(app, tower: int, runs: int) -> dict:
    """Medians (ms) in headless Chromium: navigation start to the tower's grid drawn, and a cell click to its panel."""
    served, driver = AppServer(app), None
    try:
        driver = signed_in_chrome(served.url, USERNAME, PASSWORD)
        url = f"{served.url}/building/{tower}"
        draw_ms(driver, url)
        draws = [draw_ms(driver, url) for _ in range(runs)]
        cells = driver.execute_script("return [...document.querySelectorAll('.unit-grid .cell')]"
                                      ".map(c => c.dataset.unit)")
        clicks = [click_ms(driver, cells[(i * 397) % len(cells)]) for i in range(runs)]
    finally:
        if driver:
            driver.quit()
        served.stop()
    return {"grid_draw_ms": round(statistics.median(d[0] for d in draws)),
            "grid_script_ms": round(statistics.median(d[1] for d in draws)),
            "unit_panel_ms": round(statistics.median(clicks))}
