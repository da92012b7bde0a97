"""The geocode cache: online answers kept in the database so each place is looked up once.

Entries are written into the caller's transaction (an upsert, so two editors saving the
same postcode at once cannot collide) and become durable when the caller commits.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy import select

from navigator.directory.geocoding.base import GeocodeQuery, GeocodeResult
from navigator.directory.models import GeocodeCacheEntry
from navigator.directory.vocab import GeocodeStatus
from navigator.extensions import db
from navigator.times import utcnow

log = logging.getLogger(__name__)


class CacheGeocoder:
    """Answers from earlier online lookups (exact points only)."""

    name = "cache"
    online = False

    def lookup(self, queries: Sequence[GeocodeQuery]) -> dict[GeocodeQuery, GeocodeResult]:
        keys = {k for q in queries for k in q.cache_keys()}
        if not keys:
            return {}
        with db.session.no_autoflush:
            entries = {
                e.query: e
                for e in db.session.scalars(
                    select(GeocodeCacheEntry).where(GeocodeCacheEntry.query.in_(keys))
                )
                if e.latitude is not None and e.longitude is not None
            }
        found = {}
        for query in queries:
            # A postcode point comes first: postcodes.io is tried before Nominatim online too.
            entry = next((entries[k] for k in query.cache_keys() if k in entries), None)
            if entry is not None:
                found[query] = GeocodeResult(
                    latitude=entry.latitude,
                    longitude=entry.longitude,
                    status=GeocodeStatus.OK,
                    source=entry.source,
                    outcode=query.outcode or entry.outcode,
                    lad_code=entry.lad_code,
                )
        return found


def store(query: GeocodeQuery, result: GeocodeResult, source: str) -> None:
    """Remember an exact online answer under the query's most specific key."""
    key = query.postcode_key if source == "postcodes.io" else (query.address_key or query.postcode_key)
    if not key or not result.has_point:
        return
    values = {
        "query": key,
        "latitude": result.latitude,
        "longitude": result.longitude,
        "source": source[:40],
        "lad_code": (result.lad_code or None) and result.lad_code[:9],
        "outcode": (result.outcode or None) and result.outcode[:4],
        "created_at": utcnow(),
    }
    dialect = db.session.get_bind().dialect.name
    table = GeocodeCacheEntry.__table__
    with db.session.no_autoflush:
        if dialect in ("sqlite", "postgresql"):
            if dialect == "sqlite":
                from sqlalchemy.dialects.sqlite import insert
            else:
                from sqlalchemy.dialects.postgresql import insert
            stmt = insert(table).values(**values)
            stmt = stmt.on_conflict_do_update(
                index_elements=[table.c.query],
                set_={k: stmt.excluded[k] for k in values if k != "query"},
            )
            db.session.execute(stmt)
        else:  # pragma: no cover - only SQLite and PostgreSQL are supported
            db.session.merge(GeocodeCacheEntry(**values))
