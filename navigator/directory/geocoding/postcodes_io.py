"""postcodes.io client: exact points for full postcodes, looked up in bulk (100 per request).

Errors, timeouts and odd answers are logged and treated as "not found", so the chain falls
back to the next step. Only listing addresses reach here, never a person's postcode.
"""
from __future__ import annotations

import logging
import math
from collections.abc import Sequence

import requests

from navigator.directory.geocoding.base import GeocodeQuery, GeocodeResult
from navigator.directory.vocab import GeocodeStatus
from navigator.validation import normalise_outcode, normalise_postcode

log = logging.getLogger(__name__)

BULK_LIMIT = 100  # postcodes.io accepts at most 100 postcodes per bulk request


def _number(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _text(value, limit: int) -> str | None:
    return value[:limit] if isinstance(value, str) and value else None


class PostcodesIoGeocoder:
    """Bulk lookups against a postcodes.io server (the public one or a self-hosted copy)."""

    name = "postcodes.io"
    online = True

    def __init__(self, base_url: str, *, timeout: tuple[float, float] = (3.05, 10.0),
                 session: requests.Session | None = None, user_agent: str | None = None):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = session or requests.Session()
        if user_agent:
            self.session.headers["User-Agent"] = user_agent

    def lookup(self, queries: Sequence[GeocodeQuery]) -> dict[GeocodeQuery, GeocodeResult]:
        points = self.lookup_postcodes(sorted({q.postcode for q in queries if q.postcode}))
        return {q: points[q.postcode] for q in queries if q.postcode in points}

    def lookup_postcodes(self, postcodes: Sequence[str]) -> dict[str, GeocodeResult]:
        """Normalised postcode -> exact result, for those postcodes.io knows and has a point for."""
        found: dict[str, GeocodeResult] = {}
        for start in range(0, len(postcodes), BULK_LIMIT):
            chunk = list(postcodes[start:start + BULK_LIMIT])
            try:
                response = self.session.post(
                    f"{self.base_url}/postcodes", json={"postcodes": chunk}, timeout=self.timeout
                )
                response.raise_for_status()
                body = response.json()
            except (requests.RequestException, ValueError) as exc:
                # Logged without the postcodes themselves.
                log.warning("postcodes.io bulk lookup of %d postcodes failed: %s", len(chunk),
                            type(exc).__name__)
                continue
            found.update(self._parse_bulk(body))
        return found

    @staticmethod
    def _parse_bulk(body) -> dict[str, GeocodeResult]:
        items = body.get("result") if isinstance(body, dict) else None
        if not isinstance(items, list):
            log.warning("postcodes.io answered without a result list")
            return {}
        found = {}
        for item in items:
            if not isinstance(item, dict) or not isinstance(item.get("result"), dict):
                continue  # postcode not found (terminated, mistyped)
            data = item["result"]
            postcode = normalise_postcode(data.get("postcode")) or normalise_postcode(item.get("query"))
            latitude, longitude = _number(data.get("latitude")), _number(data.get("longitude"))
            if postcode is None or latitude is None or longitude is None:
                continue  # some live postcodes have no grid reference yet
            codes = data.get("codes") if isinstance(data.get("codes"), dict) else {}
            found[postcode] = GeocodeResult(
                latitude=latitude,
                longitude=longitude,
                status=GeocodeStatus.OK,
                source="postcodes.io",
                outcode=normalise_outcode(data.get("outcode")) or postcode.split(" ")[0],
                lad_code=_text(codes.get("admin_district"), 9),
                lad_name=_text(data.get("admin_district"), 120),
            )
        return found
