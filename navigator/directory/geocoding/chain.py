"""The geocoding chain: cache -> offline districts -> postcodes.io -> Nominatim.

Each query moves down the chain until a step gives an exact point. An approximate district
centroid is kept as the fallback while online steps are tried; online steps run only when
both the caller and the GEOCODER_ONLINE setting allow it, and their answers are cached.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence

from flask import current_app

from navigator.directory.geocoding import cache, offline
from navigator.directory.geocoding.base import GeocodeQuery, Geocoder, GeocodeResult
from navigator.directory.vocab import GeocodeStatus

log = logging.getLogger(__name__)

_EXTENSION = "navigator.geocoding"


class GeocoderChain:
    """Runs the steps in order over a batch of queries."""

    def __init__(self, steps: Sequence[Geocoder]):
        self.steps = list(steps)

    def lookup(self, queries: Sequence[GeocodeQuery], *,
               allow_online: bool) -> dict[GeocodeQuery, GeocodeResult]:
        best: dict[GeocodeQuery, GeocodeResult] = {}
        pending = [q for q in dict.fromkeys(queries) if not q.is_empty]
        for step in self.steps:
            if not pending:
                break
            if step.online and not allow_online:
                continue
            try:
                found = step.lookup(pending)
            except Exception as exc:  # noqa: BLE001 - a failing geocoder must never stop a save
                log.warning("Geocoder %s failed: %s", step.name, type(exc).__name__)
                continue
            for query, result in found.items():
                if result.is_exact:
                    best[query] = result
                    if step.online:
                        cache.store(query, result, step.name)
                elif result.has_point and query not in best:
                    best[query] = result
            pending = [q for q in pending if not (q in best and best[q].is_exact)]
        results = {}
        for query in dict.fromkeys(queries):
            result = best.get(query) or GeocodeResult(status=GeocodeStatus.UNRESOLVED)
            results[query] = offline.enrich(result, query.outcode)
        return results


def default_online_steps(config) -> list[Geocoder]:
    from navigator.directory.geocoding.postcodes_io import PostcodesIoGeocoder

    steps: list[Geocoder] = []
    user_agent = config.get("NOMINATIM_USER_AGENT") or "navigator-probation-directory"
    if config.get("POSTCODES_IO_URL"):
        steps.append(PostcodesIoGeocoder(config["POSTCODES_IO_URL"], user_agent=user_agent))
    if config.get("NOMINATIM_DOMAIN"):
        from navigator.directory.geocoding.nominatim import NominatimGeocoder

        steps.append(NominatimGeocoder(
            config["NOMINATIM_DOMAIN"], user_agent,
            min_delay_seconds=float(config.get("NOMINATIM_MIN_DELAY_SECONDS", 1.0)),
        ))
    return steps


def _state(app) -> dict:
    return app.extensions.setdefault(_EXTENSION, {})


def set_online_geocoders(app, geocoders: Sequence[Geocoder] | None) -> None:
    """Replace the online steps of `app` (tests install fakes); None restores the defaults."""
    _state(app)["online"] = None if geocoders is None else list(geocoders)


def get_chain() -> GeocoderChain:
    """The chain for the current app; online clients are built once (one rate limiter, one session)."""
    app = current_app._get_current_object()
    state = _state(app)
    if state.get("online") is None:
        state["online"] = default_online_steps(app.config)
    return GeocoderChain([cache.CacheGeocoder(), offline.DistrictGeocoder(), *state["online"]])


def online_allowed(allow_online: bool) -> bool:
    return bool(allow_online and current_app.config.get("GEOCODER_ONLINE"))
