"""Browser fixtures: the real app in its own process on 127.0.0.1, driven by Debian's Chromium.

The app gets a fresh instance folder and SQLite database, is migrated and seeded with the
demo data exactly as `make run` does, and serves on a free port. Every page visited is
checked with axe-core (from npm) for serious or critical WCAG violations.
"""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
DEMO_PASSWORD = "demo pass phrase for browser tests"
AXE_SECONDS = [0.0]  # time spent in axe this session, printed with the page count
GEOGRAPHY = ROOT / "tests" / "reports" / "data"
LOAD_GEOGRAPHY = """
import sys
from navigator import create_app
from navigator.reports import geodata
data = sys.argv[1]
with create_app().app_context():
    geodata.load_pdus(data + "/tiny_pdus.csv")
    geodata.load_boundaries(data + "/tiny_boundaries.geojson")
    geodata.load_population(data + "/tiny_population.csv")
"""
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        pytest.skip("Browser tests need Debian's chromium and chromium-driver (make test installs them)")
    if not AXE.exists():
        pytest.skip("axe-core is missing: run npm ci (make test does)")
    instance = tmp_path_factory.mktemp("browser-instance")
    env = {**os.environ, "NAVIGATOR_INSTANCE": str(instance), "NAVIGATOR_DEMO_PASSWORD": DEMO_PASSWORD,
           "NAVIGATOR_SECRET_KEY": "browser-test-secret"}
    env.pop("NAVIGATOR_DATABASE_URL", None)
    navigator = [sys.executable, "-m", "navigator"]
    for step in (["init"], ["seed"]):
        subprocess.run(navigator + step, env=env, check=True, capture_output=True, cwd=ROOT)
    # The gap map needs report geography. The reports tests' four-authority fixture (Walsall,
    # Wolverhampton, Birmingham, Cornwall) covers the demo areas and keeps axe fast; the national
    # boundaries make a page axe needs over ten seconds to check on this machine.
    subprocess.run([sys.executable, "-c", LOAD_GEOGRAPHY, str(GEOGRAPHY)], env=env, check=True,
                   capture_output=True, cwd=ROOT)
    port = _free_port()
    log = open(instance / "server.log", "w")  # noqa: SIM115 - closed at teardown
    proc = subprocess.Popen(navigator + ["run", "--host", "127.0.0.1", "--port", str(port)],
                            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            if requests.get(base + "/health", timeout=1).ok:
                break
        except requests.RequestException:
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail("the app did not start: " + (instance / "server.log").read_text()[-2000:])
    yield {"url": base, "instance": instance, "env": env}
    proc.terminate()
    proc.wait(timeout=10)
    log.close()


@pytest.fixture(scope="session")
def screenshot_dir():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for stale in SCREENSHOTS.glob("FAILED-*.png"):  # from an earlier run
        stale.unlink()
    print(f"\nBrowser screenshots are saved in {SCREENSHOTS}")
    return SCREENSHOTS


def _chrome(width: int = 1280, height: int = 1000):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_OFFLINE", "true")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", f"--window-size={width},{height}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.implicitly_wait(2)
    driver.set_script_timeout(60)  # axe on a long page, on a busy 2-core machine
    return driver


CHECKED_PAGES: list[str] = []


@pytest.fixture(scope="session")
def axe_report():
    """Every page axe checked in this session; summarised at the end so a reader sees the coverage."""
    return CHECKED_PAGES


def pytest_terminal_summary(terminalreporter):
    if CHECKED_PAGES or SCREENSHOTS.exists():
        terminalreporter.write_sep("-", "browser tests")
    if CHECKED_PAGES:
        terminalreporter.write_line(
            f"axe-core passed {len(CHECKED_PAGES)} page views ({len(set(CHECKED_PAGES))} distinct paths) "
            f"in {AXE_SECONDS[0]:.0f}s")
    if SCREENSHOTS.exists():
        terminalreporter.write_line(f"Screenshots: {SCREENSHOTS}")


@pytest.fixture(scope="session")
def _driver():
    # One Chromium for the whole session: starting one costs about a second on this machine.
    driver = _chrome()
    yield driver
    driver.quit()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.browser_call_failed = report.failed


@pytest.fixture
def browser(request, live_server, screenshot_dir, axe_report, _driver):
    _driver.delete_all_cookies()
    _driver.set_window_size(1280, 1000)
    page = BrowserPage(_driver, live_server["url"], screenshot_dir, axe_report)
    yield page
    if getattr(request.node, "browser_call_failed", False):
        # What the user saw when the test failed, beside the other screenshots.
        shot = page.screenshot("FAILED-" + re.sub(r"[^\w-]+", "_", request.node.name))
        print(f"\nScreenshot at failure: {shot} ({page.path})")
    _driver.delete_all_cookies()


@pytest.fixture(scope="session")
def caldmore_agreement(live_server, screenshot_dir, axe_report, _driver):
    """The navigator records an ISA with Caldmore Bridge (the demo provider's organisation) once."""
    from tests.browser.steps import CALDMORE, record_agreement

    _driver.delete_all_cookies()
    page = BrowserPage(_driver, live_server["url"], screenshot_dir, axe_report)
    page.sign_in("navigator@example.org")
    record_agreement(page, CALDMORE, "Black Country resettlement ISA")
    _driver.delete_all_cookies()
    return CALDMORE


class BrowserPage:
    """A thin helper over WebDriver: visit, sign in, check accessibility, take screenshots.

    Every navigation (visit, click_button, click_link, press_enter, submit) waits for the new
    page and then runs axe-core on it, so no page a journey passes through goes unchecked;
    pass check=False only for a step that does not load an HTML page (a download).
    """

    def __init__(self, driver, base_url: str, screenshot_dir: Path, checked: list | None = None):
        self.driver = driver
        self.base = base_url
        self.screenshot_dir = screenshot_dir
        self.axe_source = AXE.read_text()
        self.checked = checked if checked is not None else []

    # ------------------------------------------------------------------ navigation

    def _wait_for_page(self, old_html=None, timeout: float = 10):
        from selenium.common.exceptions import StaleElementReferenceException
        from selenium.webdriver.support.ui import WebDriverWait

        def loaded(driver):
            if old_html is not None:
                try:
                    old_html.is_enabled()
                    return False  # still the old document: the navigation has not happened yet
                except StaleElementReferenceException:
                    pass
            return driver.execute_script("return document.readyState") == "complete"

        WebDriverWait(self.driver, timeout, poll_frequency=0.05).until(loaded)

    def _navigate(self, action, check: bool):
        from selenium.webdriver.common.by import By

        old_html = self.driver.find_element(By.TAG_NAME, "html")
        action()
        self._wait_for_page(old_html)
        if check:
            self.assert_accessible()
        return self

    def visit(self, path: str, check: bool = True):
        self.driver.get(self.base + path)
        self._wait_for_page()
        if check:
            self.assert_accessible()
        return self

    def click_button(self, text: str, check: bool = True):
        """Press the button whose visible text is `text` (it must load a new page)."""
        return self._navigate(lambda: self.button(text).click(), check)

    def click_link(self, text: str, check: bool = True, exact: bool = False):
        """Follow the link whose text contains (or, with exact, is) `text`."""
        return self._navigate(lambda: self.link(text, exact).click(), check)

    def press_enter(self, check: bool = True):
        """Press ENTER on the focused element (a link or button) and wait for the next page."""
        from selenium.webdriver.common.keys import Keys

        return self._navigate(lambda: self.driver.switch_to.active_element.send_keys(Keys.ENTER), check)

    def press_space_to_submit(self, check: bool = True):
        """Press SPACE on the focused button and wait for the next page."""
        from selenium.webdriver.common.keys import Keys

        return self._navigate(lambda: self.driver.switch_to.active_element.send_keys(Keys.SPACE), check)

    # ------------------------------------------------------------------ finding and filling

    def find(self, css: str):
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css: str):
        from selenium.webdriver.common.by import By

        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def button(self, text: str):
        from selenium.webdriver.common.by import By

        return self.driver.find_element(
            By.XPATH, f"//button[normalize-space()={_xpath_literal(text)}]"
            f" | //input[@type='submit' and @value={_xpath_literal(text)}]")

    def link(self, text: str, exact: bool = False):
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.LINK_TEXT if exact else By.PARTIAL_LINK_TEXT, text)

    def buttons(self) -> list[str]:
        """The visible text of every button in the page's main content (no implicit wait)."""
        self.driver.implicitly_wait(0)
        try:
            return [" ".join(b.text.split()) for b in self.find_all("main button, main .govuk-button")]
        finally:
            self.driver.implicitly_wait(2)

    def fill(self, css: str, value: str):
        element = self.find(css)
        element.clear()
        element.send_keys(value)

    def choose(self, label: str, within: str = "body"):
        """Tick a checkbox or radio by its visible label text (GOV.UK hides the real input)."""
        from selenium.webdriver.common.by import By

        scope = self.find(within)
        label_el = scope.find_element(
            By.XPATH, f".//label[normalize-space()={_xpath_literal(label)}]")
        box = self.find("#" + label_el.get_attribute("for"))
        if not (box.get_attribute("type") == "checkbox" and box.is_selected()):
            label_el.click()
        assert box.is_selected(), f"{label!r} did not get selected"

    def select(self, css: str, visible_text: str):
        from selenium.webdriver.support.ui import Select

        Select(self.find(css)).select_by_visible_text(visible_text)

    # ------------------------------------------------------------------ keyboard

    def focused(self):
        return self.driver.switch_to.active_element

    def tab_until(self, predicate, limit: int = 150, describe: str = "element"):
        """Press TAB until the focused element satisfies predicate(element); fail after `limit`."""
        from selenium.webdriver.common.action_chains import ActionChains
        from selenium.webdriver.common.keys import Keys

        for _ in range(limit):
            ActionChains(self.driver).send_keys(Keys.TAB).perform()
            element = self.focused()
            if predicate(element):
                return element
        raise AssertionError(f"TAB never reached the {describe} on {self.path}")

    def tab_to_text(self, text: str, limit: int = 150):
        """TAB to the link or button whose visible text is `text` (exact, whitespace-normalised)."""
        return self.tab_until(lambda e: " ".join((e.text or e.get_attribute("value") or "").split()) == text,
                              limit, f"control {text!r}")

    def tab_to_field(self, label: str, limit: int = 150):
        """TAB to the form control labelled `label`."""
        return self.tab_until(lambda e: self.label_of(e) == label, limit, f"field {label!r}")

    def label_of(self, element) -> str:
        element_id = element.get_attribute("id")
        labels = self.find_all(f"label[for='{element_id}']") if element_id else []
        return " ".join(labels[0].text.split()) if labels else ""

    def choose_radio_by_keyboard(self, name: str, label: str, limit: int = 50):
        """TAB into a radio group, then arrow down to the option labelled `label` (which selects it).

        In a radio group only one option is a TAB stop; the arrow keys move between the others.
        """
        from selenium.webdriver.common.keys import Keys

        self.tab_until(lambda e: e.get_attribute("name") == name, describe=f"radio group {name!r}")
        for _ in range(limit):
            if self.label_of(self.focused()) == label:
                self.type_keys(Keys.SPACE)
                assert self.focused().is_selected()
                return
            self.type_keys(Keys.ARROW_DOWN)
        raise AssertionError(f"the arrow keys never reached {label!r} on {self.path}")

    def type_keys(self, *keys):
        from selenium.webdriver.common.action_chains import ActionChains

        ActionChains(self.driver).send_keys(*keys).perform()

    # ------------------------------------------------------------------ reading

    @property
    def text(self) -> str:
        return self.find("body").text

    @property
    def heading(self) -> str:
        return self.find("h1").text

    @property
    def path(self) -> str:
        return self.driver.current_url.removeprefix(self.base)

    def summary(self, css: str = ".govuk-summary-list") -> dict[str, str]:
        """A GOV.UK summary list as {key: value} (the first one on the page by default)."""
        rows = {}
        for row in self.find(css).find_elements("css selector", ".govuk-summary-list__row"):
            key = row.find_element("css selector", ".govuk-summary-list__key").text.strip()
            value = row.find_element("css selector", ".govuk-summary-list__value").text.strip()
            rows[key] = value
        return rows

    def table_rows(self, css: str = "table") -> list[list[str]]:
        """Rows of a table's body as lists of cell texts (th and td), read in one round trip."""
        return self.driver.execute_script(
            "return Array.from(arguments[0].querySelectorAll('tbody tr')).map(tr =>"
            " Array.from(tr.querySelectorAll('th, td')).map(c => c.innerText.trim()));", self.find(css))

    # ------------------------------------------------------------------ session

    def sign_in(self, email: str, password: str = DEMO_PASSWORD):
        self.visit("/sign-in")
        self.fill("#email", email)
        self.fill("#password", password)
        self.click_button("Sign in")
        assert "Sign in to Navigator" not in self.text, "sign-in failed"

    def sign_out(self):
        self.click_button("Sign out")

    def session_requests(self):
        """A requests.Session carrying this browser's cookies (to fetch downloads as the user)."""
        session = requests.Session()
        for cookie in self.driver.get_cookies():
            session.cookies.set(cookie["name"], cookie["value"], domain=cookie.get("domain"),
                                path=cookie.get("path", "/"))
        return session

    # ------------------------------------------------------------------ checks

    def axe_violations(self) -> list[dict]:
        """Serious and critical WCAG 2.x A/AA violations on the current page."""
        self.driver.execute_script(self.axe_source)
        result = self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {runOnly: {type: 'tag',"
            " values: ['wcag2a','wcag2aa','wcag21a','wcag21aa','wcag22aa']}})"
            ".then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
            " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))));"
        )
        return [v for v in result if v["impact"] in ("serious", "critical")]

    def assert_accessible(self):
        started = time.monotonic()
        violations = self.axe_violations()
        AXE_SECONDS[0] += time.monotonic() - started
        assert violations == [], f"axe on {self.path}: {violations}"
        self.checked.append(self.path.split("?")[0])

    def assert_reflows_at_320(self):
        """WCAG 1.4.10: at 320 CSS px wide nothing needs horizontal scrolling of the page."""
        size = self.driver.get_window_size()
        self.driver.set_window_size(320 + (size["width"] - self.driver.execute_script(
            "return window.innerWidth")), size["height"])
        try:
            overflow = self.driver.execute_script(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 1, f"{self.path} scrolls sideways by {overflow}px at 320px wide"
        finally:
            self.driver.set_window_size(size["width"], size["height"])

    def screenshot(self, name: str, full_page: bool = True) -> Path:
        """Save a PNG of the page (the whole page height by default, capped) and return its path."""
        path = self.screenshot_dir / f"{name}.png"
        size = self.driver.get_window_size()
        if full_page:
            height = self.driver.execute_script("return document.documentElement.scrollHeight")
            self.driver.set_window_size(size["width"], min(max(height + 140, 600), 4000))
        try:
            self.driver.save_screenshot(str(path))
        finally:
            self.driver.set_window_size(size["width"], size["height"])
        return path


def _xpath_literal(text: str) -> str:
    if "'" not in text:
        return f"'{text}'"
    if '"' not in text:
        return f'"{text}"'
    return "concat(" + ", \"'\", ".join(f"'{part}'" for part in text.split("'")) + ")"
