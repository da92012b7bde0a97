"""A fake online geocoder for tests: answers from a dict and records every call it gets."""
from __future__ import annotations

from collections.abc import Sequence

import requests

from navigator.directory.geocoding.base import GeocodeQuery, GeocodeResult
from navigator.directory.vocab import GeocodeStatus
from navigator.validation import normalise_postcode


class FakeGeocoder:
    """`points` maps a normalised postcode or lower-case address text to (lat, lon[, lad_code]).

    With `fail=True` every lookup raises a connection error, as a dead network would.
    """

    def __init__(self, points: dict[str, tuple] | None = None, *, name: str = "fake",
                 online: bool = True, fail: bool = False):
        self.points = {normalise_postcode(k) or k.lower(): v for k, v in (points or {}).items()}
        self.name = name
        self.online = online
        self.fail = fail
        self.calls: list[list[GeocodeQuery]] = []

    @property
    def queries(self) -> list[GeocodeQuery]:
        return [q for call in self.calls for q in call]

    def lookup(self, queries: Sequence[GeocodeQuery]) -> dict[GeocodeQuery, GeocodeResult]:
        self.calls.append(list(queries))
        if self.fail:
            raise requests.ConnectionError("fake network is down")
        found = {}
        for query in queries:
            point = None
            if query.postcode:
                point = self.points.get(query.postcode)
            if point is None and query.address:
                point = self.points.get(query.address.lower())
            if point is not None:
                found[query] = GeocodeResult(
                    latitude=point[0], longitude=point[1], status=GeocodeStatus.OK, source=self.name,
                    outcode=query.outcode, lad_code=point[2] if len(point) > 2 else None,
                )
        return found
