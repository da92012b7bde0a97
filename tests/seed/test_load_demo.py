"""The demo directory: what `navigator seed` puts in front of people trying the app."""
from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from navigator.auth.models import User
from navigator.demo import directory as seed
from navigator.directory.models import (
    Address,
    Attribute,
    Language,
    Location,
    Organisation,
    Phone,
    PostcodeDistrict,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
)
from navigator.directory.vocab import NEED_CATEGORIES, Cost, Gender, ReferralRoute, ServiceStatus
from navigator.errors import ValidationError
from navigator.extensions import db
from tests.conftest import PASSWORD

REPO = Path(__file__).resolve().parents[2]
SHARED_DATA = REPO.parent / "shared" / "data"
# The inspection areas the demo must cover, as local authorities.
DEMO_AREAS = ["Walsall", "Wolverhampton", "Birmingham", "Bradford", "Calderdale", "Liverpool", "Sefton",
              "Hackney", "Tower Hamlets", "Luton", "Bedford"]


def _shared(name: str) -> Path:
    path = SHARED_DATA / name
    if not path.exists():
        pytest.skip(f"{path} is absent: the real public data sits beside the repository in ../shared/data")
    return path


@pytest.fixture
def seeded(ctx):
    return seed.load_demo(PASSWORD)


def _demo_services():
    return list(db.session.scalars(select(Service).where(Service.source == seed.SOURCE)))


def _term_codes(service, taxonomy):
    return {term.code for term in service.terms(taxonomy)}


def test_demo_has_at_least_sixty_services_from_about_forty_organisations(seeded):
    assert seeded["services"] >= 60
    assert seeded["organisations"] >= 35
    assert seeded["services"] == len(_demo_services())
    assert seeded["districts"] == db.session.scalar(select(func.count()).select_from(PostcodeDistrict))


def test_every_need_category_has_a_listed_service(seeded):
    covered = set()
    for service in _demo_services():
        if service.is_listed:
            covered |= _term_codes(service, "need")
    missing = [label for code, label in NEED_CATEGORIES if code not in covered]
    assert not missing, f"no listed demo service for: {missing}"


@pytest.mark.parametrize("area", DEMO_AREAS)
def test_every_inspection_area_has_listed_services_located_there(seeded, area):
    located = [service.name for service in _demo_services() if service.is_listed
               and any(loc.lad_name == area for loc in service.locations)]
    assert located, f"no listed demo service has a location in {area}"


def test_listings_show_a_real_spread_of_community_attributes(seeded):
    services = _demo_services()
    led_by = set().union(*(_term_codes(s, "led-by") for s in services))
    communities = set().union(*(_term_codes(s, "community") for s in services))
    faiths = set().union(*(_term_codes(s, "faith") for s in services))
    languages = {lang.code for s in services for lang in s.languages}
    assert {"black-led", "asian-led", "muslim-led", "women-led", "lived-experience-led"} <= led_by
    assert {"black-caribbean", "black-african", "asian-pakistani", "asian-bangladeshi", "somali",
            "white-gypsy-traveller", "white-roma", "eastern-european"} <= communities
    assert {"muslim", "christian", "sikh", "multi-faith"} <= faiths
    assert {"ur", "pa", "bn", "so", "pl", "ro", "ar"} <= languages
    assert {s.gender for s in services} >= {Gender.ANY, Gender.WOMEN, Gender.MEN}
    assert {s.cost for s in services} >= {Cost.FREE, Cost.LOW}
    assert {s.referral_route for s in services} == set(ReferralRoute)
    assert {s.accepts_sex_offence_convictions for s in services} >= {True, False}
    assert any(s.accepts_no_recourse_to_public_funds for s in services)
    housing_for_sex_offence = [s.name for s in services if s.accepts_sex_offence_convictions
                               and "accommodation" in _term_codes(s, "need") and s.is_listed]
    assert housing_for_sex_offence


def test_listings_have_opening_hours_areas_and_phones(seeded):
    services = _demo_services()
    fictional = [s for s in services if seed.FICTIONAL_MARK in s.description]
    assert fictional and all(s.schedules for s in fictional)
    assert all(s.service_areas for s in services)
    friday_split = [s for s in services if sum(1 for h in s.schedules if h.byday == "FR") == 2]
    assert friday_split, "expected a service that closes for Friday prayers"
    area_types = {area.extent_type.value for s in services for area in s.service_areas}
    assert {"local_authority", "radius", "national", "remote"} <= area_types
    for area in (a for s in services for a in s.service_areas):
        if area.name in DEMO_AREAS:
            assert area.lad_code, f"{area.name} service area has no local authority code"


def test_some_services_are_inactive_or_temporarily_closed(seeded):
    statuses = {s.status for s in _demo_services()}
    assert {ServiceStatus.INACTIVE, ServiceStatus.TEMPORARILY_CLOSED} <= statuses
    assert seeded.get("indexed") in (None, sum(1 for s in _demo_services() if s.is_listed))


def test_a_refuge_has_a_confidential_location(seeded):
    confidential = list(db.session.scalars(select(Location).where(Location.confidential.is_(True))))
    assert confidential
    refuge_services = {sal.service.name for loc in confidential for sal in loc.service_at_locations}
    assert any("Refuge" in name or "Safe house" in name for name in refuge_services)
    for loc in confidential:
        # No public location of the same organisation shares the refuge's service.
        for sal in loc.service_at_locations:
            assert all(other.confidential for other in sal.service.locations)


def test_every_location_has_coordinates_in_a_seeded_district(seeded):
    districts = {d.outcode: d for d in db.session.scalars(select(PostcodeDistrict))}
    locations = list(db.session.scalars(select(Location).where(Location.source == seed.SOURCE)))
    assert locations
    for loc in locations:
        assert loc.has_point, loc.name
        district = districts[loc.outcode]
        assert loc.lad_code == district.lad_code and loc.pdu_name == district.pdu_name
        # Within about 1 km of its district's centre: coordinates belong to the place named.
        assert abs(loc.latitude - district.latitude) < 0.01
        assert abs(loc.longitude - district.longitude) < 0.015
        if loc.address:
            assert loc.address.postal_code.split()[0] == loc.outcode


def _real_names() -> set[str]:
    with _shared("community_orgs_public_facts.csv").open(newline="", encoding="utf-8-sig") as handle:
        return {row["name"] for row in csv.DictReader(handle)}


def test_real_organisations_come_from_public_facts_with_no_contact_details_and_unverified(seeded):
    real_names = _real_names()
    orgs = list(db.session.scalars(select(Organisation).where(Organisation.source == seed.SOURCE)))
    real = [org for org in orgs if seed.FICTIONAL_MARK not in org.description]
    assert len(real) >= 5
    districts = {d.outcode: d for d in db.session.scalars(select(PostcodeDistrict))}
    for org in real:
        assert org.name in real_names, f"{org.name} is neither fictional nor in the public facts"
        assert org.email is None and org.website is None and not org.phones
        phones = db.session.scalars(select(Phone).where(Phone.organization_id == org.id)).all()
        assert not phones, f"{org.name} has a phone number"
        for service in org.services:
            assert service.last_verified_at is None and service.last_verified_by_id is None
            assert service.url is None and service.email is None and not service.phones
            assert "not been verified" in service.application_process
        for loc in org.locations:
            assert not loc.addresses, f"{org.name} has a street address"
            centre = districts[loc.outcode]
            assert (loc.latitude, loc.longitude) == (centre.latitude, centre.longitude)


def test_fictional_organisations_say_so_and_use_reserved_contact_details(seeded):
    orgs = list(db.session.scalars(select(Organisation).where(Organisation.source == seed.SOURCE)))
    fictional = [org for org in orgs if seed.FICTIONAL_MARK in org.description]
    assert len(fictional) >= 25
    for org in fictional:
        assert org.email.endswith(".example.org")
        assert org.website is None or ".example.org/" in org.website
        for service in org.services:
            assert seed.FICTIONAL_MARK in service.description
    numbers = db.session.scalars(select(Phone.number)).all()
    assert numbers and all(n.startswith("01632 960") for n in numbers)  # Ofcom's drama range


def test_seeded_districts_are_the_published_centroids(seeded):
    with _shared("outcode_centroids_ew_with_lad2024.csv").open(newline="", encoding="utf-8-sig") as handle:
        published = {row["outcode"]: row for row in csv.DictReader(handle)}
    districts = list(db.session.scalars(select(PostcodeDistrict)))
    assert {d.lad_name for d in districts} >= set(DEMO_AREAS)
    for district in districts:
        row = published[district.outcode]
        assert district.latitude == pytest.approx(float(row["latitude"]))
        assert district.longitude == pytest.approx(float(row["longitude"]))
        assert (district.lad_code, district.lad_name) == (row["lad24cd"], row["lad24nm"])
    ws1 = db.session.get(PostcodeDistrict, "WS1")
    assert (round(ws1.latitude, 2), round(ws1.longitude, 2)) == (52.58, -1.98)


COUNTED = [Organisation, Service, Location, Address, Phone, Schedule, Language, ServiceArea, Attribute,
           ServiceAtLocation, PostcodeDistrict, User]


def _counts() -> dict[str, int]:
    return {m.__name__: db.session.scalar(select(func.count()).select_from(m)) for m in COUNTED}


def test_seeding_twice_changes_and_duplicates_nothing(seeded):
    before = _counts()
    again = seed.load_demo(PASSWORD)
    assert _counts() == before
    assert again["users_created"] == []
    assert again["services_created"] == 0 and again["organisations_created"] == 0
    assert {k: again[k] for k in ("services", "organisations", "districts")} == {
        k: seeded[k] for k in ("services", "organisations", "districts")}


def test_seeding_again_keeps_a_navigators_edits(seeded):
    service = db.session.scalar(select(Service).where(Service.source_id == "svc-caldmore-money"))
    service.name = "Money advice drop-in (renamed by a navigator)"
    db.session.commit()
    seed.load_demo(PASSWORD)
    db.session.expire_all()
    names = db.session.scalars(select(Service.name).where(Service.source_id == "svc-caldmore-money")).all()
    assert names == ["Money advice drop-in (renamed by a navigator)"]


def test_a_weak_demo_password_is_refused_before_anything_is_written(ctx):
    with pytest.raises(ValidationError) as excinfo:
        seed.load_demo("short")
    assert "8 characters" in " ".join(excinfo.value.errors["password"])
    assert _counts()["Service"] == 0 and _counts()["User"] == 0


def test_inconsistent_seed_data_is_reported_and_nothing_half_written(ctx, tmp_path):
    data_dir = tmp_path / "seed_data"
    shutil.copytree(seed.seed_data_dir(), data_dir)
    path = data_dir / "listings" / "birmingham.json"
    doc = json.loads(path.read_text())
    doc["organisations"][-1]["services"][0]["need"] = ["housing-ish"]
    doc["organisations"][-1]["locations"][0]["address"]["postal_code"] = "NOT A POSTCODE"
    path.write_text(json.dumps(doc))
    with pytest.raises(seed.SeedDataError) as excinfo:
        seed.load_demo(PASSWORD, data_dir=data_dir)
    message = str(excinfo.value)
    assert "unknown need term 'housing-ish'" in message
    assert "full postcode" in message
    assert _counts()["Organisation"] == 0 and _counts()["Service"] == 0 and _counts()["User"] == 0


def test_the_shipped_seed_data_is_consistent(ctx):
    seed.load_districts(seed.seed_data_dir() / "postcode_districts.csv")
    districts = {d.outcode: d for d in db.session.scalars(select(PostcodeDistrict))}
    assert seed.validate_listings(seed.read_listings(), districts) == []
