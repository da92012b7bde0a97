"""Search use cases: run a search from URL parameters, show a service, build a signpost sheet.

The query string is the whole state of a search, so it must never hold a person's data:
the place is a postcode *district* (a full postcode is cut down to its district and the
page redirects), and nothing about the searcher is recorded. A search that finds nothing
is counted in ZeroResultSearch with normalised terms, filters and the district only.
"""
from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from navigator.auth.models import Role, User
from navigator.directory import vocab
from navigator.directory.models import ZeroResultSearch
from navigator.directory.search import ensure_index_ready, geo, get_backend, queries
from navigator.directory.search.backend import DISTANCE, RELEVANCE, SearchQuery
from navigator.directory.search.documents import FACETS, TAXONOMY_FACETS
from navigator.directory.search.synonyms import clean_text, parse_query
from navigator.errors import NotFound
from navigator.extensions import db

PER_PAGE = 20
DEFAULT_RADIUS = 10.0
RADIUS_CHOICES = (1, 3, 5, 10, 25, 50, 100)
MAX_RADIUS = 200.0
MAX_PAGE = 500
MAX_SIGNPOSTS = 10
LONDON = ZoneInfo("Europe/London")

FACET_LABELS = {
    "need": "Need",
    "led_by": "Led by",
    "community": "Community served",
    "faith": "Faith",
    "language": "Language spoken",
    "gender": "Who it is for",
    "cost": "Cost",
    "route": "How to refer",
    "open_now": "Opening",
}


def _value_labels() -> dict[str, dict[str, str]]:
    labels = {facet: dict(vocab.TAXONOMIES[taxonomy][1]) for facet, taxonomy in TAXONOMY_FACETS.items()}
    labels["language"] = dict(vocab.LANGUAGES)
    labels["gender"] = {g.value: g.label for g in vocab.Gender}
    labels["cost"] = {c.value: c.label for c in vocab.Cost}
    labels["route"] = {r.value: r.label for r in vocab.ReferralRoute}
    labels["open_now"] = {"yes": "Open now"}
    return labels


VALUE_LABELS = _value_labels()


@dataclass
class SearchPage:
    """Everything the search page shows; plain values only (the template needs no database)."""

    params: dict = field(default_factory=dict)
    link: dict = field(default_factory=dict)  # params worth keeping in a link
    errors: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    redirect_params: dict | None = None
    searched: bool = False
    total: int = 0
    page: int = 1
    pages: int = 0
    results: list[dict] = field(default_factory=list)
    facets: list[dict] = field(default_factory=list)
    active_filters: list[dict] = field(default_factory=list)
    district: str | None = None
    centre: tuple[float, float] | None = None
    map_points: list[dict] = field(default_factory=list)

    @property
    def error_status(self) -> int:
        return 422 if self.errors else 200


def _first(args: Mapping, name: str) -> str:
    values = _all(args, name)
    return values[0] if values else ""


def _all(args: Mapping, name: str) -> list[str]:
    getlist = getattr(args, "getlist", None)
    values = getlist(name) if getlist else ([args[name]] if name in args else [])
    return [v if isinstance(v, str) else str(v) for v in values][:50]


def _parse_filters(args: Mapping, notes: list[str]) -> dict[str, list[str]]:
    filters: dict[str, list[str]] = {}
    ignored = False
    for facet in FACETS:
        for raw in _all(args, facet):
            value = clean_text(raw)[0].strip().lower()
            if not value:
                continue
            if value in VALUE_LABELS[facet]:
                if value not in filters.setdefault(facet, []):
                    filters[facet].append(value)
            else:
                ignored = True
    if ignored:
        notes.append("Some filters in the link were not recognised, so they were left out.")
    return {k: sorted(v) for k, v in filters.items() if v}


def _parse_radius(raw: str, errors: dict) -> float:
    if not raw.strip():
        return DEFAULT_RADIUS
    try:
        radius = float(raw.strip())
    except ValueError:
        radius = math.nan
    if not math.isfinite(radius) or radius < 0.5 or radius > MAX_RADIUS:
        errors["radius"] = [f"Enter a distance between 1 and {int(MAX_RADIUS)} miles"]
        return DEFAULT_RADIUS
    return round(radius, 1)


def _parse_page(raw: str) -> int:
    try:
        page = int(raw.strip())
    except ValueError:
        return 1
    return min(max(page, 1), MAX_PAGE)


def _now_local(now: datetime | None) -> datetime:
    return (now or datetime.now(UTC)).astimezone(LONDON)


def run_search(args: Mapping, now: datetime | None = None) -> SearchPage:
    """Run a search from URL parameters (q, postcode, radius, sort, page, one per facet).

    Never raises for bad input: field problems come back in `errors` (the page shows them
    with a 422), unrecognised values in `notes`. When `postcode` is a full postcode,
    `redirect_params` holds the same search with only its district, so that a person's
    postcode never stays in a link.
    """
    from navigator.directory.geocoding import is_full_postcode, normalise_outcode, point_for_search

    page = SearchPage()
    q_raw = _first(args, "q")
    q_text, q_notes = clean_text(q_raw)
    page.notes += q_notes
    filters = _parse_filters(args, page.notes)
    radius = _parse_radius(_first(args, "radius"), page.errors)
    sort = _first(args, "sort").strip().lower()
    sort = sort if sort in (RELEVANCE, DISTANCE) else RELEVANCE
    page_number = _parse_page(_first(args, "page"))
    postcode_raw = clean_text(_first(args, "postcode"))[0]

    point = None
    district = None
    if postcode_raw:
        district = normalise_outcode(postcode_raw)
        if district is None:
            page.errors["postcode"] = ["Enter a postcode district like WS1, or a full postcode like WS1 1AA"]
        else:
            point = point_for_search(district)
            if point is None:
                page.errors["postcode"] = [f"We do not have a location for {district}. "
                                           "Try a nearby postcode district"]
    page.district = district
    page.params = {"q": q_text, "postcode": district or postcode_raw,
                   "radius": _format_radius(radius), "sort": sort, **filters}
    page.link = _link_params(page.params)
    if district and is_full_postcode(postcode_raw):
        page.redirect_params = _link_params(page.params)
        return page
    if page.errors:
        return page
    if sort == DISTANCE and point is None:
        page.notes.append("Enter a postcode district to sort by distance.")
        sort = RELEVANCE
        page.params["sort"] = sort
        page.link = _link_params(page.params)

    ensure_index_ready()
    parsed = parse_query(q_text)
    near = None
    if point is not None:
        near = geo.services_near(point.latitude, point.longitude, radius)
        page.centre = (point.latitude, point.longitude)
    open_ids = queries.list_open_service_ids(_now_local(now))
    backend_filters = {f: frozenset(v) for f, v in filters.items() if f != "open_now"}
    if "open_now" in filters:
        near_open = {i: (near or {}).get(i) for i in open_ids if near is None or i in near}
        near = near_open
    query = SearchQuery(parsed=parsed, filters=backend_filters, near=near,
                        computed={"open_now": {"yes": open_ids}}, sort=sort,
                        offset=(page_number - 1) * PER_PAGE, limit=PER_PAGE)
    results = get_backend().search(query)
    if results.total and query.offset >= results.total:
        page_number = max(1, math.ceil(results.total / PER_PAGE))
        query.offset = (page_number - 1) * PER_PAGE
        results = get_backend().search(query)
    page.searched = True
    page.total, page.page = results.total, page_number
    page.pages = math.ceil(results.total / PER_PAGE) if results.total else 0
    page.facets = _facet_views(results.facets, filters, page.params)
    page.active_filters = _active_filters(filters, page.params)
    services = queries.list_services_for_results([h.service_id for h in results.hits])
    for hit in results.hits:
        service = services.get(hit.service_id)
        if service is not None:
            page.results.append(result_view(service, hit.distance_miles, point))
    page.map_points = [dict(p, service_id=r["id"], service_name=r["name"])
                       for r in page.results for p in r["places"] if p["lat"] is not None]
    if results.total == 0:
        _record_zero_result(parsed.normalised, filters, radius if point else None, point)
    else:
        db.session.rollback()  # end the read transaction promptly (SQLite holds a lock)
    return page


def _format_radius(radius: float) -> str:
    return str(int(radius)) if radius == int(radius) else str(radius)


def _link_params(params: dict) -> dict:
    """Only the parameters worth keeping in a link (no empty values, no defaults)."""
    out = {}
    for key, value in params.items():
        default_radius = key == "radius" and value == _format_radius(DEFAULT_RADIUS)
        if value in ("", None, [], RELEVANCE) or default_radius:
            continue
        out[key] = value
    return out


def _without(params: dict, facet: str, value: str | None = None) -> dict:
    out = dict(params)
    if value is None or not isinstance(out.get(facet), list):
        out.pop(facet, None)
    else:
        out[facet] = [v for v in out[facet] if v != value]
    out.pop("page", None)
    return _link_params(out)


def _with(params: dict, facet: str, value: str) -> dict:
    out = dict(params)
    out[facet] = sorted({*out.get(facet, []), value})
    out.pop("page", None)
    return _link_params(out)


def _facet_views(counts: dict[str, dict[str, int]], filters: dict, params: dict) -> list[dict]:
    views = []
    for facet in FACETS:
        selected = set(filters.get(facet, []))
        facet_counts = counts.get(facet, {})
        labels = VALUE_LABELS[facet]
        values = set(facet_counts) | selected
        options = []
        for value in values:
            if value not in labels:
                continue
            options.append({
                "value": value, "label": labels[value], "count": facet_counts.get(value, 0),
                "selected": value in selected,
                "link": _without(params, facet, value) if value in selected else _with(params, facet, value),
            })
        options.sort(key=lambda o: (not o["selected"], -o["count"], o["label"]))
        if options:
            views.append({"name": facet, "label": FACET_LABELS[facet], "options": options})
    return views


def _active_filters(filters: dict, params: dict) -> list[dict]:
    active = []
    if params.get("q"):
        active.append({"label": f"Words: {params['q']}", "link": _without(params, "q")})
    if params.get("postcode"):
        active.append({"label": f"Within {params['radius']} miles of {params['postcode']}",
                       "link": _without(_without(params, "postcode"), "sort")})
    for facet in FACETS:
        for value in filters.get(facet, []):
            active.append({"label": f"{FACET_LABELS[facet]}: {VALUE_LABELS[facet][value]}",
                           "link": _without(params, facet, value)})
    return active


def _record_zero_result(terms: str, filters: dict, radius: float | None, point) -> None:
    if not terms and not filters and point is None:
        db.session.rollback()
        return
    recorded = dict(filters)
    if radius is not None:
        recorded["radius"] = _format_radius(radius)
    db.session.add(ZeroResultSearch(
        terms=terms[:400], filters=json.dumps(recorded, sort_keys=True),
        outcode=point.outcode if point else None, lad_code=point.lad_code if point else None,
    ))
    db.session.commit()


def _miles_text(miles: float | None, approximate: bool) -> str | None:
    if miles is None:
        return None
    shown = f"{miles:.1f}" if miles < 10 else f"{miles:.0f}"
    unit = "mile" if shown == "1.0" else "miles"
    return f"about {shown} {unit} (area only)" if approximate else f"{shown} {unit}"


def result_view(service, distance: float | None, point) -> dict:
    """One service as the results list, the map and the signpost sheet show it."""
    places = []
    approximate = distance is not None
    for sal in service.service_at_locations:
        location = sal.location
        if location is None:
            continue
        if location.confidential:
            places.append({"name": "Address not shown (confidential)", "address": None,
                           "town": location.lad_name, "lat": None, "lon": None, "confidential": True})
            continue
        address = location.address
        places.append({
            "name": location.name or (address.city if address else ""),
            "address": address.one_line() if address else None,
            "town": address.city if address else location.lad_name,
            "lat": location.latitude, "lon": location.longitude, "confidential": False,
        })
        if (distance is not None and point is not None and location.has_point
                and geo.haversine_miles(point.latitude, point.longitude,
                                        location.latitude, location.longitude) <= distance + 0.05):
            approximate = False
    everywhere = [a.extent_type.label for a in service.service_areas
                  if a.extent_type in (vocab.AreaType.NATIONAL, vocab.AreaType.REMOTE)]
    return {
        "id": service.id,
        "name": service.name,
        "organisation": service.organisation.name if service.organisation else "",
        "description": _summary(service.description),
        "distance": _miles_text(distance, approximate),
        "everywhere": everywhere[0] if everywhere and distance is None else None,
        "needs": [t.name for t in service.terms("need")],
        "led_by": [t.name for t in service.terms("led-by")],
        "communities": [t.name for t in service.terms("community")],
        "faiths": [t.name for t in service.terms("faith")],
        "languages": [lang.name for lang in service.languages],
        "gender": service.gender.label,
        "cost": service.cost.label,
        "route": service.referral_route.label,
        "places": places,
    }


def _summary(text: str | None, limit: int = 280) -> str:
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + "…"


def _opening_hours(schedules) -> list[dict]:
    order = {code: i for i, (code, _name) in enumerate(vocab.WEEKDAYS)}
    names = dict(vocab.WEEKDAYS)
    rows = sorted((s for s in schedules if s.byday in names),
                  key=lambda s: (order[s.byday], s.opens_at or datetime.min.time()))
    hours: list[dict] = []
    for schedule in rows:
        if schedule.opens_at and schedule.closes_at:
            window = f"{_clock(schedule.opens_at)} to {_clock(schedule.closes_at)}"
        else:
            window = schedule.description or "Open (times not given)"
        if hours and hours[-1]["day"] == names[schedule.byday]:
            hours[-1]["times"] += f", {window}"
        else:
            hours.append({"day": names[schedule.byday], "times": window})
    return hours


def _clock(value) -> str:
    hour = value.hour % 12 or 12
    suffix = "am" if value.hour < 12 else "pm"
    return f"{hour}{suffix}" if value.minute == 0 else f"{hour}:{value.minute:02d}{suffix}"


def get_service_page(service_id: str, actor_id: int | None) -> dict:
    """Everything a practitioner needs about one service. Raises NotFound.

    Inactive, defunct or deleted services are shown only to navigators (who curate them).
    """
    service = queries.get_service(service_id)
    if service is None:
        raise NotFound("Service not found")
    actor = db.session.get(User, actor_id) if actor_id is not None else None
    is_navigator = actor is not None and actor.role == Role.NAVIGATOR
    org_active = service.organisation is None or service.organisation.active
    listed = service.is_listed and org_active
    if not listed and not is_navigator:
        raise NotFound("Service not found")
    view = result_view(service, None, None)
    phones = [{"number": p.number, "description": p.description or p.type}
              for p in [*service.phones, *(service.organisation.phones if service.organisation else [])]]
    view.update({
        "description_full": service.description or "",
        "alternate_name": service.alternate_name,
        "url": service.url,
        "email": service.email or (service.organisation.email if service.organisation else None),
        "organisation_url": service.organisation.website if service.organisation else None,
        "application_process": service.application_process,
        "eligibility": service.eligibility_description,
        "fees": service.fees_description,
        "interpretation": service.interpretation_services,
        "capacity_note": service.capacity_note,
        "accepts_sex_offence_convictions": service.accepts_sex_offence_convictions,
        "accepts_nrpf": service.accepts_no_recourse_to_public_funds,
        "hours": _opening_hours(service.schedules),
        "phones": phones,
        "areas": [{"name": a.name, "type": a.extent_type.label} for a in service.service_areas],
        "last_verified": service.last_verified_at.strftime("%-d %B %Y") if service.last_verified_at else None,
        "listed": listed,
        "status": service.status.label if service.deleted_at is None else "Deleted",
    })
    view["map_points"] = [dict(p, service_id=service.id, service_name=service.name)
                          for p in view["places"] if p["lat"] is not None]
    db.session.rollback()
    return view


def get_signpost_sheet(service_ids: list[str]) -> list[dict]:
    """Listed services chosen for a signpost sheet, in the order chosen. Raises NotFound.

    The sheet carries service details only: it never holds anything about the person.
    """
    ids = [i for i in dict.fromkeys(clean_text(s)[0] for s in service_ids) if i][:MAX_SIGNPOSTS]
    services = queries.list_services_by_id(ids)
    if not services:
        raise NotFound("Choose at least one service for the signpost sheet")
    sheet = []
    for service_id in ids:
        service = services.get(service_id)
        if service is None:
            continue
        view = result_view(service, None, None)
        view.update({
            "how_to": service.application_process,
            "hours": _opening_hours(service.schedules),
            "phones": [p.number for p in [*service.phones,
                                          *(service.organisation.phones if service.organisation else [])]],
            "url": service.url or (service.organisation.website if service.organisation else None),
            "email": service.email,
            "description": _summary(service.description, 400),
        })
        sheet.append(view)
    db.session.rollback()
    return sheet
