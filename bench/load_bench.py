"""Load test: gunicorn on 127.0.0.1 over a seeded instance, simulated users, mixed traffic.

    python -m bench.load_bench [--duration 300] [--users 20] [--workers 4] [--postgres-url URL] [--quick]

Practitioners search, open service and person pages and send referrals through the real forms
(with CSRF); providers open their inbox and accept, start and complete; navigators and
commissioners read the directory and reports. Prints p95 per route, requests per second and the
error count (target 0), then checks in the database that every referral sent exists exactly once
with its full event history. Only ever talks to 127.0.0.1; every loop is bounded by the clock.

The helpers (LiveApp, Browser, prepare_instance, submit_referral) are also used by the fault
test in tests/reliability.
"""
from __future__ import annotations

import argparse
import os
import queue
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEMO_PASSWORD = "bench-Demo-passphrase-2025"
PRACTITIONER, PROVIDER = "practitioner@example.org", "provider@example.org"
NAVIGATOR, COMMISSIONER = "navigator@example.org", "commissioner@example.org"
PROVIDER_ORG_SOURCE_ID = "fict-caldmore-bridge"
SEARCHES = ["mentoring", "women", "mosque", "housing", "employment", "Black-led", "mental health",
            "drugs", "Somali", "bereavement", "debt advice", "church", "youth"]
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def instance_env(workdir: Path, database_url: str | None = None) -> dict:
    """Environment for a throwaway instance in workdir (SQLite unless a database URL is given)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NAVIGATOR_")}
    env.update({
        "NAVIGATOR_INSTANCE": str(workdir / "instance"),
        "NAVIGATOR_DATABASE_URL": database_url or f"sqlite:///{workdir / 'navigator.sqlite3'}",
        "NAVIGATOR_SECRET_KEY": "bench-" + os.urandom(8).hex(),
        "NAVIGATOR_DEMO_PASSWORD": DEMO_PASSWORD,
        "NAVIGATOR_REQUIRE_2FA": "0",
        "NAVIGATOR_SEARCH_INDEX_DIR": str(workdir / "search-index"),
        "NAVIGATOR_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    })
    return env


def navigator_cli(env: dict, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "navigator", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout, check=True)


def prepare_instance(env: dict, people: int) -> dict:
    """init + seed, then people on the demo practitioner's caseload, each with an agreed need
    and consent for the demo provider's organisation, and an ISA in date with it.

    Returns {"service_ids": [...], "people": [(person_id, need_id)], "organization_id"}.
    """
    navigator_cli(env, "init")
    navigator_cli(env, "seed")
    script = Path(__file__).with_name("load_bench.py")
    out = subprocess.run([sys.executable, str(script), "--prepare-people", str(people)], env=env,
                         cwd=ROOT, capture_output=True, text=True, timeout=600, check=True)
    import json

    return json.loads(out.stdout.strip().splitlines()[-1])


def _prepare_people(count: int) -> dict:
    """Runs inside a child process configured by instance_env (service functions, one app)."""
    from datetime import date, timedelta

    from sqlalchemy import select

    from navigator import create_app
    from navigator.auth.models import User
    from navigator.directory.models import Organisation, Service
    from navigator.extensions import db
    from navigator.referrals import queries
    from navigator.referrals import services as referral_services

    app = create_app()
    with app.app_context():
        practitioner = db.session.scalar(select(User).where(User.email == PRACTITIONER))
        navigator = db.session.scalar(select(User).where(User.email == NAVIGATOR))
        org = db.session.scalar(select(Organisation).where(
            Organisation.source_id == PROVIDER_ORG_SOURCE_ID))
        service_ids = list(db.session.scalars(select(Service.id).where(
            Service.organization_id == org.id, Service.status == "active")))
        today = date.today()
        if queries.find_isa_in_date(org.id, today) is None:
            referral_services.create_agreement({
                "organization_id": org.id, "title": "Bench ISA",
                "starts_on": (today - timedelta(days=30)).isoformat(),
                "ends_on": (today + timedelta(days=365)).isoformat()}, navigator.id)
        people = []
        for n in range(count):
            person = referral_services.create_person({
                "case_reference": f"B{100000 + n}", "name": f"Bench Person {n}",
                "date_of_birth": "1985-06-15", "gender": "man", "ethnicity": "black-caribbean",
                "religion": "christian", "preferred_language": "en", "home_postcode": "WS1",
                "commitments": ""}, practitioner.id)
            need = referral_services.add_need(person.id, {"category": "mentoring", "notes": "",
                                                          "person_agrees": "yes"}, practitioner.id)
            referral_services.record_consent(person.id, {
                "data_categories": ["identity", "needs"], "organization_ids": [org.id],
                "purpose": "Referral for support", "lawful_basis": "consent", "regime": "uk-gdpr",
                "how_given": "verbal", "privacy_notice_version": "2025-1",
                "expires_on": (today + timedelta(days=180)).isoformat()}, practitioner.id)
            people.append((person.id, need.id))
        return {"service_ids": service_ids, "people": people, "organization_id": org.id}


class LiveApp:
    """gunicorn on 127.0.0.1 in its own process group, so it can be killed whole."""

    def __init__(self, env: dict, workers: int = 2, threads: int = 2, log_path: Path | None = None):
        self.env, self.workers, self.threads = env, workers, threads
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 30) -> LiveApp:
        env = {**self.env, "NAVIGATOR_BIND": f"127.0.0.1:{self.port}",
               "NAVIGATOR_WORKERS": str(self.workers), "NAVIGATOR_THREADS": str(self.threads)}
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self.proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"), "navigator:create_app()"],
            env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}")
            try:
                if requests.get(self.url + "/health", timeout=2).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("gunicorn did not become healthy")

    def kill(self) -> None:
        """SIGKILL the master and every worker at once: no shutdown code runs."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()


class Browser:
    """One signed-in user: a cookie jar, the CSRF token, and timings per route."""

    def __init__(self, base: str, stats: Stats | None = None):
        self.base = base
        self.http = requests.Session()
        # As a browser does: resend an idempotent GET once if the server closed the kept-alive
        # connection just as it was reused (gunicorn's keepalive is 5 s). POSTs are never resent.
        retry = Retry(total=1, connect=1, read=1, status=0, allowed_methods={"GET"}, raise_on_status=False)
        self.http.mount("http://", HTTPAdapter(max_retries=retry))
        self.token = ""
        self.stats = stats

    def request(self, method: str, path: str, route: str, **kwargs) -> requests.Response:
        kwargs.setdefault("allow_redirects", False)
        kwargs.setdefault("timeout", 30)
        started = time.perf_counter()
        try:
            response = self.http.request(method, self.base + path, **kwargs)
        except requests.RequestException:
            if self.stats:
                self.stats.add(route, time.perf_counter() - started, 599)
            raise
        if self.stats:
            self.stats.add(route, time.perf_counter() - started, response.status_code)
        html = "text/html" in response.headers.get("Content-Type", "")
        found = CSRF_RE.search(response.text) if html else None
        if found:
            self.token = found.group(1)
        return response

    def get(self, path: str, route: str, **kwargs):
        return self.request("GET", path, route, **kwargs)

    def post(self, path: str, route: str, data: dict, **kwargs):
        return self.request("POST", path, route, data={**data, "csrf_token": self.token}, **kwargs)

    def login(self, email: str, password: str = DEMO_PASSWORD) -> Browser:
        self.get("/sign-in", "GET /sign-in")
        response = self.post("/sign-in", "POST /sign-in", {"email": email, "password": password})
        if response.status_code != 302:
            raise RuntimeError(f"sign-in failed for {email}: {response.status_code}")
        self.get("/", "GET /")
        return self


def submit_referral(browser: Browser, service_id: str, person_id: str, need_id: str) -> str | None:
    """The practitioner's journey through the forms; returns the referral id once the send was
    acknowledged (303/302 to the confirmation page), else None."""
    browser.get(f"/referrals/new?service_id={service_id}", "GET /referrals/new")
    created = browser.post(f"/referrals/new?service_id={service_id}", "POST /referrals/new",
                           {"person_id": person_id})
    if created.status_code != 302:
        return None
    rid = created.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
    browser.get(f"/referrals/{rid}/needs", "GET /referrals/<id>/needs")
    if browser.post(f"/referrals/{rid}/needs", "POST /referrals/<id>/needs",
                    {"need_ids": [need_id]}).status_code != 302:
        return None
    if browser.post(f"/referrals/{rid}/sharing", "POST /referrals/<id>/sharing",
                    {"data_categories": ["identity", "needs"],
                     "message": "Asked for a mentor"}).status_code != 302:
        return None
    browser.get(f"/referrals/{rid}/check", "GET /referrals/<id>/check")
    sent = browser.post(f"/referrals/{rid}/send", "POST /referrals/<id>/send", {})
    if sent.status_code in (302, 303) and "/confirmation" in sent.headers.get("Location", ""):
        return rid
    return None


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.error_samples: list[str] = []

    def add(self, route: str, seconds: float, status: int) -> None:
        with self.lock:
            self.times[route].append(seconds)
            if status >= 500:
                self.errors[route] += 1
                if len(self.error_samples) < 10:
                    self.error_samples.append(f"{route} -> {status}")

    def report(self, elapsed: float) -> int:
        total = sum(len(v) for v in self.times.values())
        errors = sum(self.errors.values())
        print(f"\n{'route':<36} {'count':>7} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'5xx':>5}")
        for route in sorted(self.times):
            samples = sorted(self.times[route])
            p95 = samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))]
            print(f"{route:<36} {len(samples):>7} {statistics.median(samples) * 1000:>8.0f} "
                  f"{p95 * 1000:>8.0f} {samples[-1] * 1000:>8.0f} {self.errors.get(route, 0):>5}")
        print(f"\n{total} requests in {elapsed:.0f}s = {total / elapsed:.1f} requests/s; "
              f"errors (5xx or no response): {errors}")
        for sample in self.error_samples:
            print("  ", sample)
        return errors


def _practitioner(browser: Browser, rng: random.Random, plan: dict, people: queue.Queue,
                  sent: queue.Queue, sent_ids: list, stop_at: float) -> None:
    while time.monotonic() < stop_at:
        roll = rng.random()
        if roll < 0.35:
            browser.get("/search", "GET /search", params={"q": rng.choice(SEARCHES)})
        elif roll < 0.55:
            browser.get(f"/services/{rng.choice(plan['service_ids'])}", "GET /services/<id>")
        elif roll < 0.70:
            person_id, _ = rng.choice(plan["people"])
            browser.get(f"/people/{person_id}", "GET /people/<id>")
        elif roll < 0.78:
            browser.get("/referrals", "GET /referrals")
        else:
            try:
                person_id, need_id = people.get_nowait()
            except queue.Empty:
                continue
            rid = submit_referral(browser, rng.choice(plan["service_ids"]), person_id, need_id)
            if rid:
                sent_ids.append(rid)
                sent.put(rid)


def _provider(browser: Browser, rng: random.Random, sent: queue.Queue, stop_at: float) -> None:
    while time.monotonic() < stop_at:
        browser.get("/inbox", "GET /inbox")
        try:
            rid = sent.get(timeout=0.5)
        except queue.Empty:
            continue
        browser.get(f"/inbox/{rid}", "GET /inbox/<id>")
        for action in ("accepted", "started", "completed"):
            if time.monotonic() >= stop_at:
                break
            browser.post(f"/inbox/{rid}/status", "POST /inbox/<id>/status", {"action": action})


def _reader(browser: Browser, rng: random.Random, paths: list[tuple[str, str]], stop_at: float) -> None:
    while time.monotonic() < stop_at:
        path, route = rng.choice(paths)
        browser.get(path, route)


def verify_referrals(env: dict, sent_ids: list[str]) -> list[str]:
    """Every acknowledged referral exists exactly once, past draft, with a snapshot and an event
    chain that starts at draft and ends at its status. Returns the problems found."""
    script = Path(__file__).with_name("load_bench.py")
    import json

    out = subprocess.run([sys.executable, str(script), "--verify-referrals"], input=json.dumps(sent_ids),
                         env=env, cwd=ROOT, capture_output=True, text=True, timeout=300, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _verify_referrals(sent_ids: list[str]) -> list[str]:
    from collections import Counter

    from sqlalchemy import select

    from navigator import create_app
    from navigator.extensions import db
    from navigator.referrals.models import Referral, ReferralEvent

    problems = []
    duplicates = [rid for rid, n in Counter(sent_ids).items() if n > 1]
    if duplicates:
        problems.append(f"acknowledged twice: {duplicates[:5]}")
    app = create_app()
    with app.app_context():
        referrals = {r.id: r for r in db.session.scalars(select(Referral))}
        events = defaultdict(list)
        for e in db.session.scalars(select(ReferralEvent).order_by(ReferralEvent.id)):
            events[e.referral_id].append(e)
        for rid in sent_ids:
            if rid not in referrals:
                problems.append(f"{rid}: acknowledged but missing")
        for rid, referral in referrals.items():
            chain = events.get(rid, [])
            if referral.status == "draft":
                continue
            if referral.status != "signposted" and not referral.shared_snapshot:
                problems.append(f"{rid}: {referral.status} without a snapshot")
            if not chain or chain[-1].to_status != referral.status:
                problems.append(f"{rid}: status {referral.status} but events end at "
                                f"{chain[-1].to_status if chain else None}")
            for before, after in zip(chain, chain[1:], strict=False):
                if after.from_status != before.to_status:
                    problems.append(f"{rid}: event chain broken {before.to_status} -> {after.from_status}")
            if chain and chain[0].from_status not in (None, "draft"):
                problems.append(f"{rid}: history does not start at draft")
    return problems


def run(duration: float, users: int, workers: int, database_url: str | None, people: int) -> int:
    with tempfile.TemporaryDirectory(prefix="navigator-load-") as tmp:
        workdir = Path(tmp)
        env = instance_env(workdir, database_url)
        started = time.perf_counter()
        plan = prepare_instance(env, people)
        print(f"Seeded instance in {time.perf_counter() - started:.0f}s: {len(plan['service_ids'])} "
              f"services of the provider, {len(plan['people'])} people ready to refer "
              f"({'PostgreSQL' if database_url else 'SQLite'})")
        app = LiveApp(env, workers=workers, threads=2, log_path=workdir / "gunicorn.log").start()
        stats = Stats()
        people_q: queue.Queue = queue.Queue()
        for pair in plan["people"]:
            people_q.put(tuple(pair))
        sent_q: queue.Queue = queue.Queue()
        sent_ids: list[str] = []
        n_providers = max(1, users // 5)
        n_readers = max(1, users // 10)
        n_practitioners = max(1, users - n_providers - 2 * n_readers)
        nav_paths = [("/directory/", "GET /directory/"), ("/directory/queue", "GET /directory/queue"),
                     ("/search?q=women", "GET /search"), ("/referrals/overdue", "GET /referrals/overdue")]
        com_paths = [("/reports/gap-map", "GET /reports/gap-map"), ("/reports/equity", "GET /reports/equity"),
                     ("/reports/trends", "GET /reports/trends")]
        threads = []
        try:
            signed_in = []
            for i in range(users):
                browser = Browser(app.url, stats)
                if i < n_practitioners:
                    signed_in.append(("practitioner", browser.login(PRACTITIONER)))
                elif i < n_practitioners + n_providers:
                    signed_in.append(("provider", browser.login(PROVIDER)))
                elif i < n_practitioners + n_providers + n_readers:
                    signed_in.append(("navigator", browser.login(NAVIGATOR)))
                else:
                    signed_in.append(("commissioner", browser.login(COMMISSIONER)))
            stop_at = time.monotonic() + duration
            for i, (kind, browser) in enumerate(signed_in):
                rng = random.Random(i)
                if kind == "practitioner":
                    target, args = _practitioner, (browser, rng, plan, people_q, sent_q, sent_ids, stop_at)
                elif kind == "provider":
                    target, args = _provider, (browser, rng, sent_q, stop_at)
                else:
                    paths = nav_paths if kind == "navigator" else com_paths
                    target, args = _reader, (browser, rng, paths, stop_at)
                threads.append(threading.Thread(target=_guard, args=(target, args, stats), daemon=True))
            load_started = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join(duration + 120)
            elapsed = time.perf_counter() - load_started
        finally:
            app.stop()
        print(f"{users} users ({n_practitioners} practitioners, {n_providers} providers, "
              f"{n_readers} navigators, {users - n_practitioners - n_providers - n_readers} commissioners), "
              f"{workers} gunicorn workers x 2 threads")
        errors = stats.report(elapsed)
        problems = verify_referrals(env, sent_ids)
        print(f"Referrals sent and acknowledged: {len(sent_ids)}; checked in the database: "
              f"{'all present exactly once with full event history' if not problems else 'PROBLEMS'}")
        for problem in problems[:20]:
            print("  ", problem)
        return 1 if (errors or problems) else 0


def _guard(target, args, stats: Stats) -> None:
    try:
        target(*args)
    except Exception as exc:  # noqa: BLE001 - one user's crash is counted, not fatal to the run
        stats.add("user crashed", 0.0, 599)
        stats.error_samples.append(f"{type(exc).__name__}: {exc}"[:200])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=300, help="seconds of load (default 300)")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--postgres-url", default=None, help="use this PostgreSQL database (emptied!)")
    parser.add_argument("--people", type=int, default=0, help="people to prepare (default: from duration)")
    parser.add_argument("--quick", action="store_true", help="20 s smoke run")
    parser.add_argument("--prepare-people", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--verify-referrals", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    import json

    if args.prepare_people is not None:
        print(json.dumps(_prepare_people(args.prepare_people)))
        return 0
    if args.verify_referrals:
        print(json.dumps(_verify_referrals(json.loads(sys.stdin.read() or "[]"))))
        return 0
    duration = 20 if args.quick else args.duration
    people = args.people or int(min(3000, max(100, duration * 3)))
    url = args.postgres_url
    if url and urlsplit(url).hostname not in ("127.0.0.1", "localhost"):
        parser.error("--postgres-url must point at 127.0.0.1 or localhost")
    return run(duration, args.users, args.workers, url, people)


if __name__ == "__main__":
    sys.exit(main())
