"""Turn a Service (with its organisation, terms, languages and places) into an index document.

The document is plain data: the text to match and the facet tags, nothing personal and
nothing confidential (a confidential location contributes no address text).
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from navigator.directory.models import Location, Organisation, Service, ServiceAtLocation
from navigator.directory.vocab import LANGUAGE_NAMES, ServiceStatus
from navigator.extensions import db

# Facet name in URLs and the index -> taxonomy id of the service's attributes.
TAXONOMY_FACETS = {"need": "need", "led_by": "led-by", "community": "community", "faith": "faith"}
FIELD_FACETS = ("language", "gender", "cost", "route")
COMPUTED_FACETS = ("open_now",)
FACETS = (*TAXONOMY_FACETS, *FIELD_FACETS, *COMPUTED_FACETS)


@dataclass
class ServiceDocument:
    service_id: str
    name: str
    body: str
    tags: list[str] = field(default_factory=list)


def tag(facet: str, value: str) -> str:
    return f"{facet}:{value}"


def service_document(service: Service) -> ServiceDocument:
    """Index text and facet tags for one listed service."""
    org = service.organisation
    parts = [service.alternate_name, org.name if org else None, org.alternate_name if org else None,
             service.description, service.eligibility_description, service.application_process,
             service.interpretation_services]
    tags: list[str] = []
    by_taxonomy = {taxonomy: facet for facet, taxonomy in TAXONOMY_FACETS.items()}
    for attribute in service.attributes:
        term = attribute.taxonomy_term
        facet = by_taxonomy.get(term.taxonomy_id)
        if facet:
            tags.append(tag(facet, term.code))
            parts.append(term.name)
    for language in service.languages:
        code = (language.code or "").strip().lower()
        if code:
            tags.append(tag("language", code))
        parts.append(language.name or LANGUAGE_NAMES.get(code, ""))
    tags += [tag("gender", service.gender.value), tag("cost", service.cost.value),
             tag("route", service.referral_route.value)]
    for sal in service.service_at_locations:
        location = sal.location
        if location is None or location.confidential:
            continue  # a refuge's whereabouts must not be findable by text either
        parts.append(location.name)
        address = location.address
        if address is not None:
            parts.append(address.city)
    for area in service.service_areas:
        parts.append(area.name)
    body = "\n".join(p for p in parts if p)
    return ServiceDocument(service.id, service.name, body, sorted(set(tags)))


def _load_options():
    return (
        selectinload(Service.organisation),
        selectinload(Service.attributes),
        selectinload(Service.languages),
        selectinload(Service.service_areas),
        selectinload(Service.service_at_locations)
        .selectinload(ServiceAtLocation.location)
        .selectinload(Location.addresses),
    )


def listed_filter():
    """SQL condition for services search may show (active, not deleted, organisation active)."""
    return (
        Service.deleted_at.is_(None),
        Service.status == ServiceStatus.ACTIVE,
        Service.organization_id.in_(select(Organisation.id).where(Organisation.active.is_(True))),
    )


def documents_for(service_ids: Iterable[str]) -> tuple[list[ServiceDocument], list[str]]:
    """Documents for the listed services among these ids, and the ids to remove."""
    ids = list(dict.fromkeys(i for i in service_ids if i))
    documents: list[ServiceDocument] = []
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        stmt = select(Service).where(Service.id.in_(chunk), *listed_filter()).options(*_load_options())
        documents += [service_document(s) for s in db.session.scalars(stmt)]
    found = {d.service_id for d in documents}
    return documents, [i for i in ids if i not in found]


def all_documents(batch: int = 1000) -> Iterator[ServiceDocument]:
    """Every listed service, in batches so a national directory never sits in memory at once."""
    last_id = ""
    while True:
        stmt = (select(Service).where(Service.id > last_id, *listed_filter())
                .order_by(Service.id).limit(batch).options(*_load_options()))
        services = list(db.session.scalars(stmt))
        if not services:
            return
        for service in services:
            yield service_document(service)
        last_id = services[-1].id
        # Keep memory flat on a national directory; only the rows loaded here are let go.
        for service in services:
            if service not in db.session.dirty and service not in db.session.new:
                db.session.expunge(service)
