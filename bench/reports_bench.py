"""Benchmark: the gap map for all of England and Wales over a large synthetic caseload.

Builds (seeded, synthetic) 50,000 services and 100,000 referrals on the real 318 local
authorities (../shared/data, or a synthetic grid when that is absent), then times:
one gap map (one need, every authority, with disclosure control) and the full matrix
(every need category x every authority in one pass). Target: under 1 second.

    python -m bench.reports_bench [--services N] [--referrals N] [--database URL]
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA = REPO.parent / "shared" / "data"


def _ids(n: int, rng: random.Random) -> list[str]:
    return [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(n)]


def load_geography(rng: random.Random) -> None:
    """Real boundaries, census, PDUs and postcode districts when available; else a grid."""
    from navigator.directory.models import PostcodeDistrict
    from navigator.extensions import db
    from navigator.reports import geodata
    from navigator.reports.models import LocalAuthority, Population

    if (DATA / "lad_2024_ew_with_census_probation.geojson").exists():
        geodata.load_boundaries(str(DATA / "lad_2024_ew_with_census_probation.geojson"))
        geodata.load_pdus(str(DATA / "lad2024_to_probation_region_pdu_ew.csv"))
        geodata.load_population(str(DATA / "census2021_ethnicity_religion_lad2024_ew.csv"))
        import csv

        with open(DATA / "outcode_centroids_ew_with_lad2024.csv", encoding="utf-8") as handle:
            rows = [PostcodeDistrict(outcode=r["outcode"], latitude=float(r["latitude"]),
                                     longitude=float(r["longitude"]), lad_code=r["lad24cd"] or None)
                    for r in csv.DictReader(handle) if r["latitude"]]
        db.session.add_all(rows)
        db.session.commit()
        return
    for i in range(318):
        code = f"E0{6 + i % 3}{i:06d}"
        lat, lon = 50.5 + (i // 18) * 0.25, -4.5 + (i % 18) * 0.35
        db.session.add(LocalAuthority(code=code, name=f"Authority {i}", centroid_lat=lat, centroid_lon=lon))
        db.session.add(Population(lad_code=code, residents=rng.randint(60_000, 1_100_000),
                                  eth_black_pct=rng.uniform(0, 15), rel_muslim_pct=rng.uniform(0, 25)))
        db.session.add(PostcodeDistrict(outcode=f"Z{i}", latitude=lat, longitude=lon, lad_code=code))
    db.session.commit()


def build_data(services: int, referrals: int, seed: int) -> dict:
    """Insert synthetic listings and referrals in bulk (Core inserts: setup time is not measured)."""
    from sqlalchemy import insert, select

    from navigator.directory.models import (
        Attribute,
        Location,
        Organisation,
        PostcodeDistrict,
        Service,
        ServiceArea,
        ServiceAtLocation,
    )
    from navigator.directory.vocab import COMMUNITIES, FAITHS, LED_BY, NEED_CATEGORIES
    from navigator.extensions import db
    from navigator.referrals.models import Need, Person, Referral, ReferralNeed
    from navigator.referrals.vocab import ETHNICITIES, GENDERS, RELIGIONS

    rng = random.Random(seed)
    now = datetime.now(UTC)
    districts = db.session.execute(
        select(PostcodeDistrict.outcode, PostcodeDistrict.latitude, PostcodeDistrict.longitude,
               PostcodeDistrict.lad_code).where(PostcodeDistrict.lad_code.is_not(None))).all()
    needs = [c for c, _ in NEED_CATEGORIES]
    extras = ([f"led-by:{c}" for c, _ in LED_BY] + [f"faith:{c}" for c, _ in FAITHS]
              + [f"community:{c}" for c, _ in COMMUNITIES])
    org_ids = _ids(max(1, services // 5), rng)
    db.session.execute(insert(Organisation), [
        {"id": oid, "name": f"Organisation {i}", "description": "", "active": True, "version": 1,
         "created_at": now, "updated_at": now} for i, oid in enumerate(org_ids)])
    service_ids = _ids(services, rng)
    service_rows, attr_rows, loc_rows, sal_rows, area_rows = [], [], [], [], []
    for i, sid in enumerate(service_ids):
        created = now - timedelta(days=rng.randint(0, 900))
        service_rows.append({"id": sid, "organization_id": rng.choice(org_ids), "name": f"Service {i}",
                             "description": "", "status": "active", "cost": "free", "referral_route": "both",
                             "gender": "women" if rng.random() < 0.08 else "any", "link_status": "unchecked",
                             "version": 1, "created_at": created, "updated_at": created})
        for term in {f"need:{n}" for n in rng.sample(needs, rng.choice((1, 1, 2, 3)))} | (
                {rng.choice(extras)} if rng.random() < 0.3 else set()):
            attr_rows.append({"id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "service_id": sid,
                              "taxonomy_term_id": term})
        outcode, lat, lon, lad = rng.choice(districts)
        lid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        loc_rows.append({"id": lid, "name": f"Place {i}", "latitude": lat, "longitude": lon,
                         "outcode": outcode,
                         "lad_code": lad, "geocode_status": "approximate", "confidential": False,
                         "location_type": "physical", "version": 1, "created_at": now, "updated_at": now})
        sal_rows.append({"id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "service_id": sid,
                         "location_id": lid})
        roll = rng.random()
        if roll < 0.05:
            area_rows.append({"id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "service_id": sid,
                              "name": "England and Wales", "extent_type": "national"})
        elif roll < 0.15:
            area_rows.append({"id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "service_id": sid,
                              "name": "Radius", "extent_type": "radius",
                              "radius_miles": rng.choice((5, 10, 25))})
        elif roll < 0.30:
            area_rows.append({"id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "service_id": sid,
                              "name": "Next door", "extent_type": "local_authority",
                              "lad_code": rng.choice(districts)[3]})
    for table, rows in ((Service, service_rows), (Attribute, attr_rows), (Location, loc_rows),
                        (ServiceAtLocation, sal_rows), (ServiceArea, area_rows)):
        for start in range(0, len(rows), 5000):
            db.session.execute(insert(table), rows[start:start + 5000])
    db.session.commit()

    people_count = max(1, referrals * 2 // 5)
    person_ids = _ids(people_count, rng)
    ethnicities = [c for c, _ in ETHNICITIES]
    weights = [40 if c == "white-british" else 2 for c in ethnicities]
    person_rows, need_rows = [], []
    person_needs: dict[str, list[tuple[str, str]]] = {}
    for i, pid in enumerate(person_ids):
        person_rows.append({"id": pid, "case_reference": f"B{i:06d}", "name": None,
                            "ethnicity": rng.choices(ethnicities, weights)[0],
                            "religion": rng.choice(RELIGIONS)[0], "gender": rng.choice(GENDERS)[0],
                            "interpreter_needed": False, "home_outcode": rng.choice(districts)[0],
                            "created_at": now - timedelta(days=rng.randint(30, 900)), "updated_at": now,
                            "last_activity_at": now})
        chosen = []
        for need in rng.sample(needs, rng.choice((1, 2, 3))):
            nid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            need_rows.append({"id": nid, "person_id": pid, "category": need, "person_agrees": True,
                              "created_at": now - timedelta(days=rng.randint(0, 700))})
            chosen.append((nid, need))
        person_needs[pid] = chosen
    referral_rows, rn_rows = [], []
    for i in range(referrals):
        pid = rng.choice(person_ids)
        nid, need = rng.choice(person_needs[pid])
        sent = now - timedelta(days=rng.randint(0, 700), hours=rng.randint(0, 23))
        status = rng.choices(["sent", "accepted", "declined", "completed", "signposted"], [2, 3, 2, 3, 1])[0]
        row = {"id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "reference": f"NAV-{i:07d}",
               "person_id": pid, "service_id": rng.choice(service_ids), "status": status,
               "data_categories_json": "[]", "created_at": sent, "updated_at": sent,
               "sent_at": None if status == "signposted" else sent,
               "signposted_at": sent if status == "signposted" else None,
               "accepted_at": sent + timedelta(days=rng.randint(0, 30)) if status in ("accepted", "completed")
               else None,
               "declined_at": sent + timedelta(days=rng.randint(0, 20)) if status == "declined" else None,
               "decline_reason": rng.choice(["no-capacity", "not-eligible", "other"]) if status == "declined"
               else None}
        referral_rows.append(row)
        rn_rows.append({"referral_id": row["id"], "need_id": nid, "category": need})
    org_of = {r["id"]: r["organization_id"] for r in service_rows}
    for row in referral_rows:
        row["organization_id"] = org_of[row["service_id"]]
    for table, rows in ((Person, person_rows), (Need, need_rows), (Referral, referral_rows),
                        (ReferralNeed, rn_rows)):
        for start in range(0, len(rows), 5000):
            db.session.execute(insert(table), rows[start:start + 5000])
    db.session.commit()
    return {"services": services, "referrals": referrals, "people": people_count}


def _time(func, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        out.append(time.perf_counter() - start)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=50_000)
    parser.add_argument("--referrals", type=int, default=100_000)
    parser.add_argument("--database", default=os.environ.get("NAVIGATOR_BENCH_DATABASE_URL", ""),
                        help="SQLAlchemy URL of an EMPTY database (default: a temporary SQLite file)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20240101)
    args = parser.parse_args(argv)

    from navigator import create_app
    from navigator.extensions import db
    from navigator.reports import services as report_services
    from navigator.reports.periods import default_period

    workdir = tempfile.mkdtemp(prefix="navigator-reports-bench-")
    url = args.database or "sqlite:///" + os.path.join(workdir, "bench.sqlite3")
    os.environ.setdefault("NAVIGATOR_INSTANCE", workdir)
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url,
                      "SEARCH_INDEX_DIR": os.path.join(workdir, "index")})
    with app.app_context():
        db.create_all()
        from navigator.testing import prepare_reference_data

        prepare_reference_data()
        rng = random.Random(args.seed)
        setup = time.perf_counter()
        load_geography(rng)
        counts = build_data(args.services, args.referrals, args.seed)
        # A live database keeps planner statistics; fresh bulk loads need them gathered once.
        from sqlalchemy import text

        db.session.execute(text("ANALYZE"))
        db.session.commit()
        print(f"reports bench: {counts['services']:,} services, {counts['referrals']:,} referrals, "
              f"{counts['people']:,} people on {db.engine.dialect.name} "
              f"(setup {time.perf_counter() - setup:.1f} s)")
        period = default_period(datetime.now(UTC).date())
        threshold = 10

        def one_map():
            view = report_services.build_gap_map("accommodation", None, "la", period, threshold)
            assert view.layer is not None and len(view.layer.rows) >= 318

        def matrix():
            layers = report_services.build_gap_matrix(None, "la", period, threshold)
            assert len(layers) == 16

        def community_map():
            report_services.build_gap_map("mental-health", "led-by:black-led", "pdu", period, threshold)

        from navigator.reports.queries import clear_provision_cache

        def cold(func):
            # The provision cache lives until the directory changes: time the first map after an edit.
            def run():
                clear_provision_cache()
                func()
            return run

        results = {}
        for name, func in (("gap map, 1 need x every authority", one_map),
                           ("gap matrix, every need x every authority", matrix),
                           ("gap matrix, first after a directory change", cold(matrix)),
                           ("gap map, Black-led community, by PDU", community_map)):
            func()  # warm caches (first query plans, imports)
            timings = _time(func, args.repeat)
            results[name] = timings
            print(f"  {name:<45} median {statistics.median(timings):.3f} s  "
                  f"(min {min(timings):.3f}, max {max(timings):.3f})")
        worst = max(statistics.median(t) for t in results.values())
        print(f"  target under 1 s: {'met' if worst < 1.0 else 'NOT met'} (slowest median {worst:.3f} s)")
        db.session.remove()
        db.engine.dispose()
    import shutil

    shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
