"""Read-only queries behind the open API and the exports (no commits here).

Only listed services are ever returned: active and not deleted. Confidential locations
are excluded from every location query.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import selectinload

from navigator.directory.interop.hsds import taxonomy_uuid, term_uuid
from navigator.directory.models import (
    Attribute,
    Location,
    Organisation,
    Service,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
)
from navigator.directory.vocab import ServiceStatus
from navigator.extensions import db

EARTH_RADIUS_M = 6_371_008.8


@dataclass
class ServiceFilter:
    """What a caller asked for; every field optional. Ids are internal (already resolved)."""

    search: str | None = None
    term_ids: list[str] | None = None  # None: no filter; []: matches nothing
    taxonomy_ids: list[str] | None = None
    organization_id: str | None = None
    modified_after: datetime | None = None
    service_ids: list[str] | None = None
    extra: dict = field(default_factory=dict)


def _listed():
    return and_(Service.deleted_at.is_(None), Service.status == ServiceStatus.ACTIVE)


def _apply(stmt: Select, flt: ServiceFilter) -> Select:
    stmt = stmt.where(_listed())
    if flt.search:
        needle = flt.search.lower()
        org_match = exists().where(
            Organisation.id == Service.organization_id,
            func.lower(Organisation.name).contains(needle, autoescape=True),
        )
        stmt = stmt.where(or_(
            func.lower(Service.name).contains(needle, autoescape=True),
            func.lower(Service.description).contains(needle, autoescape=True),
            org_match,
        ))
    if flt.term_ids is not None:
        stmt = stmt.where(exists().where(
            Attribute.service_id == Service.id, Attribute.taxonomy_term_id.in_(flt.term_ids or [""])))
    if flt.taxonomy_ids is not None:
        stmt = stmt.where(exists().where(
            Attribute.service_id == Service.id,
            Attribute.taxonomy_term_id == TaxonomyTerm.id,
            TaxonomyTerm.taxonomy_id.in_(flt.taxonomy_ids or [""]),
        ))
    if flt.organization_id:
        stmt = stmt.where(Service.organization_id == flt.organization_id)
    if flt.modified_after is not None:
        stmt = stmt.where(Service.updated_at >= flt.modified_after)
    if flt.service_ids is not None:
        stmt = stmt.where(Service.id.in_(flt.service_ids or [""]))
    return stmt


def _full_options():
    return (
        selectinload(Service.organisation),
        selectinload(Service.service_at_locations).selectinload(ServiceAtLocation.location)
        .selectinload(Location.addresses),
        selectinload(Service.attributes),
        selectinload(Service.languages),
        selectinload(Service.schedules),
        selectinload(Service.service_areas),
        selectinload(Service.phones),
    )


def count_services(flt: ServiceFilter) -> int:
    return db.session.scalar(_apply(select(func.count(Service.id)), flt)) or 0


def list_services(flt: ServiceFilter, offset: int = 0, limit: int | None = None,
                  full: bool = False) -> list[Service]:
    stmt = _apply(select(Service), flt).order_by(Service.name, Service.id).offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    if full:
        stmt = stmt.options(*_full_options())
    return list(db.session.scalars(stmt))


def list_service_ids(flt: ServiceFilter) -> list[str]:
    return list(db.session.scalars(_apply(select(Service.id), flt).order_by(Service.name, Service.id)))


def get_listed_service(service_id: str) -> Service | None:
    stmt = select(Service).where(Service.id == service_id, _listed()).options(*_full_options())
    return db.session.scalar(stmt)


def _sal_base(flt: ServiceFilter) -> Select:
    stmt = (select(ServiceAtLocation).join(Service, ServiceAtLocation.service_id == Service.id)
            .join(Location, ServiceAtLocation.location_id == Location.id)
            .where(Location.confidential.is_(False)))
    return _apply(stmt, flt)


def count_service_at_locations(flt: ServiceFilter) -> int:
    stmt = _sal_base(flt).with_only_columns(func.count(ServiceAtLocation.id))
    return db.session.scalar(stmt) or 0


def list_service_at_locations(flt: ServiceFilter, offset: int, limit: int) -> list[ServiceAtLocation]:
    stmt = (_sal_base(flt).order_by(Service.name, Location.name, ServiceAtLocation.id)
            .offset(offset).limit(limit)
            .options(selectinload(ServiceAtLocation.location).selectinload(Location.addresses)))
    return list(db.session.scalars(stmt))


def nearby_service_at_locations(flt: ServiceFilter, latitude: float, longitude: float,
                                within_m: float | None) -> list[tuple[ServiceAtLocation, float]]:
    """Every matching service-at-location with a point, nearest first, with its distance."""
    stmt = _sal_base(flt).where(Location.latitude.is_not(None), Location.longitude.is_not(None))
    if within_m is not None:
        # A bounding box lets the database discard most rows before the exact distance.
        dlat = math.degrees(within_m / EARTH_RADIUS_M)
        dlon = dlat / max(math.cos(math.radians(latitude)), 0.01)
        stmt = stmt.where(Location.latitude.between(latitude - dlat, latitude + dlat),
                          Location.longitude.between(longitude - dlon, longitude + dlon))
    stmt = stmt.options(selectinload(ServiceAtLocation.location).selectinload(Location.addresses))
    out = []
    for sal in db.session.scalars(stmt):
        distance = haversine_m(latitude, longitude, sal.location.latitude, sal.location.longitude)
        if within_m is None or distance <= within_m:
            out.append((sal, distance))
    out.sort(key=lambda pair: (pair[1], pair[0].id))
    return out


def get_public_service_at_location(sal_id: str) -> ServiceAtLocation | None:
    return db.session.scalar(_sal_base(ServiceFilter()).where(ServiceAtLocation.id == sal_id))


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


# --- taxonomies -------------------------------------------------------------------------

def list_taxonomies(search: str | None = None) -> list[Taxonomy]:
    stmt = select(Taxonomy).order_by(Taxonomy.name, Taxonomy.id)
    if search:
        stmt = stmt.where(func.lower(Taxonomy.name).contains(search.lower(), autoescape=True))
    return list(db.session.scalars(stmt))


def list_terms(search: str | None = None, taxonomy_ids: list[str] | None = None,
               parent_id: str | None = None) -> list[TaxonomyTerm]:
    stmt = select(TaxonomyTerm).options(selectinload(TaxonomyTerm.taxonomy)).order_by(
        TaxonomyTerm.taxonomy_id, TaxonomyTerm.name, TaxonomyTerm.id)
    if search:
        stmt = stmt.where(func.lower(TaxonomyTerm.name).contains(search.lower(), autoescape=True))
    if taxonomy_ids is not None:
        stmt = stmt.where(TaxonomyTerm.taxonomy_id.in_(taxonomy_ids or [""]))
    if parent_id is not None:
        stmt = stmt.where(TaxonomyTerm.parent_id == parent_id)
    return list(db.session.scalars(stmt))


def resolve_taxonomy_ids(published_or_internal: str) -> list[str]:
    """Internal taxonomy ids matching a published UUID or an internal id ([] if none)."""
    value = published_or_internal.strip()
    ids = list(db.session.scalars(select(Taxonomy.id)))
    return [t for t in ids if value in (t, taxonomy_uuid(t))]


def resolve_term_ids(published_or_internal: str) -> list[str]:
    """Internal term ids matching a published UUID or an internal id ([] if none)."""
    value = published_or_internal.strip()
    if db.session.get(TaxonomyTerm, value) is not None:
        return [value]
    ids = list(db.session.scalars(select(TaxonomyTerm.id)))
    return [t for t in ids if term_uuid(t) == value]


def get_taxonomy(published_or_internal: str) -> Taxonomy | None:
    ids = resolve_taxonomy_ids(published_or_internal)
    return db.session.get(Taxonomy, ids[0]) if ids else None


def get_term(published_or_internal: str) -> TaxonomyTerm | None:
    ids = resolve_term_ids(published_or_internal)
    return db.session.get(TaxonomyTerm, ids[0]) if ids else None
