"""Headless Debian Chromium options shared by the screenshot script, the benchmarks and the browser tests."""
from selenium.webdriver.chrome.options import Options

CHROMIUM = "/usr/bin/chromium"
# The network here is closed: without the background-networking flags Chromium keeps retrying Google's hosts.
FLAGS = ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", "--hide-scrollbars")


def chrome_options(width: int = 1400, height: int = 1000) -> Options:
    """Options for a headless Chromium window of the given size."""
    options = Options()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--window-size={width},{height}")
    # As the tool's users' browsers: Chinese first (pages follow Accept-Language until a user chooses).
    # (dash.testing replaces the prefs, so the language is given by switches.)
    options.add_argument("--lang=zh-CN")
    options.add_argument("--accept-lang=zh-CN,zh")
    return options
