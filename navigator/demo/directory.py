"""Demo data: the listings, postcode districts and sign-ins in seed_data/, loaded idempotently.

`load_demo(password)` is what `navigator seed` runs. Listings are keyed on
source="navigator-demo" and a stable source_id, so a second run adds only what is missing and
never changes or duplicates what is there (a navigator's edits to a demo listing survive).
Real organisations carry only public facts and no contact details, and stay unverified; every
other organisation is fictional and says so in its description.
"""
from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import date, time, timedelta
from pathlib import Path

from sqlalchemy import func, select

from navigator import audit
from navigator.auth.models import Role, User
from navigator.database import new_id
from navigator.directory.geocoding import normalise_postcode
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
from navigator.directory.vocab import (
    LANGUAGE_NAMES,
    TAXONOMIES,
    WEEKDAYS,
    AreaType,
    Cost,
    Gender,
    GeocodeStatus,
    ReferralRoute,
    ServiceStatus,
)
from navigator.errors import ValidationError
from navigator.extensions import db
from navigator.times import utcnow

log = logging.getLogger(__name__)

SOURCE = "navigator-demo"
FICTIONAL_MARK = "(fictional demo listing)"
TERM_KEYS = tuple(TAXONOMIES)  # "need", "led-by", "community", "faith"
DAY_CODES = {code for code, _ in WEEKDAYS}
# Contact fields a real organisation must never have in the demo: nothing about them is verified.
CONTACT_FIELDS = ("email", "website", "phones", "url")
_HHMM_RE = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


class SeedDataError(ValueError):
    """The files in seed_data/ are inconsistent; the message lists every problem found."""


@dataclass
class _Created:
    organisations: int = 0
    services: int = 0
    locations: int = 0


def seed_data_dir() -> Path:
    """seed_data/ inside an installed package (navigator/seed_data), else at the checkout's top."""
    package_dir = Path(__file__).resolve().parent.parent  # navigator/
    for candidate in (package_dir / "seed_data", package_dir.parent / "seed_data"):
        if (candidate / "listings").is_dir():
            return candidate
    raise FileNotFoundError("Navigator's seed_data folder is missing")


def read_listings(data_dir: Path | None = None) -> list[dict]:
    """Every organisation in seed_data/listings/*.json, each tagged with its file's area."""
    data_dir = data_dir or seed_data_dir()
    organisations = []
    for path in sorted((data_dir / "listings").glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        for org in doc["organisations"]:
            organisations.append({**org, "area": doc["area"], "file": path.name})
    return organisations


def read_demo_users(data_dir: Path | None = None) -> list[dict]:
    data_dir = data_dir or seed_data_dir()
    return json.loads((data_dir / "users.json").read_text(encoding="utf-8"))["users"]


def load_demo(password: str, data_dir: Path | None = None) -> dict:
    """Load demo districts, listings and users; safe to run again (adds only what is missing).

    Returns {"services", "organisations", "districts": ints now in the database,
    "users_created": [(email, role)], "services_created", "organisations_created", "indexed"}.
    Raises ValidationError for an unacceptable demo password (before anything is written) and
    SeedDataError when seed_data/ is inconsistent (nothing from the listings is written).
    """
    from navigator.auth.services import validate_password
    from navigator.directory.taxonomy import ensure_taxonomies

    if problems := validate_password(password or ""):
        raise ValidationError("The demo password is not acceptable", {"password": problems})
    data_dir = data_dir or seed_data_dir()
    organisations = read_listings(data_dir)
    users = read_demo_users(data_dir)

    ensure_taxonomies()
    district_report = load_districts(data_dir / "postcode_districts.csv")
    created = _load_listings(organisations)
    users_created = _create_demo_users(users, password)
    indexed = _rebuild_search_index()
    return {
        "services": _count(Service),
        "organisations": _count(Organisation),
        "districts": db.session.scalar(select(func.count()).select_from(PostcodeDistrict)) or 0,
        "districts_rejected": district_report,
        "users_created": users_created,
        "organisations_created": created.organisations,
        "services_created": created.services,
        "locations_created": created.locations,
        "indexed": indexed,
    }


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(model.source == SOURCE)) or 0


def load_districts(path: Path) -> list:
    """Load the demo areas' postcode-district centroids; returns the rejected rows (none expected).

    Uses the loader that `navigator geodata load` runs, so the demo file and the national table
    go through the same checks.
    """
    from navigator.directory.geocoding.districts import load_postcode_districts

    report = load_postcode_districts(str(path))
    if report.rejected:
        log.warning("seed: %d postcode districts rejected", len(report.rejected))
    return list(report.rejected)


# --- listings ---------------------------------------------------------------------------------


def validate_listings(organisations: list[dict], districts: dict[str, PostcodeDistrict]) -> list[str]:
    """Problems with the demo listings (empty when they are consistent with vocab and districts)."""
    problems: list[str] = []
    lad_names = {d.lad_name for d in districts.values()}
    seen: dict[str, set[str]] = {"organisation": set(), "service": set(), "location": set()}

    def unique(kind: str, source_id: str, where: str) -> None:
        if not source_id or source_id in seen[kind]:
            problems.append(f"{where}: missing or duplicate {kind} source_id {source_id!r}")
        seen[kind].add(source_id)

    for org in organisations:
        where = f"{org.get('file')}: {org.get('name')!r}"
        unique("organisation", org.get("source_id"), where)
        fictional = org.get("fictional")
        if fictional and FICTIONAL_MARK not in org.get("description", ""):
            problems.append(f"{where}: a fictional organisation must say {FICTIONAL_MARK!r}")
        if not fictional:
            problems += [f"{where}: a real organisation must have no {key}" for key in CONTACT_FIELDS
                         if org.get(key)]
        location_ids = set()
        for loc in org.get("locations", []):
            unique("location", loc.get("source_id"), where)
            location_ids.add(loc.get("source_id"))
            problems += _location_problems(loc, fictional, districts, f"{where} location {loc.get('name')!r}")
        for svc in org.get("services", []):
            swhere = f"{where} service {svc.get('name')!r}"
            unique("service", svc.get("source_id"), swhere)
            problems += _service_problems(svc, fictional, location_ids, lad_names, swhere)
    return problems


def _location_problems(loc: dict, fictional: bool, districts: dict, where: str) -> list[str]:
    problems = []
    if not isinstance(loc.get("latitude"), float) or not isinstance(loc.get("longitude"), float):
        problems.append(f"{where}: needs latitude and longitude so the demo works offline")
    address = loc.get("address")
    if fictional:
        postal_code = (address or {}).get("postal_code")
        if (not postal_code or normalise_postcode(postal_code) != postal_code
                or not address.get("address_1") or not address.get("city")):
            problems.append(f"{where}: needs address_1, city and a full postcode written like 'WS1 9ZZ'")
        elif postal_code.split()[0] not in districts:
            problems.append(f"{where}: postcode district of {postal_code} is not in postcode_districts.csv")
    else:
        district = districts.get(loc.get("outcode") or "")
        if address:
            problems.append(f"{where}: a real organisation's street address must be left blank")
        if district is None:
            problems.append(f"{where}: outcode {loc.get('outcode')!r} is not in postcode_districts.csv")
        elif (loc.get("latitude"), loc.get("longitude")) != (district.latitude, district.longitude):
            problems.append(f"{where}: a real organisation sits only at its district's centroid")
    return problems


def _service_problems(svc: dict, fictional: bool, location_ids: set, lad_names: set, where: str) -> list[str]:
    problems = []
    if not svc.get("need"):
        problems.append(f"{where}: needs at least one need category")
    for key in TERM_KEYS:
        known = {code for code, _ in TAXONOMIES[key][1]}
        problems += [f"{where}: unknown {key} term {code!r}" for code in svc.get(key, [])
                     if code not in known]
    problems += [f"{where}: unknown language {code!r}" for code in svc.get("languages", [])
                 if code not in LANGUAGE_NAMES]
    for key, enum in (("status", ServiceStatus), ("gender", Gender), ("cost", Cost),
                      ("referral_route", ReferralRoute)):
        if key in svc and svc[key] not in {m.value for m in enum}:
            problems.append(f"{where}: {key} {svc[key]!r} is not one of {[m.value for m in enum]}")
    problems += [f"{where}: unknown location {ref!r}" for ref in svc.get("locations", [])
                 if ref not in location_ids]
    for hours in svc.get("hours", []):
        if not set(hours.get("days", [])) <= DAY_CODES or not hours.get("days"):
            problems.append(f"{where}: opening days must be among {sorted(DAY_CODES)}")
        if not all(_HHMM_RE.match(hours.get(k, "")) for k in ("opens", "closes")):
            problems.append(f"{where}: opening times must look like '09:30'")
    for area in svc.get("service_areas", []):
        if "local_authority" in area and area["local_authority"] not in lad_names:
            problems.append(f"{where}: local authority {area['local_authority']!r} has no seeded district")
    if not fictional:
        problems += [f"{where}: a real organisation's service must have no {key}" for key in CONTACT_FIELDS
                     if svc.get(key)]
        if svc.get("verified_days_ago") is not None:
            problems.append(f"{where}: a real organisation's service stays unverified")
    return problems


def _load_listings(organisations: list[dict]) -> _Created:
    """Create whatever demo listing is missing, all in one transaction."""
    districts = {d.outcode: d for d in db.session.scalars(select(PostcodeDistrict))}
    if problems := validate_listings(organisations, districts):
        raise SeedDataError("seed_data/ has problems:\n  " + "\n  ".join(problems))
    existing_orgs = _by_source_id(Organisation)
    existing_services = _by_source_id(Service)
    existing_locations = _by_source_id(Location)
    lad_codes = {d.lad_name: d.lad_code for d in districts.values()}
    today = utcnow().date()
    created = _Created()
    try:
        for data in organisations:
            org = existing_orgs.get(data["source_id"])
            if org is None:
                org = _new_organisation(data)
                created.organisations += 1
            locations = {}
            for loc_data in data.get("locations", []):
                loc = existing_locations.get(loc_data["source_id"])
                if loc is None:
                    loc = _new_location(org, loc_data, districts, data.get("fictional", False))
                    created.locations += 1
                locations[loc_data["source_id"]] = loc
            for svc_data in data.get("services", []):
                if svc_data["source_id"] in existing_services:
                    continue
                _new_service(org, svc_data, locations, lad_codes, today)
                created.services += 1
        if created.organisations or created.services or created.locations:
            audit.record(db.session, None, "directory.seed", "seed", SOURCE,
                         organisations=created.organisations, services=created.services,
                         locations=created.locations)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return created


def _by_source_id(model) -> dict:
    return {obj.source_id: obj for obj in db.session.scalars(select(model).where(model.source == SOURCE))}


def _new_organisation(data: dict) -> Organisation:
    org = Organisation(
        id=new_id(), name=data["name"], description=data.get("description", ""),
        email=data.get("email"), website=data.get("website"), active=True,
        source=SOURCE, source_id=data["source_id"],
    )
    db.session.add(org)
    for phone in data.get("phones", []):
        db.session.add(Phone(organization_id=org.id, number=phone["number"], type=phone.get("type"),
                             description=phone.get("description")))
    return org


def _new_location(org: Organisation, data: dict, districts: dict, fictional: bool) -> Location:
    address = data.get("address")
    outcode = data.get("outcode") or address["postal_code"].split()[0]
    district = districts[outcode]
    loc = Location(
        id=new_id(), organization_id=org.id, name=data["name"], description=data.get("description"),
        latitude=data["latitude"], longitude=data["longitude"],
        confidential=bool(data.get("confidential")),
        # A real organisation's point is only its district's centre; a fictional one is as made up
        # as its street, so it counts as an exact point.
        geocode_status=GeocodeStatus.OK if fictional else GeocodeStatus.APPROXIMATE,
        geocode_source="demo-data" if fictional else "postcode-district",
        outcode=outcode, lad_code=district.lad_code, lad_name=district.lad_name,
        pdu_code=district.pdu_code, pdu_name=district.pdu_name,
        probation_region=district.probation_region,
        source=SOURCE, source_id=data["source_id"],
    )
    if address:
        loc.addresses.append(Address(
            address_1=address["address_1"], address_2=address.get("address_2"), city=address["city"],
            postal_code=address["postal_code"], country="GB",
        ))
    db.session.add(loc)
    return loc


def _new_service(org: Organisation, data: dict, locations: dict, lad_codes: dict, today: date) -> Service:
    verified_days_ago = data.get("verified_days_ago")
    svc = Service(
        id=new_id(), organization_id=org.id, name=data["name"], description=data.get("description", ""),
        url=data.get("url"), email=data.get("email"),
        status=ServiceStatus(data.get("status", "active")),
        application_process=data.get("application_process"),
        eligibility_description=data.get("eligibility_description"),
        fees_description=data.get("fees_description"),
        interpretation_services=data.get("interpretation_services"),
        cost=Cost(data.get("cost", "free")),
        referral_route=ReferralRoute(data.get("referral_route", "both")),
        gender=Gender(data.get("gender", "any")),
        accepts_sex_offence_convictions=data.get("accepts_sex_offence_convictions"),
        accepts_no_recourse_to_public_funds=data.get("accepts_no_recourse_to_public_funds"),
        capacity_note=data.get("capacity_note"),
        last_verified_at=None if verified_days_ago is None else today - timedelta(days=verified_days_ago),
        source=SOURCE, source_id=data["source_id"],
    )
    for key in TERM_KEYS:
        svc.attributes += [Attribute(taxonomy_term_id=f"{key}:{code}") for code in data.get(key, [])]
    svc.languages += [Language(code=code, name=LANGUAGE_NAMES[code]) for code in data.get("languages", [])]
    for hours in data.get("hours", []):
        svc.schedules += [
            Schedule(byday=day, opens_at=time.fromisoformat(hours["opens"]),
                     closes_at=time.fromisoformat(hours["closes"]), description=hours.get("description"))
            for day in hours["days"]
        ]
    svc.service_areas += [_service_area(area, lad_codes) for area in data.get("service_areas", [])]
    for phone in data.get("phones", []):
        svc.phones.append(Phone(organization_id=org.id, number=phone["number"], type=phone.get("type"),
                                description=phone.get("description")))
    for ref in data.get("locations", []):
        svc.service_at_locations.append(ServiceAtLocation(location=locations[ref]))
    db.session.add(svc)
    return svc


def _service_area(area: dict, lad_codes: dict) -> ServiceArea:
    if "local_authority" in area:
        name = area["local_authority"]
        return ServiceArea(name=name, extent_type=AreaType.LOCAL_AUTHORITY, lad_code=lad_codes[name],
                           description=area.get("description"))
    if "radius_miles" in area:
        miles = float(area["radius_miles"])
        return ServiceArea(name=f"Within {miles:g} miles", extent_type=AreaType.RADIUS, radius_miles=miles,
                           description=area.get("description"))
    if area.get("national"):
        return ServiceArea(name="England and Wales", extent_type=AreaType.NATIONAL,
                           description=area.get("description"))
    if area.get("remote"):
        return ServiceArea(name="By phone or online", extent_type=AreaType.REMOTE,
                           description=area.get("description"))
    # A place named in public facts whose boundary is not known: shown, never matched by code.
    return ServiceArea(name=area["named_area"], extent_type=AreaType.LOCAL_AUTHORITY,
                       description=area.get("description"))


# --- users and search -------------------------------------------------------------------------


def _create_demo_users(users: list[dict], password: str) -> list[tuple[str, str]]:
    from navigator.auth.services import create_user

    existing = set(db.session.scalars(select(User.email)))
    orgs = _by_source_id(Organisation)
    created = []
    for user in users:
        if user["email"] in existing:
            continue
        role = Role(user["role"])
        org_id = orgs[user["organisation"]].id if user.get("organisation") else None
        create_user(user["email"], user["name"], role, password, org_id)
        created.append((user["email"], role.value))
    return created


def _rebuild_search_index() -> int | None:
    """Rebuild the search index from the database, when the search area is installed."""
    from navigator.directory import search

    rebuild_index = getattr(search, "rebuild_index", None)
    if rebuild_index is None:
        log.warning("seed: search index not rebuilt (navigator.directory.search has no rebuild_index)")
        return None
    return rebuild_index()
