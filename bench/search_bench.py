"""Benchmark: directory search at national scale, per backend, plus SQLite FTS5 as a reference.

For each size (default 10,000 and 50,000 services; seeded, realistic text and attribute
mixes, placed on the real England & Wales outcode centroids from ../shared/data when
present), it builds the index and runs a fixed mix of 500 queries through the real search
service (text only, text + facets, text + postcode radius, facets only; facet counts and
result loading included), printing build time, index size and median/p95/p99 per query
type. Then an HTTP run of /search with concurrent clients against the app on 127.0.0.1.

    python -m bench.search_bench [--sizes 10000,50000] [--queries 500] [--backends whoosh,postgres]
                                 [--clients 4] [--http-requests 200] [--postgres-url URL] [--quick]

PostgreSQL runs when --postgres-url (or NAVIGATOR_BENCH_POSTGRES_URL / NAVIGATOR_TEST_POSTGRES_URL)
points at a server; a scratch database is created and dropped.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import re
import shutil
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from datetime import time as clock
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA = REPO.parent / "shared" / "data" / "outcode_centroids_ew_with_lad2024.csv"
QUERY_TYPES = ("text", "text+facets", "text+postcode", "facets")

ORG_KINDS = ["Community", "Women", "Youth", "Elders", "Recovery"]
CLOSINGS = ["Drop in or call.", "Referral by a practitioner.", "Friendly volunteers.",
            "Run by people with lived experience."]
EXTRAS = ["Open to people on probation.", "Interpreters available.", "Free tea and food.", ""]
LEADS = ["black-led", "women-led", "muslim-led", "lived-experience-led", "asian-led"]
KINDS = [
    "drop-in",
    "support group",
    "advice service",
    "centre",
    "project",
    "hub",
    "network",
    "programme",
    "helpline",
    "outreach",
    "club",
    "circle",
]
TOPICS = {
    "accommodation": ["housing", "accommodation", "hostel", "tenancy", "homelessness", "supported housing"],
    "ete": ["employment", "jobs", "training", "skills", "CV", "college", "apprenticeship"],
    "health": ["health", "GP registration", "dental", "wellbeing checks"],
    "mental-health": ["counselling", "mental health", "therapy", "anxiety", "talking therapies"],
    "drugs-alcohol": ["recovery", "drugs", "alcohol", "addiction", "rehab", "substance misuse"],
    "finance": ["debt", "benefits", "money advice", "budgeting", "universal credit"],
    "families": ["families", "parenting", "children", "relationships", "family visits"],
    "attitudes": ["thinking skills", "anger", "behaviour", "desistance"],
    "faith": ["faith", "chaplaincy", "prayer", "spiritual support"],
    "culture-identity": ["culture", "identity", "heritage", "community"],
    "womens-services": ["women's centre", "women", "women only"],
    "mentoring": ["mentoring", "peer support", "mentor", "befriending"],
    "sport-arts": ["football", "boxing", "music", "art", "drama"],
    "immigration-legal": ["immigration", "legal advice", "asylum", "solicitor"],
    "domestic-abuse": ["domestic abuse", "refuge", "safety planning"],
    "bereavement-trauma": ["bereavement", "trauma", "grief"],
}
COMMUNITY_WORDS = {
    "somali": "Somali",
    "black-caribbean": "Caribbean",
    "black-african": "African",
    "asian-bangladeshi": "Bangladeshi",
    "asian-pakistani": "Pakistani",
    "kurdish": "Kurdish",
    "eastern-european": "Eastern European",
    "white-roma": "Roma",
    "asian-indian": "Indian",
    "other-arab": "Arab",
    "refugees": "refugee",
}
FAITH_WORDS = {
    "muslim": "mosque",
    "christian": "church",
    "sikh": "gurdwara",
    "hindu": "mandir",
    "jewish": "synagogue",
    "rastafari": "Rastafari",
    "buddhist": "Buddhist",
    "multi-faith": "interfaith",
}
LANG_CODES = ["en", "ur", "pa", "bn", "so", "ar", "pl", "ro", "gu", "ku", "fa", "ti", "pt", "tr", "cy"]
TEXT_QUERIES = [
    "housing",
    "women's centre",
    "mosque",
    "mentoring",
    "Somali",
    "counselling",
    "rehab",
    "job",
    "debt advice",
    "Bangla speaking counsellor",
    "housing sex offence",
    "peer support",
    "church",
    "domestic abuse refuge",
    "Polish",
    "gurdwara",
    "boxing",
    "family visits",
    "Caribbean elders",
    "immigration advice",
    "trauma",
    "Kurdish community",
    "universal credit",
    "recovery",
    "apprenticeship",
    "women only counselling",
    "Roma",
    "Arab",
    "chaplaincy",
]
FACET_CHOICES = [
    ("need", [c for c in TOPICS]),
    ("led_by", ["black-led", "women-led", "muslim-led", "lived-experience-led"]),
    ("community", list(COMMUNITY_WORDS)),
    ("faith", list(FAITH_WORDS)),
    ("language", LANG_CODES[1:]),
    ("gender", ["women", "men"]),
    ("cost", ["free"]),
]


def _uid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def load_districts() -> list[dict]:
    if DATA.exists():
        with DATA.open(encoding="utf-8") as handle:
            rows = [r for r in csv.DictReader(handle) if r["latitude"] and r["longitude"]]
        return [
            {
                "outcode": r["outcode"],
                "latitude": float(r["latitude"]),
                "longitude": float(r["longitude"]),
                "town": (r["post_town"] or r["town_area"])[:255],
                "lad_code": r["lad24cd"] or None,
                "lad_name": (r["lad24nm"] or None),
            }
            for r in rows
        ]
    # Without the shared data: a synthetic grid over England & Wales, clearly not real places.
    rng = random.Random(7)
    return [
        {
            "outcode": f"Z{i}",
            "latitude": rng.uniform(50.5, 54.8),
            "longitude": rng.uniform(-4.5, 1.3),
            "town": f"Town {i}",
            "lad_code": None,
            "lad_name": None,
        }
        for i in range(1500)
    ]


def generate(size: int, districts: list[dict], seed: int = 42) -> dict[str, list[dict]]:
    """Rows for every table, the same for every backend."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    rows: dict[str, list[dict]] = {
        k: []
        for k in (
            "organisations",
            "locations",
            "addresses",
            "services",
            "service_at_locations",
            "attributes",
            "languages",
            "schedules",
            "service_areas",
        )
    }
    # Busy places get more services: weight districts by a skewed draw.
    weights = [rng.paretovariate(1.2) for _ in districts]
    org_count = max(1, size // 3)
    orgs = []
    for i in range(org_count):
        org_id = _uid(rng)
        community = rng.choice(list(COMMUNITY_WORDS))
        name = (
            f"{COMMUNITY_WORDS[community]} {rng.choice(ORG_KINDS)} "
            f"{rng.choice(['Trust', 'Association', 'Network', 'Collective', 'Project', 'Foundation'])} {i}"
        )
        rows["organisations"].append(
            {
                "id": org_id,
                "name": name,
                "description": "",
                "active": True,
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
        )
        place = rng.choices(districts, weights)[0]
        loc_id = _uid(rng)
        confidential = rng.random() < 0.02
        rows["locations"].append(
            {
                "id": loc_id,
                "organization_id": org_id,
                "location_type": "physical",
                "name": f"{place['town']} base",
                "latitude": place["latitude"] + rng.uniform(-0.02, 0.02),
                "longitude": place["longitude"] + rng.uniform(-0.03, 0.03),
                "confidential": confidential,
                "geocode_status": "ok",
                "outcode": place["outcode"],
                "lad_code": place["lad_code"],
                "lad_name": place["lad_name"],
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
        )
        rows["addresses"].append(
            {
                "id": _uid(rng),
                "location_id": loc_id,
                "address_1": f"{rng.randint(1, 300)} High Street",
                "city": place["town"][:120],
                "postal_code": f"{place['outcode']} 1AA",
                "country": "GB",
                "address_type": "physical",
            }
        )
        orgs.append((org_id, loc_id, community))
    for i in range(size):
        org_id, loc_id, community = orgs[i % org_count]
        service_id = _uid(rng)
        needs = rng.sample(list(TOPICS), k=rng.choice([1, 1, 2, 2, 3]))
        topic_words = [rng.choice(TOPICS[n]) for n in needs]
        faith = rng.choice(list(FAITH_WORDS)) if rng.random() < 0.25 else None
        gender = rng.choices(["any", "women", "men"], [75, 18, 7])[0]
        prefix = COMMUNITY_WORDS[community] if rng.random() < 0.5 else ""
        name = f"{prefix} {topic_words[0]} {rng.choice(KINDS)}".strip()
        description = (
            f"{' and '.join(topic_words).capitalize()} for {COMMUNITY_WORDS[community]} people"
            f"{' at the local ' + FAITH_WORDS[faith] if faith else ''}. "
            f"{rng.choice(CLOSINGS)}"
            f" {rng.choice(EXTRAS)}"
        )
        status = "active" if rng.random() > 0.03 else rng.choice(["inactive", "defunct"])
        rows["services"].append(
            {
                "id": service_id,
                "organization_id": org_id,
                "name": name[:255],
                "description": description,
                "status": status,
                "cost": rng.choices(["free", "low", "paid"], [80, 15, 5])[0],
                "referral_route": rng.choice(["self", "practitioner", "both"]),
                "gender": gender,
                "link_status": "unchecked",
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
        )
        rows["service_at_locations"].append(
            {"id": _uid(rng), "service_id": service_id, "location_id": loc_id}
        )
        terms = [f"need:{n}" for n in needs] + [f"community:{community}"]
        if faith:
            terms.append(f"faith:{faith}")
        if rng.random() < 0.3:
            terms.append(
                f"led-by:{rng.choice(LEADS)}"
            )
        for term in dict.fromkeys(terms):
            rows["attributes"].append({"id": _uid(rng), "service_id": service_id, "taxonomy_term_id": term})
        for code in {"en", *rng.sample(LANG_CODES[1:], k=rng.choice([0, 0, 1, 2]))}:
            rows["languages"].append(
                {
                    "id": _uid(rng),
                    "service_id": service_id,
                    "code": code,
                    "name": dict(_language_names())[code],
                }
            )
        for day in rng.sample(["MO", "TU", "WE", "TH", "FR", "SA"], k=rng.randint(1, 5)):
            rows["schedules"].append(
                {
                    "id": _uid(rng),
                    "service_id": service_id,
                    "freq": "WEEKLY",
                    "byday": day,
                    "opens_at": clock(rng.choice([9, 10, 13])),
                    "closes_at": clock(rng.choice([15, 17, 20])),
                }
            )
        if rng.random() < 0.01:
            rows["service_areas"].append(
                {
                    "id": _uid(rng),
                    "service_id": service_id,
                    "name": "England and Wales",
                    "extent_type": "national",
                }
            )
    return rows


def _language_names():
    from navigator.directory.vocab import LANGUAGES

    return LANGUAGES


def query_mix(count: int, districts: list[dict], seed: int = 99) -> list[tuple[str, dict]]:
    rng = random.Random(seed)
    real = [d["outcode"] for d in districts]
    mix = []
    for i in range(count):
        kind = QUERY_TYPES[i % 4]
        params: dict = {}
        if kind != "facets":
            params["q"] = rng.choice(TEXT_QUERIES)
        if kind in ("text+facets", "facets"):
            for facet, values in rng.sample(FACET_CHOICES, k=rng.choice([1, 2])):
                params[facet] = rng.choice(values)
        if kind == "text+postcode" or (kind == "text+facets" and rng.random() < 0.5):
            params["postcode"] = rng.choice(real)
            params["radius"] = rng.choice(["5", "10", "25"])
            if rng.random() < 0.5:
                params["sort"] = "distance"
        mix.append((kind, params))
    return mix


def make_app(database_url: str, index_dir: str, backend: str):
    os.environ.setdefault("NAVIGATOR_INSTANCE", tempfile.mkdtemp(prefix="navigator-bench-instance-"))
    from navigator import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SEARCH_INDEX_DIR": index_dir,
            "SEARCH_BACKEND": backend,
            "SECRET_KEY": "bench",
            "REQUIRE_SECOND_FACTOR": False,
            "SESSION_COOKIE_SECURE": False,
        }
    )


def load_rows(app, rows: dict[str, list[dict]], districts: list[dict]) -> float:
    from navigator.directory import models as m
    from navigator.directory.taxonomy import ensure_taxonomies
    from navigator.extensions import db

    started = time.perf_counter()
    with app.app_context():
        db.drop_all()
        db.create_all()
        ensure_taxonomies()
        tables = [
            (m.PostcodeDistrict, districts),
            (m.Organisation, rows["organisations"]),
            (m.Location, rows["locations"]),
            (m.Address, rows["addresses"]),
            (m.Service, rows["services"]),
            (m.ServiceAtLocation, rows["service_at_locations"]),
            (m.Attribute, rows["attributes"]),
            (m.Language, rows["languages"]),
            (m.Schedule, rows["schedules"]),
            (m.ServiceArea, rows["service_areas"]),
        ]
        for model, data in tables:
            for start in range(0, len(data), 5000):
                db.session.execute(model.__table__.insert(), data[start : start + 5000])
        db.session.commit()
    return time.perf_counter() - started


def index_size(app, backend: str) -> int:
    from sqlalchemy import text

    from navigator.extensions import db

    if backend == "postgres":
        with app.app_context():
            return int(db.session.scalar(text("SELECT pg_total_relation_size('search_documents')")))
    folder = Path(app.config["SEARCH_INDEX_DIR"])
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def percentiles(values: list[float]) -> tuple[float, float, float]:
    ordered = sorted(values)

    def pick(q):
        return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]

    return statistics.median(ordered), pick(0.95), pick(0.99)


def run_queries(app, mix) -> dict[str, list[float]]:
    from werkzeug.datastructures import MultiDict

    from navigator.directory.search.services import run_search

    timings: dict[str, list[float]] = {k: [] for k in QUERY_TYPES}
    with app.app_context():
        run_search(MultiDict({"q": "warm up"}))
        for kind, params in mix:
            started = time.perf_counter()
            run_search(MultiDict(params))
            timings[kind].append((time.perf_counter() - started) * 1000)
    return timings


def fts5_reference(rows: dict[str, list[dict]], mix) -> tuple[float, int, dict[str, list[float]]]:
    """Same documents in an SQLite FTS5 table: text match, tag filters, count and top 20 by bm25."""
    from navigator.directory.search.synonyms import parse_query

    org_names = {o["id"]: o["name"] for o in rows["organisations"]}
    tags: dict[str, list[str]] = {}
    for a in rows["attributes"]:
        taxonomy, code = a["taxonomy_term_id"].split(":", 1)
        tags.setdefault(a["service_id"], []).append(f"{taxonomy.replace('-', '_')}_{code.replace('-', '_')}")
    for lang in rows["languages"]:
        tags.setdefault(lang["service_id"], []).append(f"language_{lang['code']}")
    folder = tempfile.mkdtemp(prefix="navigator-fts5-")
    path = os.path.join(folder, "fts.sqlite3")
    conn = sqlite3.connect(path)
    started = time.perf_counter()
    conn.execute(
        "CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, name, body, tags, tokenize='porter unicode61')"
    )
    conn.executemany(
        "INSERT INTO docs VALUES (?, ?, ?, ?)",
        [
            (
                s["id"],
                s["name"],
                f"{org_names[s['organization_id']]} {s['description']}",
                " ".join(tags.get(s["id"], []) + [f"gender_{s['gender']}", f"cost_{s['cost']}"]),
            )
            for s in rows["services"]
            if s["status"] == "active"
        ],
    )
    conn.commit()
    build = time.perf_counter() - started
    size = os.path.getsize(path)
    timings: dict[str, list[float]] = {k: [] for k in QUERY_TYPES}
    for kind, params in mix:
        parts = []
        for group in parse_query(params.get("q", "")).groups:
            options = " OR ".join('"' + alt.replace('"', "") + '"' for alt in group.alternatives)
            parts.append(("NOT " if group.exclude else "") + f"({options})")
        for facet in ("need", "led_by", "community", "faith", "language", "gender", "cost"):
            if facet in params:
                taxonomy = {"led_by": "led_by"}.get(facet, facet)
                parts.append(f'tags:"{taxonomy}_{params[facet].replace("-", "_")}"')
        expression = " AND ".join(parts) or '"a" OR NOT "a"'
        started = time.perf_counter()
        try:
            conn.execute("SELECT count(*) FROM docs WHERE docs MATCH ?", (expression,)).fetchone()
            conn.execute(
                "SELECT id FROM docs WHERE docs MATCH ? ORDER BY bm25(docs, 0, 3, 1, 0) LIMIT 20",
                (expression,),
            ).fetchall()
        except sqlite3.OperationalError:
            pass
        timings[kind].append((time.perf_counter() - started) * 1000)
    conn.close()
    shutil.rmtree(folder, ignore_errors=True)
    return build, size, timings


def http_run(app, mix, clients: int, total_requests: int) -> tuple[float, float, float, int]:
    """The search page over HTTP on 127.0.0.1 with concurrent signed-in clients."""
    import requests
    from werkzeug.serving import make_server

    from navigator.auth.passwords import use_fast_hashing
    from navigator.auth.services import create_user

    use_fast_hashing(True)
    password = "bench-password-" + uuid.uuid4().hex[:8]
    with app.app_context():
        create_user(
            f"bench-{uuid.uuid4().hex[:6]}@example.org", "Bench practitioner", "practitioner", password, None
        )
        from navigator.auth.models import User
        from navigator.extensions import db

        email = db.session.query(User.email).filter(User.name == "Bench practitioner").first()[0]
    server = make_server("127.0.0.1", 0, app, threaded=True)
    port = server.server_port
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()

    def client(worker: int):
        nonlocal errors
        session = requests.Session()
        page = session.get(base + "/sign-in", timeout=30).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        session.post(
            base + "/sign-in", data={"email": email, "password": password, "csrf_token": token}, timeout=30
        )
        for i in range(worker, total_requests, clients):
            _kind, params = mix[i % len(mix)]
            started = time.perf_counter()
            response = session.get(base + "/search", params=params, timeout=60)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                if (
                    response.status_code >= 500
                    or "Sign in" in response.text[:2000]
                    and "/sign-in" in response.url
                ):
                    errors += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(w,)) for w in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    server.shutdown()
    median, p95, _p99 = percentiles(latencies)
    return median, p95, len(latencies) / wall, errors


def postgres_database(admin_url: str | None):
    if not admin_url:
        return None, None
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin_url = re.sub(r"^postgres(ql)?://", "postgresql+psycopg://", admin_url)
    name = f"navigator_bench_{os.getpid()}"
    try:
        engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - no server: skip that backend and say so
        print(f"  (PostgreSQL not available: {exc.__class__.__name__}; skipping it)")
        return None, None
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)

    def drop():
        with engine.connect() as conn:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name}
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        engine.dispose()

    return url, drop


def report_line(label: str, timings: dict[str, list[float]]) -> None:
    for kind in QUERY_TYPES:
        if timings.get(kind):
            median, p95, p99 = percentiles(timings[kind])
            print(
                f"    {label:<10} {kind:<14} median {median:7.1f} ms   p95 {p95:7.1f} ms   p99 {p99:7.1f} ms"
                f"   (n={len(timings[kind])})"
            )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,50000")
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--backends", default="whoosh,postgres")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--http-requests", type=int, default=200)
    parser.add_argument(
        "--http-size", type=int, default=None, help="size for the HTTP run (default: largest)"
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("NAVIGATOR_BENCH_POSTGRES_URL")
        or os.environ.get("NAVIGATOR_TEST_POSTGRES_URL"),
    )
    parser.add_argument("--quick", action="store_true", help="sizes 2000, 100 queries, 40 HTTP requests")
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.queries, args.http_requests = "2000", 100, 40
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    http_size = args.http_size or max(sizes)
    import logging

    logging.disable(logging.WARNING)
    districts = load_districts()
    mix = query_mix(args.queries, districts)
    print(
        f"Search benchmark: {len(districts)} postcode districts"
        f" ({'real ONS centroids' if DATA.exists() else 'synthetic grid'}), {args.queries} queries"
        f" ({', '.join(QUERY_TYPES)}), {os.cpu_count()} CPUs"
    )
    pg_url, pg_drop = postgres_database(args.postgres_url) if "postgres" in backends else (None, None)
    try:
        for size in sizes:
            print(f"\n== {size:,} services ==")
            started = time.perf_counter()
            rows = generate(size, districts)
            print(f"  generated in {time.perf_counter() - started:.1f}s")
            for backend in backends:
                if backend == "postgres":
                    if pg_url is None:
                        continue
                    url = pg_url
                else:
                    url = "sqlite:///" + os.path.join(
                        tempfile.mkdtemp(prefix="navigator-bench-"), "bench.sqlite3"
                    )
                index_dir = tempfile.mkdtemp(prefix="navigator-bench-index-")
                app = make_app(url, os.path.join(index_dir, "ix"), backend)
                load_seconds = load_rows(app, rows, districts)
                with app.app_context():
                    from navigator.directory.search import rebuild_index

                    started = time.perf_counter()
                    indexed = rebuild_index()
                    build = time.perf_counter() - started
                size_bytes = index_size(app, backend)
                print(
                    f"  {backend}: database loaded in {load_seconds:.1f}s; index build {build:.1f}s for "
                    f"{indexed:,} listed services; index size {size_bytes / 1e6:.1f} MB"
                )
                report_line(backend, run_queries(app, mix))
                if size == http_size and args.http_requests:
                    median, p95, rps, errors = http_run(app, mix, args.clients, args.http_requests)
                    print(
                        f"    {backend:<10} HTTP /search, {args.clients} clients, "
                        f"{args.http_requests} requests: "
                        f"median {median:.1f} ms, p95 {p95:.1f} ms, {rps:.1f} requests/s, errors {errors}"
                    )
                with app.app_context():
                    from navigator.directory.search import get_backend
                    from navigator.extensions import db

                    get_backend().close()
                    db.session.remove()
                    db.engine.dispose()
                shutil.rmtree(index_dir, ignore_errors=True)
            build, size_bytes, timings = fts5_reference(rows, mix)
            print(
                f"  sqlite-fts5 reference: build {build:.1f}s; size {size_bytes / 1e6:.1f} MB "
                f"(text match + tag filter + count + top 20; no facet counts, no distance)"
            )
            report_line("fts5", timings)
    finally:
        if pg_drop:
            pg_drop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
