"""The open, read-only Open Referral UK 3.0 API at /api/ (blueprint `api`).

Anyone may read it (CORS *), so it carries only what a public directory shows: listed
services, never a confidential location, never data about a person. Bad parameters get
a 400 with a JSON body naming the parameter; unknown parameters are ignored, as most
ORUK clients send a few of their own.
"""
from __future__ import annotations

from datetime import UTC, date, datetime

from flask import Blueprint, jsonify, request, url_for

from navigator.auth.permissions import public
from navigator.directory.interop import hsds
from navigator.directory.interop import queries as q
from navigator.directory.interop.openapi import openapi_document
from navigator.errors import DomainError, NotFound
from navigator.extensions import csrf
from navigator.validation import CONTROL_CHARS

bp = Blueprint("api", __name__, url_prefix="/api")
csrf.exempt(bp)

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 100
MAX_PAGE = 100_000
MAX_PROXIMITY_M = 1_000_000
MAX_TEXT = 200


class InvalidParameter(DomainError):
    """A query parameter that cannot be understood: answered with 400 and a JSON body."""

    status_code = 400


@bp.after_request
def _open_to_all(response):
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
    response.headers["Access-Control-Allow-Headers"] = "Accept, Content-Type"
    response.headers.setdefault("Cache-Control", "public, max-age=300")
    return response


def _bad(name: str, message: str):
    raise InvalidParameter(f"Invalid parameter '{name}': {message}", {name: [message]})


def _text(name: str) -> str | None:
    value = request.args.get(name)
    if value is None:
        return None
    if CONTROL_CHARS.search(value) or "\x00" in value:
        _bad(name, "must not contain control characters")
    value = value.strip()
    if len(value) > MAX_TEXT:
        _bad(name, f"must be at most {MAX_TEXT} characters")
    return value or None


def _int(name: str, default: int | None, low: int, high: int) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw.strip() == "":
        return default
    raw = raw.strip()
    if not (raw.isascii() and raw.lstrip("+-").isdigit()) or len(raw) > 12:
        _bad(name, "must be a whole number")
    value = int(raw)
    if value < low or value > high:
        _bad(name, f"must be between {low} and {high}")
    return value


def _bool(name: str) -> bool:
    raw = request.args.get(name)
    if raw is None or raw.strip() == "":
        return False
    lowered = raw.strip().lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    _bad(name, "must be true or false")
    return False


def _datetime(name: str) -> datetime | None:
    raw = _text(name)
    if raw is None:
        return None
    text = raw.replace("Z", "+00:00").replace(" ", "+", 1) if "T" in raw else raw
    try:
        value = datetime.fromisoformat(text) if "T" in text else datetime.combine(
            date.fromisoformat(text), datetime.min.time())
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
    except (ValueError, OverflowError):
        _bad(name, "must be a date or date-time such as 2024-01-31 or 2024-01-31T09:00:00Z")
    return None


def _path_id(value: str, what: str) -> str:
    value = value.strip()
    if not value or len(value) > 100 or CONTROL_CHARS.search(value) or "\x00" in value:
        raise NotFound(f"No {what} has this id")
    return value


def _check_format():
    fmt = _text("format")
    if fmt is not None and fmt.lower() != "json":
        _bad("format", "only json is offered")


def _paging(default: int = DEFAULT_PER_PAGE) -> tuple[int, int]:
    page = _int("page", 1, 1, MAX_PAGE)
    # A larger per_page is capped rather than refused, so clients asking for "all" still work.
    raw_per_page = _int("per_page", default, 1, 10**9)
    return page, min(raw_per_page, MAX_PER_PAGE)


def _service_filter() -> q.ServiceFilter:
    flt = q.ServiceFilter(search=_text("search"), organization_id=_text("organization_id"),
                          modified_after=_datetime("modified_after"))
    term = _text("taxonomy_term_id")
    if term is not None:
        flt.term_ids = q.resolve_term_ids(term)
    taxonomy = _text("taxonomy_id")
    if taxonomy is not None:
        flt.taxonomy_ids = q.resolve_taxonomy_ids(taxonomy)
    return flt


@bp.get("/")
@public
def index():
    return jsonify({
        "version": hsds.HSDS_VERSION,
        "profile": hsds.ORUK_PROFILE,
        "openapi_url": url_for("api.openapi", _external=True),
    })


@bp.get("/openapi.json")
@public
def openapi():
    return jsonify(openapi_document(url_for("api.index", _external=True).rstrip("/")))


@bp.get("/services")
@public
def services():
    _check_format()
    flt = _service_filter()
    minimal = _bool("minimal")
    full = _bool("full")
    page, per_page = _paging()
    total = q.count_services(flt)
    rows = q.list_services(flt, offset=(page - 1) * per_page, limit=per_page, full=full)
    if minimal:
        contents = [hsds.minimal_service(s) for s in rows]
    elif full:
        contents = [hsds.service_to_hsds(s) for s in rows]
    else:
        contents = [hsds.service_summary(s) for s in rows]
    return jsonify(hsds.page_envelope(contents, total, page, per_page))


@bp.get("/services/<service_id>")
@public
def service(service_id: str):
    found = q.get_listed_service(_path_id(service_id, "listed service"))
    if found is None:
        raise NotFound("No listed service has this id")
    return jsonify(hsds.service_to_hsds(found))


@bp.get("/service_at_locations")
@public
def service_at_locations():
    _check_format()
    flt = _service_filter()
    full = _bool("full")
    page, per_page = _paging()
    postcode = _text("postcode")
    proximity = _int("proximity", None, 1, MAX_PROXIMITY_M)
    offset = (page - 1) * per_page
    if postcode is None and proximity is not None:
        _bad("proximity", "needs a postcode to measure from")
    if postcode is not None:
        point = _point_for(postcode)
        nearby = q.nearby_service_at_locations(flt, point[0], point[1], proximity)
        total = len(nearby)
        page_rows = nearby[offset:offset + per_page]
        contents = []
        for sal, distance in page_rows:
            item = hsds.service_at_location_to_hsds(sal, hsds.location_to_hsds(sal.location), full)
            item["distance"] = round(distance)
            contents.append(item)
    else:
        total = q.count_service_at_locations(flt)
        contents = [hsds.service_at_location_to_hsds(sal, hsds.location_to_hsds(sal.location), full)
                    for sal in q.list_service_at_locations(flt, offset, per_page)]
    return jsonify(hsds.page_envelope(contents, total, page, per_page))


def _point_for(postcode: str) -> tuple[float, float]:
    try:
        from navigator.directory.geocoding import point_for_search
    except ImportError:  # geocoding not installed in this build: say so plainly
        _bad("postcode", "searching by postcode is not available")
    # Offline only: a postcode typed into a search may be where someone lives.
    result = point_for_search(postcode)
    if result is None or result.latitude is None or result.longitude is None:
        _bad("postcode", "is not a postcode or postcode district we recognise")
    return result.latitude, result.longitude


@bp.get("/service_at_locations/<sal_id>")
@public
def service_at_location(sal_id: str):
    found = q.get_public_service_at_location(_path_id(sal_id, "listed service at location"))
    if found is None:
        raise NotFound("No listed service at location has this id")
    return jsonify(hsds.service_at_location_to_hsds(found, hsds.location_to_hsds(found.location), True))


@bp.get("/taxonomies")
@public
def taxonomies():
    _check_format()
    search = _text("search")
    page, per_page = _paging()
    rows = q.list_taxonomies(search)
    offset = (page - 1) * per_page
    contents = [hsds.taxonomy_to_hsds(t) for t in rows[offset:offset + per_page]]
    return jsonify(hsds.page_envelope(contents, len(rows), page, per_page))


@bp.get("/taxonomies/<taxonomy_id>")
@public
def taxonomy(taxonomy_id: str):
    found = q.get_taxonomy(_path_id(taxonomy_id, "taxonomy"))
    if found is None:
        raise NotFound("No taxonomy has this id")
    return jsonify(hsds.taxonomy_to_hsds(found))


@bp.get("/taxonomy_terms")
@public
def taxonomy_terms():
    _check_format()
    search = _text("search")
    taxonomy_param = _text("taxonomy_id")
    parent_param = _text("parent_id")
    page, per_page = _paging()
    taxonomy_ids = q.resolve_taxonomy_ids(taxonomy_param) if taxonomy_param is not None else None
    parent_id = None
    if parent_param is not None:
        parents = q.resolve_term_ids(parent_param)
        parent_id = parents[0] if parents else "\u2205"  # no such parent: matches nothing
    rows = q.list_terms(search, taxonomy_ids, parent_id)
    offset = (page - 1) * per_page
    contents = [hsds.term_to_hsds(t) for t in rows[offset:offset + per_page]]
    return jsonify(hsds.page_envelope(contents, len(rows), page, per_page))


@bp.get("/taxonomy_terms/<term_id>")
@public
def taxonomy_term(term_id: str):
    found = q.get_term(_path_id(term_id, "taxonomy term"))
    if found is None:
        raise NotFound("No taxonomy term has this id")
    return jsonify(hsds.term_to_hsds(found))
