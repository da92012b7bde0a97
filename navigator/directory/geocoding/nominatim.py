"""Nominatim (OpenStreetMap) through geopy: addresses without a usable postcode.

Used only when NOMINATIM_DOMAIN is configured and online lookups are on. One request a
second at most (RateLimiter, per the usage policy) with an identifying user agent.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from urllib.parse import urlsplit

from geopy.exc import GeocoderQueryError, GeocoderServiceError, GeopyError
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import Nominatim

from navigator.directory.geocoding.base import GeocodeQuery, GeocodeResult
from navigator.directory.vocab import GeocodeStatus
from navigator.validation import normalise_outcode

log = logging.getLogger(__name__)


def split_domain(configured: str) -> tuple[str, str]:
    """"https://nominatim.example.org/" or "nominatim.example.org" -> (scheme, domain)."""
    configured = configured.strip()
    if "://" in configured:
        parts = urlsplit(configured)
        return parts.scheme or "https", (parts.netloc + parts.path).rstrip("/")
    return "https", configured.rstrip("/")


class NominatimGeocoder:
    """Free-text address search restricted to Great Britain and Northern Ireland."""

    name = "nominatim"
    online = True

    def __init__(self, domain: str, user_agent: str, *, min_delay_seconds: float = 1.0,
                 timeout: float = 10.0):
        scheme, host = split_domain(domain)
        if host.endswith("openstreetmap.org"):
            # The public server's usage policy: at most one request a second, whatever the config.
            min_delay_seconds = max(min_delay_seconds, 1.0)
        self._geolocator = Nominatim(user_agent=user_agent, domain=host, scheme=scheme, timeout=timeout)
        # Shared by every lookup in this process, so the 1-per-second limit holds across requests.
        self._geocode = RateLimiter(self._geolocator.geocode, min_delay_seconds=min_delay_seconds,
                                    max_retries=0, swallow_exceptions=False)

    def lookup(self, queries: Sequence[GeocodeQuery]) -> dict[GeocodeQuery, GeocodeResult]:
        found = {}
        for query in queries:
            text = query.search_text()
            if not text:
                continue
            try:
                place = self._geocode(text, exactly_one=True, country_codes="gb", addressdetails=True)
            except GeocoderQueryError as exc:
                log.warning("Nominatim refused a query: %s", type(exc).__name__)
                continue
            except GeocoderServiceError as exc:
                # Down, timed out or rate-limited: stop asking for the rest of this batch.
                log.warning("Nominatim unavailable: %s", type(exc).__name__)
                break
            except (GeopyError, ValueError) as exc:
                log.warning("Nominatim lookup failed: %s", type(exc).__name__)
                continue
            if place is None:
                continue
            raw = place.raw if isinstance(place.raw, dict) else {}
            address = raw.get("address") if isinstance(raw.get("address"), dict) else {}
            found[query] = GeocodeResult(
                latitude=float(place.latitude),
                longitude=float(place.longitude),
                status=GeocodeStatus.OK,
                source="nominatim",
                outcode=query.outcode or normalise_outcode(address.get("postcode")),
            )
        return found
