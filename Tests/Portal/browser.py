"""A real browser for the portal's tests: Debian's headless chromium driven by selenium.

Debian's chromium and its chromedriver come as one version (`scripts/ensure-deps.sh chromium`), so
selenium is pointed at both by path: its own driver manager would try to download a browser.
"""
import json
import os

from axe_selenium_python import Axe
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCREENSHOTS = os.path.join(ROOT, ".build", "portal-screenshots")
# The smallest phone width the portal is made for, and a common laptop's window.
SIZES = {"phone": (360, 640), "desktop": (1280, 900)}
# The impacts that fail a page: "minor" and "moderate" findings are printed by axe's report but
# left to judgement, as the issue asks for none serious or critical.
FAILING_IMPACTS = ("serious", "critical")
# A page of the portal answers in milliseconds; longer means the server hangs, not the network.
PAGE_LOAD_SECONDS_MAX = 30


def start(size="desktop"):
    """A new headless chromium with a window of SIZES[size]; the caller quits it."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    width, height = SIZES[size]
    options.add_argument("--headless=new")
    options.add_argument(f"--window-size={width},{height}")
    # The page's language comes from its path, but the browser's own must not vary between machines.
    options.add_argument("--lang=it-IT")
    # Containers have a small /dev/shm; chromium's renderers crash on it without this.
    options.add_argument("--disable-dev-shm-usage")
    # The network events of each page, so a test reads the HTTP status of what the browser shows
    # (a refusal is a 403 page, not only a sentence): document_status below.
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    if os.geteuid() == 0:
        # Chromium refuses to start as root with its sandbox on (CI runs as root).
        options.add_argument("--no-sandbox")
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(PAGE_LOAD_SECONDS_MAX)
    # Headless chromium may size the viewport, not the window, from --window-size: set it again so
    # the layout under test is the one named.
    driver.set_window_size(width, height)
    return driver


def document_status(driver):
    """The HTTP status of the last page the browser loaded since the previous call (after any redirects)."""
    status = None
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.responseReceived" and message["params"].get("type") == "Document":
            status = message["params"]["response"]["status"]
    return status


def screenshot(driver, name):
    """Saves the current page as .build/portal-screenshots/NAME.png (for a person to look at)."""
    os.makedirs(SCREENSHOTS, exist_ok=True)
    path = os.path.join(SCREENSHOTS, name + ".png")
    if not driver.save_screenshot(path):
        raise AssertionError(f"chromium could not save the screenshot {path}")
    return path


def check_axe(driver, name):
    """Runs axe-core on the current page; raises AssertionError listing each serious or critical violation."""
    axe = Axe(driver)
    axe.inject()
    results = axe.run()
    failing = [violation for violation in results["violations"] if violation.get("impact") in FAILING_IMPACTS]
    if failing:
        lines = [f"axe: {len(failing)} serious or critical violation(s) on {name} ({driver.current_url}):"]
        for violation in failing:
            lines.append(f"  {violation['id']} ({violation['impact']}): {violation['help']}")
            for node in violation["nodes"]:
                summary = node.get("failureSummary", "").strip().replace("\n", "\n      ")
                lines.append(f"    {' '.join(map(str, node['target']))}: {summary}")
                lines.append(f"      {node.get('html', '')[:200]}")
        raise AssertionError("\n".join(lines))
    return results
