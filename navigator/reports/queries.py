"""Every read behind the reports: provision, demand, unmet demand, waiting, equity, trends.

Aggregates only. No function here returns a person, a name, a case reference or a search's
words; every count a page or an export shows has passed through `disclosure.suppress`
(the GapLayer, EquityReport and TrendReport objects carry only suppressed values).
A person's area is the local authority of their home postcode district.
"""
from __future__ import annotations

import bisect
import json
import math
from collections import OrderedDict, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import aliased

from navigator.directory.models import (
    Attribute,
    Language,
    Location,
    Organisation,
    PostcodeDistrict,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ZeroResultSearch,
)
from navigator.directory.vocab import NEED_CATEGORIES, AreaType, Gender, ServiceStatus
from navigator.extensions import db
from navigator.reports import gapscore
from navigator.reports.communities import Community, PersonFilter
from navigator.reports.disclosure import safe_rate, suppress
from navigator.reports.equity import BROAD_ETHNIC_GROUPS, broad_ethnic_group, rate_ratio
from navigator.reports.geometry import haversine_miles
from navigator.reports.models import LocalAuthority, Population, ProbationDeliveryUnit, ProbationRegion
from navigator.reports.periods import Period, Quarter

LEVELS = {"la": "Local authority", "pdu": "Probation delivery unit", "region": "Probation region"}
NEED_NAMES = dict(NEED_CATEGORIES)
UNMET_DECLINE_REASONS = ("no-capacity", "not-eligible")
UNMET_PARTS = ["declined_no_capacity", "declined_not_eligible", "signposts_unreferred",
               "zero_result_searches"]
MAX_SERVICES_LISTED = 200


# --------------------------------------------------------------------------- geography

@dataclass
class LaInfo:
    code: str
    name: str
    lat: float | None
    lon: float | None
    pdu_code: str | None
    region_code: str | None
    population: Population | None = None


@dataclass
class Area:
    code: str
    name: str
    level: str
    la_codes: list[str]


@dataclass
class Geography:
    las: dict[str, LaInfo]
    pdu_names: dict[str, str]
    region_names: dict[str, str]
    _neighbours: dict[str, list[tuple[str, float]]] | None = None
    _by_lat: list[tuple[float, float, str]] | None = None

    def areas(self, level: str) -> list[Area]:
        """The areas at a level, each with its local authorities, sorted by name."""
        if level == "la":
            return sorted((Area(la.code, la.name, "la", [la.code]) for la in self.las.values()),
                          key=lambda a: a.name)
        key, names = ("pdu_code", self.pdu_names) if level == "pdu" else ("region_code", self.region_names)
        groups: dict[str, list[str]] = defaultdict(list)
        for la in self.las.values():
            group = getattr(la, key)
            if group:
                groups[group].append(la.code)
        return sorted((Area(code, names.get(code, code), level, sorted(members))
                       for code, members in groups.items()), key=lambda a: a.name)

    def area_of(self, level: str) -> dict[str, str]:
        """local authority code -> area code at that level."""
        if level == "la":
            return {code: code for code in self.las}
        key = "pdu_code" if level == "pdu" else "region_code"
        return {la.code: getattr(la, key) for la in self.las.values() if getattr(la, key)}

    def neighbours(self) -> dict[str, list[tuple[str, float]]]:
        """Other authorities within the neighbour distance (centre to centre), with the weight
        a service based in this one carries there."""
        if self._neighbours is None:
            out: dict[str, list[tuple[str, float]]] = defaultdict(list)
            placed = sorted((la.lat, la.lon, la.code) for la in self.las.values() if la.lat is not None)
            reach = gapscore.NEIGHBOUR_MILES / 69.0  # degrees of latitude
            for i, (lat1, lon1, code1) in enumerate(placed):
                for lat2, lon2, code2 in placed[i + 1:]:
                    if lat2 - lat1 > reach:
                        break
                    w = gapscore.service_weight_for_neighbour(haversine_miles(lat1, lon1, lat2, lon2))
                    if w > 0:
                        out[code1].append((code2, w))
                        out[code2].append((code1, w))
            self._neighbours = out
        return self._neighbours

    def within(self, lat: float, lon: float, miles: float) -> list[tuple[str, float]]:
        """Authorities whose centres are within `miles` of a point, with the distance.

        A flat-earth distance is exact enough over the few tens of miles a radius covers
        and much cheaper than the great-circle formula for tens of thousands of services.
        """
        if self._by_lat is None:
            self._by_lat = sorted((la.lat, la.lon, la.code) for la in self.las.values() if la.lat is not None)
        band = miles / 69.0
        miles_per_lon = 69.17 * math.cos(math.radians(lat))
        limit = miles * miles
        lo = bisect.bisect_left(self._by_lat, (lat - band,))
        out = []
        for la_lat, la_lon, code in self._by_lat[lo:]:
            if la_lat > lat + band:
                break
            dy = (la_lat - lat) * 69.0
            dx = (la_lon - lon) * miles_per_lon
            squared = dx * dx + dy * dy
            if squared <= limit:
                out.append((code, math.sqrt(squared)))
        return out


def load_geography() -> Geography:
    """Local authorities with centres, probation geography and census (no boundaries)."""
    populations = {p.lad_code: p for p in db.session.scalars(select(Population))}
    las = {}
    rows = db.session.execute(select(
        LocalAuthority.code, LocalAuthority.name, LocalAuthority.centroid_lat, LocalAuthority.centroid_lon,
        LocalAuthority.pdu_code, LocalAuthority.region_code))
    for row in rows:
        las[row.code] = LaInfo(row.code, row.name, row.centroid_lat, row.centroid_lon, row.pdu_code,
                               row.region_code, populations.get(row.code))
    pdus = dict(db.session.execute(select(ProbationDeliveryUnit.code, ProbationDeliveryUnit.name)).all())
    regions = dict(db.session.execute(select(ProbationRegion.code, ProbationRegion.name)).all())
    return Geography(las, pdus, regions)


def list_area_shapes(level: str, codes: Iterable[str] | None = None) -> dict[str, dict]:
    """area code -> {"path": SVG path data, "bbox": (min_x, min_y, max_x, max_y)} for drawing."""
    geo_rows = db.session.execute(select(
        LocalAuthority.code, LocalAuthority.pdu_code, LocalAuthority.region_code, LocalAuthority.svg_path,
        LocalAuthority.min_x, LocalAuthority.min_y, LocalAuthority.max_x, LocalAuthority.max_y,
    ).where(LocalAuthority.svg_path.is_not(None)))
    wanted = set(codes) if codes is not None else None
    shapes: dict[str, dict] = {}
    for row in geo_rows:
        area = row.code if level == "la" else (row.pdu_code if level == "pdu" else row.region_code)
        if not area or (wanted is not None and area not in wanted):
            continue
        shape = shapes.setdefault(area, {"paths": [], "bbox": [row.min_x, row.min_y, row.max_x, row.max_y]})
        shape["paths"].append(row.svg_path)
        box = shape["bbox"]
        shape["bbox"] = [min(box[0], row.min_x), min(box[1], row.min_y),
                         max(box[2], row.max_x), max(box[3], row.max_y)]
    return {code: {"path": "".join(s["paths"]), "bbox": tuple(s["bbox"])} for code, s in shapes.items()}


def list_area_geometries(level: str) -> dict[str, dict]:
    """area code -> GeoJSON MultiPolygon (member authorities' polygons, undissolved)."""
    rows = db.session.execute(select(
        LocalAuthority.code, LocalAuthority.pdu_code, LocalAuthority.region_code, LocalAuthority.boundary,
    ).where(LocalAuthority.boundary.is_not(None)))
    out: dict[str, list] = defaultdict(list)
    for row in rows:
        area = row.code if level == "la" else (row.pdu_code if level == "pdu" else row.region_code)
        if not area:
            continue
        geometry = json.loads(row.boundary)
        polys = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        out[area].extend(polys)
    return {code: {"type": "MultiPolygon", "coordinates": polys} for code, polys in out.items()}


def geography_status() -> dict[str, int]:
    """How much reference geography is loaded (for the "load it first" message)."""
    return {
        "local_authorities": db.session.scalar(select(func.count()).select_from(LocalAuthority)) or 0,
        "boundaries": db.session.scalar(select(func.count()).select_from(LocalAuthority)
                                        .where(LocalAuthority.svg_path.is_not(None))) or 0,
        "populations": db.session.scalar(select(func.count()).select_from(Population)) or 0,
        "pdus": db.session.scalar(select(func.count()).select_from(ProbationDeliveryUnit)) or 0,
    }


# --------------------------------------------------------------------------- filters

@dataclass
class GapFilters:
    need: str
    community: Community | None
    level: str
    period: Period


def _service_conditions(end: datetime, community: Community | None) -> list:
    conds = [
        Service.status == ServiceStatus.ACTIVE,
        Service.deleted_at.is_(None),
        Service.created_at < end,
        Organisation.active.is_(True),
    ]
    if community is not None:
        if community.attribute_term_id:
            # An alias: the need query selects from attributes too, and must not correlate with it.
            served = aliased(Attribute)
            conds.append(exists().where(served.service_id == Service.id,
                                        served.taxonomy_term_id == community.attribute_term_id))
        elif community.kind == "gender":
            conds.append(Service.gender == Gender.WOMEN)
        elif community.kind == "language":
            conds.append(exists().where(Language.service_id == Service.id, Language.code == community.code))
    return conds


def _person_condition(Person, person_filter: PersonFilter | None):
    if person_filter is None:
        return None
    column = getattr(Person, person_filter.field)
    if person_filter.values is not None:
        return column.in_(sorted(person_filter.values))
    return and_(column.is_not(None), column.not_in(sorted(person_filter.exclude or ())))


def _need_term_ids(needs: list[str]) -> list[str]:
    return [f"need:{n}" for n in needs]


# --------------------------------------------------------------------------- provision

@dataclass
class Provision:
    weighted: dict[str, dict[str, float]]  # need -> area -> weight sum
    in_area: dict[str, dict[str, int]]  # need -> area -> services in or naming the area
    reaching: dict[str, dict[str, int]]  # need -> area -> services with any weight there


@dataclass
class Footprints:
    """Where each eligible service works: the raw material of provision."""

    needs_of: dict[str, list[str]]
    homes: dict[str, set[str]]  # local authorities it has a location in
    named: dict[str, set[str]]  # local authorities its service areas name
    radii: dict[str, set[tuple[float, float, float]]]  # (lat, lon, miles) around its locations
    national: set[str]  # national or remote


def load_footprints(needs: list[str], community: Community | None, end: datetime) -> Footprints:
    """Active services for these needs (and community) and where they work.

    Core queries (no ORM objects): at 50,000 services fetching rows is most of the cost,
    so the large query fetches each row once and the small ones are filtered in Python.
    """
    conn = db.session.connection()
    # One row per (service, need, location): the eligibility joins run in the database and
    # each service's needs and home authorities arrive together.
    needs_of: dict[str, list[str]] = defaultdict(list)
    homes: dict[str, set[str]] = defaultdict(set)
    rows = conn.execute(
        select(Attribute.service_id, Attribute.taxonomy_term_id, Location.lad_code)
        .select_from(Attribute)
        .join(Service, Service.id == Attribute.service_id)
        .join(Organisation, Organisation.id == Service.organization_id)
        .outerjoin(ServiceAtLocation, ServiceAtLocation.service_id == Attribute.service_id)
        .outerjoin(Location, Location.id == ServiceAtLocation.location_id)
        .where(Attribute.taxonomy_term_id.in_(_need_term_ids(needs)),
               *_service_conditions(end, community))).all()
    for service_id, term_id, lad in rows:
        need = term_id[5:]  # "need:" prefix
        service_needs = needs_of[service_id]
        if need not in service_needs:
            service_needs.append(need)
        if lad:
            homes[service_id].add(lad)
    named: dict[str, set[str]] = defaultdict(set)
    for service_id, lad in conn.execute(
            select(ServiceArea.service_id, ServiceArea.lad_code)
            .where(ServiceArea.extent_type == AreaType.LOCAL_AUTHORITY,
                   ServiceArea.lad_code.is_not(None))).all():
        if service_id in needs_of:
            named[service_id].add(lad)
    national = {service_id for service_id in conn.execute(
        select(ServiceArea.service_id)
        .where(ServiceArea.extent_type.in_([AreaType.NATIONAL, AreaType.REMOTE]))).scalars().all()
        if service_id in needs_of}
    radii: dict[str, set[tuple[float, float, float]]] = defaultdict(set)
    for service_id, miles, lat, lon in conn.execute(
            select(ServiceArea.service_id, ServiceArea.radius_miles, Location.latitude, Location.longitude)
            .join(ServiceAtLocation, ServiceAtLocation.service_id == ServiceArea.service_id)
            .join(Location, Location.id == ServiceAtLocation.location_id)
            .where(ServiceArea.extent_type == AreaType.RADIUS, ServiceArea.radius_miles > 0,
                   Location.latitude.is_not(None), Location.longitude.is_not(None))).all():
        if service_id in needs_of:
            radii[service_id].add((lat, lon, float(miles)))
    return Footprints(needs_of, homes, named, radii, national)


def service_weights(geo: Geography, homes: Iterable[str], named: Iterable[str],
                    radii: Iterable[tuple[float, float, float]]) -> dict[str, float]:
    """Local authority -> one service's best weight there (national/remote handled apart)."""
    weights: dict[str, float] = {}
    neighbours = geo.neighbours()
    for lad in homes:
        if lad not in geo.las:
            continue
        for other, w in neighbours.get(lad, ()):
            if w > weights.get(other, 0.0):
                weights[other] = w
    for lad in homes:
        if lad in geo.las:
            weights[lad] = gapscore.WEIGHT_IN_AREA
    for lad in named:
        if lad in geo.las:
            weights[lad] = gapscore.WEIGHT_IN_AREA
    for lat, lon, miles in radii:
        for lad, distance in geo.within(lat, lon, miles):
            w = gapscore.service_weight_for_radius(distance, miles)
            if w > weights.get(lad, 0.0):
                weights[lad] = w
    return weights


# Provision depends only on the directory, the geography and the filters, and reading
# every service's footprint is most of a gap map's cost; so it is kept per process until
# the directory generation (below) changes. Never stale: the key is read on every call.
_PROVISION_CACHE: OrderedDict[tuple, Provision] = OrderedDict()
PROVISION_CACHE_SIZE = 64


def directory_generation() -> tuple:
    """A fingerprint that changes whenever any listing data behind provision changes.

    Listings, organisations and locations carry a version (bumped by every ORM update, and
    the directory touches a service when only its terms, areas or places change) and an
    updated time; child rows are counted so that bulk inserts and deletes show too.
    """
    subqueries = []
    for model in (Service, Organisation, Location):
        subqueries += [select(func.count()).select_from(model).scalar_subquery(),
                       select(func.max(model.updated_at)).scalar_subquery(),
                       select(func.sum(model.version)).scalar_subquery()]
    for model in (Attribute, ServiceArea, ServiceAtLocation, Language):
        subqueries.append(select(func.count()).select_from(model).scalar_subquery())
    row = db.session.execute(select(*subqueries)).one()
    return (str(db.engine.url),) + tuple(str(v) for v in row)


def _geography_key(geo: Geography) -> tuple:
    return tuple(sorted((la.code, la.lat, la.lon, la.pdu_code, la.region_code) for la in geo.las.values()))


def clear_provision_cache() -> None:
    _PROVISION_CACHE.clear()


def compute_provision(geo: Geography, needs: list[str], community: Community | None, end: datetime,
                      level: str) -> Provision:
    """Distance-weighted provision per need and area (see gapscore's plain-words formula).

    Cached until the directory generation or the geography changes; callers must treat the
    result as read-only.
    """
    key = (directory_generation(), _geography_key(geo), tuple(needs),
           community.key if community else None, end.isoformat(), level)
    cached = _PROVISION_CACHE.get(key)
    if cached is not None:
        _PROVISION_CACHE.move_to_end(key)
        return cached
    provision = _compute_provision(geo, needs, community, end, level)
    _PROVISION_CACHE[key] = provision
    while len(_PROVISION_CACHE) > PROVISION_CACHE_SIZE:
        _PROVISION_CACHE.popitem(last=False)
    return provision


def _compute_provision(geo: Geography, needs: list[str], community: Community | None, end: datetime,
                       level: str) -> Provision:
    fp = load_footprints(needs, community, end)
    to_area = None if level == "la" else geo.area_of(level)
    all_areas = set(geo.las) if to_area is None else set(to_area.values())
    weighted: dict[str, dict[str, float]] = {n: defaultdict(float) for n in needs}
    in_area: dict[str, dict[str, int]] = {n: defaultdict(int) for n in needs}
    reaching: dict[str, dict[str, int]] = {n: defaultdict(int) for n in needs}

    # Services that work in the same places weigh the same: group them and weigh each
    # footprint once, then add it to every need with the number of services sharing it.
    by_footprint: dict[tuple, dict[str, int]] = defaultdict(dict)
    for service_id, service_needs in fp.needs_of.items():
        key = (frozenset(fp.homes.get(service_id, ())), frozenset(fp.named.get(service_id, ())),
               frozenset(fp.radii.get(service_id, ())), service_id in fp.national)
        counts = by_footprint[key]
        for need in service_needs:
            counts[need] = counts.get(need, 0) + 1
    national_weight = {n: 0.0 for n in needs}
    national_count = {n: 0 for n in needs}
    for (homes, named, radii, is_national), need_counts in by_footprint.items():
        la_weights = service_weights(geo, homes, named, radii)
        if to_area is None:
            area_weights = la_weights
        else:
            area_weights = {}
            for lad, w in la_weights.items():
                area = to_area.get(lad)
                if area is not None and w > area_weights.get(area, 0.0):
                    area_weights[area] = w
        base = gapscore.WEIGHT_NATIONAL if is_national else 0.0
        items = [(area, w - base, w >= gapscore.WEIGHT_IN_AREA) for area, w in area_weights.items()]
        for need, count in need_counts.items():
            weighted_n, in_area_n, reaching_n = weighted[need], in_area[need], reaching[need]
            for area, extra, full in items:
                if extra > 0:
                    weighted_n[area] += extra * count
                if full:
                    in_area_n[area] += count
                if not is_national:
                    reaching_n[area] += count
            if is_national:
                national_weight[need] += base * count
                national_count[need] += count
    for need in needs:
        if national_count[need]:
            for area in all_areas:
                weighted[need][area] += national_weight[need]
                reaching[need][area] += national_count[need]
    # Plain dicts: a shared cached result must not grow keys when a caller indexes it.
    return Provision({n: dict(v) for n, v in weighted.items()}, {n: dict(v) for n, v in in_area.items()},
                     {n: dict(v) for n, v in reaching.items()})


def list_services_for_area(geo: Geography, area: Area, need: str, community: Community | None,
                           end: datetime) -> tuple[list[dict], int]:
    """Services that count towards an area's provision, best weight first (public listing data)."""
    fp = load_footprints([need], community, end)
    members = set(area.la_codes)
    found: dict[str, tuple[float, str]] = {}
    for sid in fp.needs_of:
        homes, named, radii = fp.homes.get(sid, set()), fp.named.get(sid, set()), fp.radii.get(sid, set())
        la_weights = service_weights(geo, homes, named, radii)
        best = max((w for lad, w in la_weights.items() if lad in members), default=0.0)
        if homes & members:
            reason = "Based in the area"
        elif named & members:
            reason = "Names the area as covered"
        elif best > 0 and radii:
            reason = "The area is within its stated radius"
        elif best > 0:
            reason = f"Nearby (within {gapscore.NEIGHBOUR_MILES:.0f} miles)"
        else:
            reason = "National or remote"
        if sid in fp.national:
            best = max(best, gapscore.WEIGHT_NATIONAL)
        if best > 0:
            found[sid] = (best, reason)
    ordered = sorted(found.items(), key=lambda item: -item[1][0])
    shown = ordered[:MAX_SERVICES_LISTED]
    names = {}
    if shown:
        names = {row.id: row for row in db.session.execute(
            select(Service.id, Service.name, Organisation.name.label("organisation"))
            .join(Organisation, Organisation.id == Service.organization_id)
            .where(Service.id.in_([sid for sid, _ in shown])))}
    services = [
        {"id": sid, "name": names[sid].name, "organisation": names[sid].organisation,
         "weight": weight, "reason": reason}
        for sid, (weight, reason) in shown if sid in names
    ]
    services.sort(key=lambda s: (-s["weight"], s["name"].lower()))
    return services, len(ordered)


# --------------------------------------------------------------------------- demand and unmet demand

def _days_between(later, earlier):
    """Days between two timestamp columns, in SQL, on either database."""
    if db.engine.dialect.name == "postgresql":
        return func.extract("epoch", later - earlier) / 86400.0
    return func.julianday(later) - func.julianday(earlier)


@dataclass
class Evidence:
    """need -> area -> count, for each measure (true counts: suppress before showing)."""

    demand: dict[str, dict[str, int]]
    unmet: dict[str, dict[str, dict[str, int]]]  # part -> need -> area -> count
    referrals: dict[str, dict[str, int]]
    accepted: dict[str, dict[str, int]]
    wait_days: dict[str, dict[str, float]]  # sum of days to acceptance


def _nested() -> dict:
    return defaultdict(lambda: defaultdict(int))


def compute_evidence(geo: Geography, needs: list[str], community: Community | None, period: Period,
                     level: str) -> Evidence:
    """Caseload demand, unmet demand and waiting per need and area, from referrals data."""
    from navigator.referrals.models import Need, Person, Referral, ReferralNeed

    to_area = geo.area_of(level)
    start, end = period.start, period.end
    person_cond = _person_condition(Person, community.person_filter if community else None)
    extra = [person_cond] if person_cond is not None else []
    district = aliased(PostcodeDistrict)

    demand = _nested()
    rows = db.session.execute(
        select(district.lad_code, Need.category, func.count(func.distinct(Person.id)))
        .join(Person, Person.id == Need.person_id)
        .join(district, district.outcode == Person.home_outcode)
        .where(Need.person_agrees.is_(True), Need.category.in_(needs), Need.created_at < end,
               or_(Person.anonymised_at.is_(None), Person.anonymised_at >= start), *extra)
        .group_by(district.lad_code, Need.category))
    for lad, need, count in rows:
        if lad in to_area:
            demand[need][to_area[lad]] += count

    unmet = {part: _nested() for part in UNMET_PARTS}
    referrals, accepted = _nested(), _nested()
    wait: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    # Each person's area is looked up once here rather than joined per referral in SQL:
    # SQLite has no hash join, and nested index lookups on text keys for every referral
    # were most of the cost. People outside the community filter have no entry.
    lad_of = dict(db.session.execute(
        select(PostcodeDistrict.outcode, PostcodeDistrict.lad_code)
        .where(PostcodeDistrict.lad_code.is_not(None))).all())
    area_of_person = {}
    for person_id, outcode in db.session.execute(
            select(Person.id, Person.home_outcode).where(Person.home_outcode.is_not(None), *extra)):
        area = to_area.get(lad_of.get(outcode))
        if area is not None:
            area_of_person[person_id] = area

    # One pass over the period's referrals gives sent, accepted, waiting and declines together.
    sent_in = and_(Referral.sent_at >= start, Referral.sent_at < end)
    declined_in = and_(Referral.declined_at >= start, Referral.declined_at < end)
    accepted_in = and_(sent_in, Referral.accepted_at.is_not(None))
    days = _days_between(Referral.accepted_at, Referral.sent_at)

    def declined_for(reason):
        return case((and_(declined_in, Referral.decline_reason == reason), 1), else_=0)

    rows = db.session.execute(
        select(Referral.person_id, ReferralNeed.category,
               case((sent_in, 1), else_=0), case((accepted_in, 1), else_=0),
               case((accepted_in, days), else_=None),
               declined_for("no-capacity"), declined_for("not-eligible"))
        .join(Referral, Referral.id == ReferralNeed.referral_id)
        .where(or_(sent_in, declined_in), ReferralNeed.category.in_(needs)))
    no_capacity_n, not_eligible_n = unmet["declined_no_capacity"], unmet["declined_not_eligible"]
    for person_id, need, sent, accepted_count, wait_days, no_capacity, not_eligible in rows:
        area = area_of_person.get(person_id)
        if area is None:
            continue
        if sent:
            referrals[need][area] += 1
        if accepted_count:
            accepted[need][area] += 1
            wait[need][area] += float(wait_days or 0.0)
        if no_capacity:
            no_capacity_n[need][area] += 1
        if not_eligible:
            not_eligible_n[need][area] += 1

    # A signpost counts as unmet when the person was never referred for that need. The
    # referrals looked up are only those of people signposted in the period.
    signposted = (Referral.status == "signposted", Referral.signposted_at >= start,
                  Referral.signposted_at < end)
    signposted_people = select(Referral.person_id).where(*signposted)
    later, later_need = aliased(Referral), aliased(ReferralNeed)
    followed = set(db.session.execute(
        select(later.person_id, later_need.category)
        .join(later_need, later_need.referral_id == later.id)
        .where(later.sent_at.is_not(None), later.person_id.in_(signposted_people),
               later_need.category.in_(needs))
        .distinct()).all())
    signposts_n = unmet["signposts_unreferred"]
    for person_id, need in db.session.execute(
            select(Referral.person_id, ReferralNeed.category)
            .join(Referral, Referral.id == ReferralNeed.referral_id)
            .where(*signposted, ReferralNeed.category.in_(needs))):
        area = area_of_person.get(person_id)
        if area is not None and (person_id, need) not in followed:
            signposts_n[need][area] += 1

    _zero_result_searches(unmet["zero_result_searches"], to_area, needs, community, period)
    return Evidence(demand, unmet, referrals, accepted, wait)


def _facet_values(filters: dict, key: str) -> set[str]:
    value = filters.get(key)
    if value is None:
        return set()
    values = value if isinstance(value, list) else [value]
    return {str(v).split(":", 1)[-1] for v in values}


def _zero_result_searches(target, to_area, needs, community, period) -> None:
    district = aliased(PostcodeDistrict)
    rows = db.session.execute(
        select(func.coalesce(ZeroResultSearch.lad_code, district.lad_code), ZeroResultSearch.filters)
        .outerjoin(district, district.outcode == ZeroResultSearch.outcode)
        .where(ZeroResultSearch.at >= period.start, ZeroResultSearch.at < period.end))
    wanted = set(needs)
    facet = None
    if community is not None:
        facet = {"led-by": "led_by"}.get(community.kind, community.kind)
    for lad, raw in rows:
        area = to_area.get(lad)
        if area is None:
            continue
        try:
            filters = json.loads(raw or "{}")
        except ValueError:
            continue
        if not isinstance(filters, dict):
            continue
        if facet is not None and community.code not in _facet_values(filters, facet):
            continue
        for need in _facet_values(filters, "need") & wanted:
            target[need][area] += 1


# --------------------------------------------------------------------------- the gap layer

@dataclass
class GapRow:
    code: str
    name: str
    residents: int | None
    community_residents: int | None
    services_in_area: int
    services_reaching: int
    provision_weighted: float
    demand: int | None
    declined_no_capacity: int | None
    declined_not_eligible: int | None
    signposts_unreferred: int | None
    zero_result_searches: int | None
    unmet: int | None
    referrals: int | None
    accepted: int | None
    waiting_days: float | None
    gap: gapscore.GapScore | None = None

    @property
    def provision_rate(self) -> float | None:
        return self.gap.provision_rate if self.gap else None


@dataclass
class GapLayer:
    need: str
    rows: list[GapRow]
    totals: GapRow
    threshold: int
    demand_source: str
    notes: list[str] = field(default_factory=list)


def _residents(geo: Geography, area: Area, community: Community | None) -> tuple[int | None, int | None]:
    total = 0
    community_total = 0.0
    known = True
    for lad in area.la_codes:
        population = geo.las[lad].population
        if population is None:
            return None, None
        total += population.residents
        share = population.share(community.census_column) if community else None
        if share is None:
            known = False
        else:
            community_total += population.residents * share
    return total, (round(community_total) if community and community.census_column and known else None)


@dataclass
class RawGap:
    """True (unsuppressed) measures; never handed to a template or an export."""

    areas: list[Area]
    provision: Provision
    evidence: Evidence
    residents: dict[str, tuple[int | None, int | None]]


def compute_raw_gap(geo: Geography, needs: list[str], community: Community | None, level: str,
                    period: Period) -> RawGap:
    areas = geo.areas(level)
    return RawGap(
        areas=areas,
        provision=compute_provision(geo, needs, community, period.end, level),
        evidence=compute_evidence(geo, needs, community, period, level),
        residents={a.code: _residents(geo, a, community) for a in areas},
    )


def compute_gap_layers(geo: Geography, needs: list[str], community: Community | None, level: str,
                       period: Period, threshold: int, raw: RawGap | None = None) -> dict[str, GapLayer]:
    """One gap layer per need for every area at the level, disclosure control applied."""
    raw = raw or compute_raw_gap(geo, needs, community, level, period)
    areas, provision, evidence, residents = raw.areas, raw.provision, raw.evidence, raw.residents
    layers = {}
    for need in needs:
        codes = [a.code for a in areas]
        unmet_table = suppress(
            [[evidence.unmet[part][need].get(code, 0) for part in UNMET_PARTS] for code in codes],
            threshold, row_totals=True, col_totals=True, columns=len(UNMET_PARTS))
        demand_table = suppress([[evidence.demand[need].get(code, 0)] for code in codes], threshold,
                                row_totals=False, col_totals=True, columns=1)
        referral_table = suppress(
            [[evidence.referrals[need].get(code, 0), evidence.accepted[need].get(code, 0)] for code in codes],
            threshold, row_totals=False, col_totals=True, columns=2)
        rows = []
        measures = []
        for i, area in enumerate(areas):
            total_residents, community_residents = residents[area.code]
            accepted = referral_table.cells[i][1]
            wait_sum = evidence.wait_days[need].get(area.code, 0.0)
            waiting = (wait_sum / accepted) if accepted else None
            row = GapRow(
                code=area.code, name=area.name, residents=total_residents,
                community_residents=community_residents,
                services_in_area=provision.in_area[need].get(area.code, 0),
                services_reaching=provision.reaching[need].get(area.code, 0),
                provision_weighted=provision.weighted[need].get(area.code, 0.0),
                demand=demand_table.cells[i][0],
                declined_no_capacity=unmet_table.cells[i][0],
                declined_not_eligible=unmet_table.cells[i][1],
                signposts_unreferred=unmet_table.cells[i][2],
                zero_result_searches=unmet_table.cells[i][3],
                unmet=unmet_table.row_totals[i],
                referrals=referral_table.cells[i][0],
                accepted=accepted,
                waiting_days=waiting,
            )
            rows.append(row)
            measures.append(gapscore.AreaMeasures(
                code=area.code, provision_weighted=row.provision_weighted,
                residents=community_residents if community_residents else total_residents,
                demand=row.demand,
                census_demand=community_residents if community and community.census_column else None,
                unmet=row.unmet, waiting_days=waiting))
        scores = gapscore.score_areas(measures, threshold)
        for row in rows:
            row.gap = scores[row.code]
        accepted_total = referral_table.col_totals[1] if referral_table.col_totals else None
        wait_total = sum(evidence.wait_days[need].values())
        resident_values = [r.residents for r in rows]
        totals = GapRow(
            code="", name="All areas shown",
            residents=None if None in resident_values else sum(resident_values),
            community_residents=None, services_in_area=0, services_reaching=0,
            provision_weighted=0.0,
            demand=demand_table.col_totals[0],
            declined_no_capacity=unmet_table.col_totals[0],
            declined_not_eligible=unmet_table.col_totals[1],
            signposts_unreferred=unmet_table.col_totals[2],
            zero_result_searches=unmet_table.col_totals[3],
            unmet=unmet_table.grand_total,
            referrals=referral_table.col_totals[0],
            accepted=accepted_total,
            waiting_days=(wait_total / accepted_total) if accepted_total else None,
        )
        source = next(iter(scores.values())).demand_source if scores else "none"
        notes = []
        if community is not None and community.person_filter is None:
            notes.append(f"The caseload does not record {community.label.lower()}: demand, unmet demand "
                         "and waiting count everyone with the need.")
        if community is not None and community.census_column is None:
            notes.append("The census does not count this community: provision is per 100,000 residents.")
        layers[need] = GapLayer(need, rows, totals, threshold, source, notes)
    return layers


# --------------------------------------------------------------------------- equity

DIMENSIONS = {
    "ethnicity": ("Ethnic group", "white-british", "White British"),
    "religion": ("Religion", "christian", "Christian"),
    "gender": ("Gender", "man", "Man"),
}
EQUITY_MEASURES = [
    # (key, label, numerator column, denominator column)
    ("referral", "Referral rate (people referred of people on the caseload)", "referred", "people"),
    ("acceptance", "Acceptance rate (referrals accepted)", "accepted", "referrals"),
    ("completion", "Completion rate (accepted referrals completed)", "completed", "accepted"),
    ("declined", "Declined rate (referrals declined)", "declined", "referrals"),
]
EQUITY_COUNTS = ["people", "referred", "referrals", "accepted", "completed", "declined"]
SERVICE_KINDS = [
    ("black_led", "To Black-led services"),
    ("faith", "To faith services"),
    ("culturally_specific", "To culturally specific services"),
]


@dataclass
class EquityRow:
    code: str
    label: str
    counts: dict[str, int | None]
    rates: dict[str, float | None]
    ratios: dict[str, object]  # measure -> RateRatio | None
    service_counts: dict[str, int | None]
    service_shares: dict[str, float | None]
    baseline: bool = False


@dataclass
class EquityReport:
    dimension: str
    baseline_label: str
    rows: list[EquityRow]
    totals: EquityRow
    threshold: int


def _group_labels(dimension: str, detailed: bool) -> list[tuple[str, str]]:
    from navigator.referrals import vocab

    if dimension == "ethnicity":
        return list(vocab.ETHNICITIES) if detailed else list(BROAD_ETHNIC_GROUPS)
    if dimension == "religion":
        return list(vocab.RELIGIONS)
    return list(vocab.GENDERS)


def compute_equity(geo: Geography, dimension: str, detailed: bool, period: Period, need: str | None,
                   la_codes: set[str] | None, threshold: int) -> EquityReport:
    """Referral, acceptance, completion and declined rates by group vs the baseline group."""
    from navigator.referrals.models import Person, Referral, ReferralNeed

    column = getattr(Person, dimension)
    start, end = period.start, period.end
    district = aliased(PostcodeDistrict)
    area_cond = []
    if la_codes is not None:
        area_cond.append(Person.home_outcode.in_(
            select(district.outcode).where(district.lad_code.in_(sorted(la_codes)))))

    def group_of(value):
        if dimension == "ethnicity" and not detailed:
            return broad_ethnic_group(value)
        return value or "not-stated"

    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    people_query = (select(column, func.count()).where(
        Person.created_at < end, or_(Person.anonymised_at.is_(None), Person.anonymised_at >= start),
        *area_cond).group_by(column))
    for value, count in db.session.execute(people_query):
        counts[group_of(value)]["people"] += count

    need_cond = []
    if need:
        need_cond.append(exists().where(ReferralNeed.referral_id == Referral.id,
                                        ReferralNeed.category == need))
    referral_query = (
        select(column, func.count(), func.count(func.distinct(Referral.person_id)),
               func.count(Referral.accepted_at), func.count(Referral.declined_at),
               func.sum(case((Referral.status == "completed", 1), else_=0)))
        .select_from(Referral)
        .join(Person, Person.id == Referral.person_id)
        .where(Referral.sent_at >= start, Referral.sent_at < end, *area_cond, *need_cond)
        .group_by(column))
    for value, n, referred, accepted, declined, completed in db.session.execute(referral_query):
        group = counts[group_of(value)]
        group["referrals"] += n
        group["referred"] += referred
        group["accepted"] += accepted
        group["declined"] += declined
        group["completed"] += int(completed or 0)

    service_counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    kinds = {
        "black_led": Attribute.taxonomy_term_id == "led-by:black-led",
        "faith": or_(Attribute.taxonomy_term_id.like("faith:%"),
                     Attribute.taxonomy_term_id.in_(["led-by:muslim-led", "led-by:sikh-led",
                                                     "led-by:christian-led"])),
        "culturally_specific": Attribute.taxonomy_term_id.like("community:%"),
    }
    for kind, condition in kinds.items():
        query = (select(column, func.count())
                 .select_from(Referral)
                 .join(Person, Person.id == Referral.person_id)
                 .where(Referral.sent_at >= start, Referral.sent_at < end, *area_cond, *need_cond,
                        exists().where(Attribute.service_id == Referral.service_id, condition))
                 .group_by(column))
        for value, count in db.session.execute(query):
            service_counts[group_of(value)][kind] += count

    label, baseline_code, baseline_label = DIMENSIONS[dimension]
    groups = _group_labels(dimension, detailed)
    known = {code for code, _ in groups}
    for extra in sorted(set(counts) - known):
        groups.append((extra, extra))
    table = suppress([[counts[code][c] for c in EQUITY_COUNTS] for code, _ in groups], threshold,
                     row_totals=False, col_totals=True)
    service_table = suppress([[service_counts[code][k] for k, _ in SERVICE_KINDS] for code, _ in groups],
                             threshold, row_totals=False, col_totals=True)
    rows = []
    for i, (code, group_label) in enumerate(groups):
        shown = dict(zip(EQUITY_COUNTS, table.cells[i], strict=True))
        services = dict(zip([k for k, _ in SERVICE_KINDS], service_table.cells[i], strict=True))
        rows.append(_equity_row(code, group_label, shown, services, code == baseline_code))
    total_counts = dict(zip(EQUITY_COUNTS, table.col_totals, strict=True))
    total_services = dict(zip([k for k, _ in SERVICE_KINDS], service_table.col_totals, strict=True))
    totals = _equity_row("", "All groups", total_counts, total_services, False)
    baseline = next((r for r in rows if r.baseline), None)
    for row in rows + [totals]:
        for key, _label, num, den in EQUITY_MEASURES:
            if baseline is None or row.baseline:
                row.ratios[key] = None
            else:
                row.ratios[key] = rate_ratio(row.counts[num], row.counts[den],
                                             baseline.counts[num], baseline.counts[den])
    return EquityReport(dimension, baseline_label, rows, totals, threshold)


def _equity_row(code, group_label, counts, services, is_baseline) -> EquityRow:
    rates = {key: safe_rate(counts[num], counts[den]) for key, _l, num, den in EQUITY_MEASURES}
    shares = {kind: safe_rate(services[kind], counts["referrals"]) for kind, _ in SERVICE_KINDS}
    return EquityRow(code, group_label, counts, rates, {}, services, shares, is_baseline)


# --------------------------------------------------------------------------- trends

TREND_ADDITIVE = ["referrals", "accepted", "declined_no_capacity", "declined_not_eligible",
                  "signposts_unreferred", "zero_result_searches"]


@dataclass
class TrendRow:
    quarter: Quarter
    counts: dict[str, int | None]
    demand: int | None
    services_in_area: int
    waiting_days: float | None
    acceptance_rate: float | None
    score: float | None  # the chosen area's gap score, or the highest score in the selection
    high_gap_areas: int


def compute_trends(geo: Geography, need: str, community: Community | None, level: str,
                   quarters: list[Quarter], area_code: str | None,
                   threshold: int) -> tuple[list[TrendRow], dict]:
    """The gap measures by quarter for one area (or all areas at the level), suppressed across quarters.

    Quarters are a column that adds up (the total row), so secondary suppression runs down
    each column; caseload demand is a stock, not a flow, so it has no total.
    """
    per_quarter = []
    for quarter in quarters:
        period = Period(quarter, quarter)
        raw = compute_raw_gap(geo, [need], community, level, period)
        layer = compute_gap_layers(geo, [need], community, level, period, threshold, raw=raw)[need]
        per_quarter.append((quarter, raw, layer))

    def summed(mapping: dict[str, float]) -> float:
        return sum(v for code, v in mapping.items() if area_code is None or code == area_code)

    table_rows, demand_rows, extra = [], [], []
    for _quarter, raw, layer in per_quarter:
        ev = raw.evidence
        table_rows.append([int(summed(ev.referrals[need])), int(summed(ev.accepted[need]))]
                          + [int(summed(ev.unmet[part][need])) for part in UNMET_PARTS])
        demand_rows.append([int(summed(ev.demand[need]))])
        scores = {row.code: row.gap.score for row in layer.rows}
        extra.append({
            "wait": summed(ev.wait_days[need]),
            "in_area": int(summed(raw.provision.in_area[need])),
            "score": scores.get(area_code) if area_code else max(scores.values(), default=None),
            "high": sum(1 for v in scores.values() if v >= 60),
        })
    table = suppress(table_rows, threshold, row_totals=False, col_totals=True, columns=len(TREND_ADDITIVE))
    demand_table = suppress(demand_rows, threshold, row_totals=False, col_totals=False, columns=1)
    out = []
    for i, (quarter, _raw, _layer) in enumerate(per_quarter):
        counts = dict(zip(TREND_ADDITIVE, table.cells[i], strict=True))
        accepted = counts["accepted"]
        out.append(TrendRow(
            quarter=quarter, counts=counts, demand=demand_table.cells[i][0],
            services_in_area=extra[i]["in_area"],
            waiting_days=(extra[i]["wait"] / accepted) if accepted else None,
            acceptance_rate=safe_rate(accepted, counts["referrals"]),
            score=extra[i]["score"], high_gap_areas=extra[i]["high"],
        ))
    return out, dict(zip(TREND_ADDITIVE, table.col_totals, strict=True))
