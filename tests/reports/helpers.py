"""Builders for report tests: a tiny geography, listings (through the directory services)
and caseload/referral rows (aggregates only need the rows, not the referral journey).

The constructed fixture (`build_gap_fixture`) is the one whose gap scores are worked out by
hand in test_gapscore.py; change it only together with those expected numbers.
"""
from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path

from navigator.directory.models import PostcodeDistrict, Service, ZeroResultSearch
from navigator.extensions import db

DATA = Path(__file__).resolve().parent / "data"
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"

WALSALL, WOLVERHAMPTON, CORNWALL, BIRMINGHAM = "E08000030", "E08000031", "E06000052", "E08000025"
# Postcode districts at the centre of each fixture authority.
DISTRICTS = {
    "WS1": (52.60, -2.00, WALSALL),
    "WV1": (52.80, -2.00, WOLVERHAMPTON),
    "TR1": (50.40, -5.00, CORNWALL),
    "B1": (52.60, -1.50, BIRMINGHAM),
}
POSTCODES = {"WS1": "WS1 1AA", "WV1": "WV1 1AA", "TR1": "TR1 1AA", "B1": "B1 1AA"}
PERSON_NAME_PREFIX = "Secretname"  # appears in no report, ever
_counter = itertools.count(1)


def load_tiny_geography() -> None:
    from navigator.reports import geodata

    geodata.load_boundaries(str(DATA / "tiny_boundaries.geojson"))
    geodata.load_pdus(str(DATA / "tiny_pdus.csv"))
    geodata.load_population(str(DATA / "tiny_population.csv"))
    for outcode, (lat, lon, lad) in DISTRICTS.items():
        db.session.add(PostcodeDistrict(outcode=outcode, latitude=lat, longitude=lon, lad_code=lad))
    db.session.commit()


def make_service(name: str, outcode: str, needs: list[str], **extra):
    """A listed service with one location in the district, made through the directory services."""
    from navigator.directory import services as directory

    org = directory.create_organisation({"name": f"{name} Trust"}, actor_id=None)
    location = directory.create_location(org.id, {
        "name": f"{name} centre", "address_1": "1 High Street", "city": "Town",
        "postal_code": POSTCODES[outcode]}, actor_id=None)
    data = {"name": name, "need": needs, "location_ids": [location.id], **extra}
    service = directory.create_service(org.id, data, actor_id=None)
    return service.id


def make_person(outcode: str, needs: list[str], *, agrees: bool = True, ethnicity: str = "white-british",
                religion: str = "christian", gender: str = "man"):
    from navigator.referrals.models import Need, Person

    n = next(_counter)
    person = Person(case_reference=f"X{n:06d}", name=f"{PERSON_NAME_PREFIX} {n}", home_outcode=outcode,
                    ethnicity=ethnicity, religion=religion, gender=gender,
                    created_at=datetime.now(UTC) - timedelta(days=400))
    db.session.add(person)
    db.session.flush()
    need_ids = {}
    for category in needs:
        need = Need(person_id=person.id, category=category, person_agrees=agrees)
        db.session.add(need)
        db.session.flush()
        need_ids[category] = need.id
    db.session.commit()
    return person.id, need_ids


def make_referral(person_id: str, need_id: str, category: str, service_id: str, *, status: str = "sent",
                  days_ago: int = 5, wait_days: float | None = None, decline_reason: str | None = None,
                  signpost: bool = False):
    from navigator.referrals.models import Referral, ReferralNeed

    n = next(_counter)
    sent = datetime.now(UTC) - timedelta(days=days_ago)
    service = db.session.get(Service, service_id)
    referral = Referral(
        reference=f"NAV-T{n:06d}", person_id=person_id, service_id=service_id,
        organization_id=service.organization_id, status="signposted" if signpost else status,
        created_at=sent, sent_at=None if signpost else sent, signposted_at=sent if signpost else None,
        accepted_at=sent + timedelta(days=wait_days) if wait_days is not None else None,
        declined_at=sent + timedelta(days=1) if decline_reason else None, decline_reason=decline_reason)
    db.session.add(referral)
    db.session.flush()
    db.session.add(ReferralNeed(referral_id=referral.id, need_id=need_id, category=category))
    db.session.commit()
    return referral.id


def record_zero_result(outcode: str, lad: str, need: str, **facets) -> None:
    import json

    filters = {"need": [need], **{k: [v] for k, v in facets.items()}}
    db.session.add(ZeroResultSearch(terms="", filters=json.dumps(filters), outcode=outcode, lad_code=lad))
    db.session.commit()


def build_gap_fixture() -> dict:
    """The hand-worked fixture: four authorities, six services, 35 people, 32 referrals.

    Accommodation services: S1 and S2 (Black-led) in Walsall; S3 in Wolverhampton naming
    Birmingham as covered; S4 national, based in Cornwall. S5 is for another need and S6 is
    inactive: neither counts. Walsall has 12 people with the need (6 referrals declined for
    no capacity, 6 accepted after 10 days), Wolverhampton 3 (one not agreed besides),
    Birmingham 20 (11 declined for no capacity, 9 accepted after 4 days).
    """
    from navigator.directory import services as directory

    ids = {
        "S1": make_service("Walsall Housing Advice", "WS1", ["accommodation"]),
        "S2": make_service("Black Country Homes", "WS1", ["accommodation"], **{"led-by": ["black-led"]}),
        "S3": make_service("Wolverhampton Housing", "WV1", ["accommodation"],
                           service_areas=[{"extent_type": "local_authority", "lad_code": BIRMINGHAM,
                                           "name": "Birmingham"}]),
        "S4": make_service("National Housing Line", "TR1", ["accommodation"],
                           service_areas=[{"extent_type": "national", "name": "England and Wales"}]),
        "S5": make_service("Walsall Jobs Club", "WS1", ["ete"]),
        "S6": make_service("Closed Hostel", "WS1", ["accommodation"]),
    }
    closed = db.session.get(Service, ids["S6"])
    directory.set_service_status(ids["S6"], "inactive", closed.version, actor_id=None)
    for i in range(12):
        person, needs = make_person("WS1", ["accommodation"])
        if i < 6:
            make_referral(person, needs["accommodation"], "accommodation", ids["S1"], status="declined",
                          decline_reason="no-capacity")
        else:
            make_referral(person, needs["accommodation"], "accommodation", ids["S1"], status="accepted",
                          wait_days=10)
    for _ in range(3):
        make_person("WV1", ["accommodation"])
    make_person("WV1", ["accommodation"], agrees=False)
    for i in range(20):
        person, needs = make_person("B1", ["accommodation"])
        if i < 11:
            make_referral(person, needs["accommodation"], "accommodation", ids["S3"], status="declined",
                          decline_reason="no-capacity")
        elif i < 20:
            make_referral(person, needs["accommodation"], "accommodation", ids["S3"], status="accepted",
                          wait_days=4)
    return ids
