"""SIGKILL the app mid-write (an import, referral submissions, a search-index rebuild), restart it,
and show nothing is half-written, nothing acknowledged is lost, and search works.

Real processes on 127.0.0.1 over a SQLite instance: the `navigator` CLI and gunicorn.
"""
from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from bench.load_bench import (
    PRACTITIONER,
    ROOT,
    Browser,
    LiveApp,
    instance_env,
    navigator_cli,
    prepare_instance,
    submit_referral,
    verify_referrals,
)

FEED_SIZE = 1500
FEED_SOURCE = "fault-feed"


@pytest.fixture(scope="module")
def instance(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("fault")
    env = instance_env(workdir)
    plan = prepare_instance(env, people=12)
    return {"env": env, "plan": plan, "workdir": workdir,
            "db": str(workdir / "navigator.sqlite3")}


def _query(db_path: str, sql: str, *params):
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=15) as conn:
        return conn.execute(sql, params).fetchall()


def _assert_database_sound(db_path: str) -> None:
    assert _query(db_path, "PRAGMA integrity_check") == [("ok",)]
    assert _query(db_path, "PRAGMA foreign_key_check") == []


def _write_feed(path: Path) -> None:
    services = [{
        "id": f"svc-{n}", "name": f"Fault Feed Service {n}", "status": "active",
        "description": f"Generated service number {n} for the fault test.",
        "organization": {"id": f"org-{n // 10}", "name": f"Fault Feed Organisation {n // 10}"},
        "phones": [{"id": f"ph-{n}", "number": f"0121 496 {n % 10000:04d}"}],
    } for n in range(FEED_SIZE)]
    path.write_text(json.dumps({"total_items": FEED_SIZE, "total_pages": 1, "page_number": 1,
                                "size": FEED_SIZE, "first_page": True, "last_page": True,
                                "empty": False, "contents": services}))


def _feed_services(db_path: str) -> int:
    return _query(db_path, "SELECT COUNT(*) FROM services WHERE source = ?", FEED_SOURCE)[0][0]


def test_import_killed_midway_leaves_whole_records_and_completes_on_rerun(instance):
    env, db_path = instance["env"], instance["db"]
    feed = instance["workdir"] / "feed.json"
    _write_feed(feed)
    command = [sys.executable, "-m", "navigator", "import", "oruk", str(feed), "--source", FEED_SOURCE]
    proc = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 40
    try:
        while _feed_services(db_path) == 0 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    imported = _feed_services(db_path)
    assert 0 < imported < FEED_SIZE, f"the kill should land mid-import (imported {imported})"

    _assert_database_sound(db_path)
    # Whole records only: every imported service has its organisation and its one phone.
    partial = _query(db_path, """
        SELECT s.source_id FROM services s
        LEFT JOIN organisations o ON o.id = s.organization_id
        WHERE s.source = ? AND (o.id IS NULL OR
              (SELECT COUNT(*) FROM phones p WHERE p.service_id = s.id) != 1)""", FEED_SOURCE)
    assert partial == []

    navigator_cli(env, "import", "oruk", str(feed), "--source", FEED_SOURCE, timeout=300)
    assert _feed_services(db_path) == FEED_SIZE  # the rerun finishes the job, nothing doubled
    assert _query(db_path, "SELECT COUNT(DISTINCT source_id) FROM services WHERE source = ?",
                  FEED_SOURCE)[0][0] == FEED_SIZE


def test_referrals_acknowledged_before_a_kill_survive_it(instance):
    env, plan = instance["env"], instance["plan"]
    app = LiveApp(env, workers=2).start()
    acknowledged: list[str] = []
    stop = threading.Event()

    def submit_until_killed():
        browser = Browser(app.url).login(PRACTITIONER)
        for person_id, need_id in plan["people"]:
            if stop.is_set():
                return
            try:
                rid = submit_referral(browser, plan["service_ids"][0], person_id, need_id)
            except requests.RequestException:
                return  # the server died under us: this one was never acknowledged
            if rid:
                acknowledged.append(rid)

    worker = threading.Thread(target=submit_until_killed, daemon=True)
    try:
        worker.start()
        deadline = time.monotonic() + 30
        while len(acknowledged) < 4 and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.15)  # land the kill inside the next submission
        app.kill()
        stop.set()
        worker.join(30)
    finally:
        app.kill()
    assert len(acknowledged) >= 4

    _assert_database_sound(instance["db"])
    restarted = LiveApp(env, workers=2).start()
    try:
        assert verify_referrals(env, acknowledged) == []
        mine = Browser(restarted.url).login(PRACTITIONER).get("/referrals", "referrals").text
        for rid in acknowledged:
            (reference,), = _query(instance["db"], "SELECT reference FROM referrals WHERE id = ?", rid)
            assert reference in mine
    finally:
        restarted.stop()


def test_search_works_after_a_rebuild_is_killed(instance):
    env, db_path = instance["env"], instance["db"]
    if _feed_services(db_path) == 0:  # ran alone: give the index something sizeable to write
        feed = instance["workdir"] / "feed.json"
        _write_feed(feed)
        navigator_cli(env, "import", "oruk", str(feed), "--source", FEED_SOURCE, timeout=300)
    index_dir = Path(env["NAVIGATOR_SEARCH_INDEX_DIR"])
    for delay in (0.8, 1.6):
        proc = subprocess.Popen([sys.executable, "-m", "navigator", "search-index", "rebuild"],
                                env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        time.sleep(delay)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    assert index_dir.exists()

    app = LiveApp(env, workers=2).start()
    try:
        browser = Browser(app.url).login(PRACTITIONER)
        page = browser.get("/search", "search", params={"q": "Fault Feed Service 2718"})
        assert page.status_code == 200
        assert "Fault Feed Service 2718" in page.text
        # The demo listings (indexed before the killed rebuilds) are still found too.
        demo = browser.get("/search", "search", params={"q": "Caldmore"})
        assert demo.status_code == 200 and "Caldmore" in demo.text
    finally:
        app.stop()
