"""The geocoder interface: a query, a result, and the Protocol every geocoder step implements."""
from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from navigator.directory.vocab import GeocodeStatus
from navigator.validation import find_postcode, normalise_outcode, normalise_postcode

_MAX_ADDRESS = 500
_MAX_KEY = 400  # GeocodeCacheEntry.query


@dataclass
class GeocodeResult:
    """Where a place is, how sure we are, and the local authority / probation area it falls in."""

    latitude: float | None = None
    longitude: float | None = None
    status: GeocodeStatus = GeocodeStatus.UNRESOLVED
    source: str | None = None
    outcode: str | None = None
    lad_code: str | None = None
    lad_name: str | None = None
    pdu_code: str | None = None
    pdu_name: str | None = None
    probation_region: str | None = None

    @property
    def has_point(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def is_exact(self) -> bool:
        return self.status == GeocodeStatus.OK and self.has_point


@dataclass(frozen=True)
class GeocodeQuery:
    """One place to look up: a normalised full postcode and/or cleaned address text."""

    postcode: str | None = None
    outcode: str | None = None
    address: str | None = None

    @classmethod
    def from_input(cls, postal_code: str | None, address_text: str | None = None) -> GeocodeQuery:
        address = " ".join(address_text.split())[:_MAX_ADDRESS] if isinstance(address_text, str) else ""
        postcode = normalise_postcode(postal_code) or find_postcode(address)
        outcode = normalise_outcode(postcode or postal_code)
        return cls(postcode=postcode, outcode=outcode, address=address or None)

    @property
    def is_empty(self) -> bool:
        return not (self.postcode or self.outcode or self.address)

    def search_text(self) -> str | None:
        """Free text for an address geocoder: the address, with the postcode if it is not in it."""
        parts = []
        if self.address:
            parts.append(self.address)
        if self.postcode and (not self.address or find_postcode(self.address) != self.postcode):
            parts.append(self.postcode)
        return ", ".join(parts) or None

    @property
    def postcode_key(self) -> str | None:
        return f"postcode:{self.postcode}" if self.postcode else None

    @property
    def address_key(self) -> str | None:
        text = self.search_text() if self.address else None
        if not text:
            return None
        key = "address:" + text.lower()
        if len(key) > _MAX_KEY:
            key = "address-sha256:" + hashlib.sha256(text.lower().encode()).hexdigest()
        return key

    def cache_keys(self) -> list[str]:
        return [k for k in (self.postcode_key, self.address_key) if k]


class Geocoder(Protocol):
    """A step in the geocoding chain.

    `lookup` returns results only for the queries it could place; it must not raise for a
    place it cannot find. `online` steps send the query to an outside service.
    """

    name: str
    online: bool

    def lookup(self, queries: Sequence[GeocodeQuery]) -> dict[GeocodeQuery, GeocodeResult]: ...
