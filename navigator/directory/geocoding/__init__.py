"""Geocoding: UK postcodes, and listing addresses turned into points and areas.

Public API (other areas code against these names):
    normalise_postcode(text), normalise_outcode(text)
    geocode(postal_code, address_text=None, *, allow_online=True) -> GeocodeResult
    geocode_many([(postal_code, address_text), ...], *, allow_online=True) -> [GeocodeResult]
    point_for_search(text) -> GeocodeResult | None   (offline only: may be a person's postcode)
    apply_geocode(location, result)
    set_online_geocoders(app, [FakeGeocoder(...)])   (tests)

The chain is database cache -> offline postcode-district centroids -> postcodes.io ->
Nominatim; online steps run only when config GEOCODER_ONLINE is true and the caller allows it.
"""
from __future__ import annotations

from collections.abc import Iterable

from navigator.directory.geocoding.base import GeocodeQuery, Geocoder, GeocodeResult
from navigator.directory.geocoding.chain import get_chain, online_allowed, set_online_geocoders
from navigator.directory.geocoding.fake import FakeGeocoder
from navigator.directory.vocab import GeocodeStatus
from navigator.validation import (
    find_postcode,
    is_full_postcode,
    normalise_outcode,
    normalise_postcode,
)

__all__ = [
    "FakeGeocoder", "GeocodeQuery", "GeocodeResult", "GeocodeStatus", "Geocoder", "apply_geocode",
    "find_postcode", "geocode", "geocode_many", "is_full_postcode", "normalise_outcode",
    "normalise_postcode", "point_for_search", "set_online_geocoders",
]


def geocode(postal_code: str | None, address_text: str | None = None, *,
            allow_online: bool = True) -> GeocodeResult:
    """Place a listing's address. Never raises for an unresolvable place: status is UNRESOLVED.

    A postcode inside `address_text` is used when `postal_code` is empty or invalid. Online
    answers are cached in the caller's transaction (kept when the caller commits).
    """
    return geocode_many([(postal_code, address_text)], allow_online=allow_online)[0]


def geocode_many(places: Iterable[tuple[str | None, str | None]], *,
                 allow_online: bool = True) -> list[GeocodeResult]:
    """Place many listing addresses at once (importers): postcodes.io is asked 100 at a time."""
    queries = [GeocodeQuery.from_input(postal_code, address_text) for postal_code, address_text in places]
    found = get_chain().lookup(queries, allow_online=online_allowed(allow_online))
    # Each caller gets its own object, even when two places were the same query.
    return [GeocodeResult(**vars(found[q])) for q in queries]


def point_for_search(text: str | None) -> GeocodeResult | None:
    """Where a practitioner's typed postcode or district is, or None if it is neither or unknown.

    OFFLINE ONLY, whatever the configuration: the text may be a person's home postcode,
    so it never leaves this server, and nothing about it is stored or logged.
    """
    outcode = normalise_outcode(text)
    if outcode is None:
        return None
    query = GeocodeQuery(postcode=normalise_postcode(text), outcode=outcode)
    result = get_chain().lookup([query], allow_online=False)[query]
    return result if result.has_point else None


def apply_geocode(location, result: GeocodeResult) -> None:
    """Copy a result onto a Location's columns (an unresolved result clears the old point)."""
    location.latitude = result.latitude if result.has_point else None
    location.longitude = result.longitude if result.has_point else None
    location.geocode_status = result.status if result.has_point else GeocodeStatus.UNRESOLVED
    location.geocode_source = (result.source or None) and result.source[:40]
    location.outcode = result.outcode
    location.lad_code = result.lad_code
    location.lad_name = result.lad_name
    location.pdu_code = result.pdu_code
    location.pdu_name = result.pdu_name
    location.probation_region = result.probation_region
