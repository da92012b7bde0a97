"""Browser fixtures: the real app in its own process on 127.0.0.1, driven by Debian's Chromium.

The app gets a fresh instance folder and SQLite database, is migrated and seeded with the
demo data exactly as `make run` does, and serves on a free port. Every page visited is
checked with axe-core (from npm) for serious or critical WCAG violations.
"""
from __future__ import annotations

import os
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
    navigator = [sys.executable, "-m", "navigator.cli"]
    for step in (["init"], ["seed"]):
        subprocess.run(navigator + step, env=env, check=True, capture_output=True, cwd=ROOT)
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
    print(f"\nBrowser screenshots are saved in {SCREENSHOTS}")
    return SCREENSHOTS


@pytest.fixture
def browser(live_server, screenshot_dir):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_OFFLINE", "true")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1280,1000"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.implicitly_wait(2)
    page = BrowserPage(driver, live_server["url"], screenshot_dir)
    yield page
    driver.quit()


class BrowserPage:
    """A thin helper over WebDriver: visit, sign in, check accessibility, take screenshots."""

    def __init__(self, driver, base_url: str, screenshot_dir: Path):
        self.driver = driver
        self.base = base_url
        self.screenshot_dir = screenshot_dir
        self.axe_source = AXE.read_text()

    def visit(self, path: str):
        self.driver.get(self.base + path)
        return self

    def find(self, css: str):
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css: str):
        from selenium.webdriver.common.by import By

        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def fill(self, css: str, value: str):
        element = self.find(css)
        element.clear()
        element.send_keys(value)

    def click_button(self, text: str):
        from selenium.webdriver.common.by import By

        self.driver.find_element(By.XPATH, f"//button[normalize-space()='{text}']").click()

    def click_link(self, text: str):
        from selenium.webdriver.common.by import By

        self.driver.find_element(By.PARTIAL_LINK_TEXT, text).click()

    @property
    def text(self) -> str:
        return self.find("body").text

    @property
    def path(self) -> str:
        return self.driver.current_url.removeprefix(self.base)

    def sign_in(self, email: str, password: str = DEMO_PASSWORD):
        self.visit("/sign-in")
        self.fill("#email", email)
        self.fill("#password", password)
        self.click_button("Sign in")
        assert "Sign in to Navigator" not in self.text, "sign-in failed"

    def sign_out(self):
        self.click_button("Sign out")

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
        violations = self.axe_violations()
        assert violations == [], f"axe on {self.path}: {violations}"

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

    def screenshot(self, name: str) -> Path:
        path = self.screenshot_dir / f"{name}.png"
        self.driver.save_screenshot(str(path))
        return path
