"""Read-only queries behind the search pages (no commits here)."""
from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import and_, select
from sqlalchemy.orm import joinedload, selectinload

from navigator.directory.models import (
    Location,
    Organisation,
    Schedule,
    Service,
    ServiceAtLocation,
)
from navigator.directory.search.documents import listed_filter
from navigator.extensions import db

WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def _options():
    return (
        selectinload(Service.organisation).selectinload(Organisation.phones),
        selectinload(Service.attributes),
        selectinload(Service.languages),
        selectinload(Service.schedules),
        selectinload(Service.phones),
        selectinload(Service.service_areas),
        selectinload(Service.service_at_locations)
        .selectinload(ServiceAtLocation.location)
        .selectinload(Location.addresses),
    )


def _result_options():
    # Only what a result shows (no opening hours or phones): fewer round trips per page.
    return (
        joinedload(Service.organisation),
        selectinload(Service.attributes),
        selectinload(Service.languages),
        selectinload(Service.service_areas),
        selectinload(Service.service_at_locations)
        .joinedload(ServiceAtLocation.location)
        .selectinload(Location.addresses),
    )


def list_services_for_results(service_ids: list[str]) -> dict[str, Service]:
    """Listed services with what a search result shows, keyed by id."""
    if not service_ids:
        return {}
    stmt = select(Service).where(Service.id.in_(service_ids), *listed_filter()).options(*_result_options())
    return {s.id: s for s in db.session.scalars(stmt)}


def list_services_by_id(service_ids: list[str], listed_only: bool = True) -> dict[str, Service]:
    """Services with everything a result or a page shows, keyed by id."""
    if not service_ids:
        return {}
    stmt = select(Service).where(Service.id.in_(service_ids)).options(*_options())
    if listed_only:
        stmt = stmt.where(*listed_filter())
    return {s.id: s for s in db.session.scalars(stmt)}


def get_service(service_id: str) -> Service | None:
    return db.session.scalar(select(Service).where(Service.id == service_id).options(*_options()))


OPEN_CACHE_KEY = "navigator.search.open_now"


def list_open_service_ids(at: datetime) -> frozenset[str]:
    """Services with an opening window covering this local time (service-level schedules).

    Kept for the rest of the minute in this app: "open now" is counted on every search and
    opening hours change rarely. Index updates in this process clear it (see
    reindex_services); other worker processes see an edit within a minute.
    """
    cache = current_app.extensions.setdefault(OPEN_CACHE_KEY, {})
    key = at.strftime("%Y-%m-%d %H:%M")
    cached = cache.get(key)
    if cached is None:
        if len(cache) > 16:
            cache.clear()
        cached = cache[key] = _open_ids(at)
    return cached


def _open_ids(at: datetime) -> frozenset[str]:
    day = WEEKDAY_CODES[at.weekday()]
    now = at.time().replace(tzinfo=None)
    stmt = select(Schedule.service_id).where(
        Schedule.service_id.is_not(None),
        Schedule.byday == day,
        and_(Schedule.opens_at <= now, Schedule.closes_at > now),
    )
    return frozenset(db.session.scalars(stmt))
