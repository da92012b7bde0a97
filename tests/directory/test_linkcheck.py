"""The link checker against a real HTTP server on 127.0.0.1 (no outside network)."""
from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from navigator.directory import linkcheck
from navigator.directory.models import Service
from navigator.extensions import db
from tests import factories


class _Handler(BaseHTTPRequestHandler):
    seen: list[tuple[str, str]] = []
    active = 0
    peak = 0
    lock = threading.Lock()

    def log_message(self, *args):  # keep test output quiet
        pass

    def _reply(self, status, body=b"ok", headers=None):
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _route(self):
        type(self).seen.append((self.command, self.path))
        path = self.path.split("?", 1)[0]
        if path == "/ok":
            return self._reply(200)
        if path == "/missing":
            return self._reply(404, b"gone")
        if path == "/moved":
            return self._reply(301, b"", {"Location": "/ok"})
        if path == "/loop":
            return self._reply(302, b"", {"Location": "/loop"})
        if path == "/no-head":
            return self._reply(405 if self.command == "HEAD" else 200)
        if path == "/slow":
            time.sleep(1.5)
            return self._reply(200)
        if path == "/busy":
            with type(self).lock:
                type(self).active += 1
                type(self).peak = max(type(self).peak, type(self).active)
            time.sleep(0.2)
            with type(self).lock:
                type(self).active -= 1
            return self._reply(200)
        return self._reply(500)

    do_GET = _route
    do_HEAD = _route


@pytest.fixture(scope="module")
def site():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def _reset():
    _Handler.seen = []
    _Handler.peak = 0


def test_a_working_page_is_ok_with_just_a_head_request(site):
    result = linkcheck.check_url(site + "/ok", timeout=2)
    assert result.ok and result.status_code == 200
    assert _Handler.seen == [("HEAD", "/ok")]


def test_a_missing_page_is_broken_after_trying_get_too(site):
    result = linkcheck.check_url(site + "/missing", timeout=2)
    assert not result.ok
    assert result.error == "The site answered HTTP 404"
    assert [method for method, _ in _Handler.seen] == ["HEAD", "GET"]


def test_redirects_are_followed(site):
    result = linkcheck.check_url(site + "/moved", timeout=2)
    assert result.ok and result.status_code == 200
    assert ("HEAD", "/ok") in _Handler.seen


def test_redirect_loops_are_bounded(site):
    result = linkcheck.check_url(site + "/loop", timeout=2, max_redirects=3)
    assert not result.ok and result.error == "Too many redirects"
    assert len(_Handler.seen) <= 2 * (3 + 1)


def test_head_not_allowed_falls_back_to_get(site):
    result = linkcheck.check_url(site + "/no-head", timeout=2)
    assert result.ok
    assert _Handler.seen == [("HEAD", "/no-head"), ("GET", "/no-head")]


def test_a_slow_site_times_out(site):
    started = time.monotonic()
    result = linkcheck.check_url(site + "/slow", timeout=0.3)
    assert not result.ok and result.error == "No response within 0.3 seconds"
    assert time.monotonic() - started < 1.4  # gave up rather than waiting, and did not retry with GET


def test_nothing_listening_is_broken(site):
    result = linkcheck.check_url("http://127.0.0.1:9/", timeout=1)
    assert not result.ok and result.error == "Could not connect to the site"


def test_only_web_links_are_checked():
    for url in ("ftp://example.org/file", "javascript:alert(1)", "file:///etc/passwd", "example.org"):
        result = linkcheck.check_url(url)
        assert not result.ok and "only http and https" in result.error


def test_concurrency_is_bounded(site):
    urls = [f"{site}/busy?n={n}" for n in range(8)]
    results = linkcheck.check_urls(urls, workers=3, timeout=3)
    assert all(r.ok for r in results.values()) and len(results) == 8
    assert 1 < _Handler.peak <= 3


def test_check_links_command_marks_services_and_fills_the_queue(app, runner, site, navigator):
    with app.app_context():
        org = factories.make_organisation("Linked Trust")
        good = factories.make_service(org.id, "Good Site", url=site + "/moved").id
        bad = factories.make_service(org.id, "Dead Site", url=site + "/missing").id
        factories.make_service(org.id, "No Site")
    result = runner.invoke(args=["check-links", "--timeout", "2", "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert "Checked 2 service websites: 1 ok, 1 broken." in result.output
    assert "BROKEN  Dead Site" in result.output
    with app.app_context():
        good_row, bad_row = db.session.get(Service, good), db.session.get(Service, bad)
        assert good_row.link_status.value == "ok" and good_row.link_checked_at is not None
        assert bad_row.link_status.value == "broken" and bad_row.link_error == "The site answered HTTP 404"
    queue = navigator.get("/directory/queue").get_data(as_text=True)
    assert "Broken website links (1)" in queue and "Dead Site" in queue
    log = navigator.get(f"/directory/services/{bad}/history").get_data(as_text=True)
    assert "Website link checked" in log and "broken" in log
