"""Mapping between directory models and Open Referral HSDS 3.0 / ORUK 3.0 JSON objects.

What is published, and what never is:
- only listed services (active, not deleted); callers filter, these functions map;
- confidential locations (refuges, safe houses) are left out entirely: no address, no
  point, not even their name, because any of them could reveal where someone is;
- nothing about people: no assurer emails, no user ids, no named contacts.

Our vocabularies (need categories, led-by, communities served, faith) are published as
HSDS taxonomies, and the terms on a service as HSDS `attribute` rows. HSDS wants UUIDs
for every id, so taxonomy and term ids are published as name-based UUIDs (uuid5) of our
stable internal ids ("need", "need:accommodation"); the API accepts either form.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime, time

from navigator.directory.models import (
    Address,
    Attribute,
    Language,
    Location,
    Organisation,
    Phone,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
)

HSDS_VERSION = "HSDS 3.0"
ORUK_PROFILE = "https://github.com/OpenReferralUK/uk-profile/blob/main/docs/index.md"
# Fixed forever: changing it would change every published taxonomy and term id.
ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://navigator.invalid/hsds/")
IMPORTED_TAXONOMY = "imported"


def taxonomy_uuid(taxonomy_id: str) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, "taxonomy:" + taxonomy_id))


def term_uuid(term_id: str) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, "term:" + term_id))


def derived_uuid(kind: str, key: str) -> str:
    """A stable UUID for a row we publish but do not store (e.g. a charity number)."""
    return str(uuid.uuid5(ID_NAMESPACE, f"{kind}:{key}"))


def _iso(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def _compact(obj: dict) -> dict:
    """Drop keys whose value is None: HSDS fields are optional, and null is not a string."""
    return {k: v for k, v in obj.items() if v is not None}


def taxonomy_to_hsds(taxonomy: Taxonomy) -> dict:
    return _compact({
        "id": taxonomy_uuid(taxonomy.id),
        "name": taxonomy.name,
        "description": taxonomy.description or "",
        "uri": taxonomy.uri,
        "version": taxonomy.version,
    })


def term_to_hsds(term: TaxonomyTerm, taxonomy: Taxonomy | None = None) -> dict:
    taxonomy = taxonomy or term.taxonomy
    return _compact({
        "id": term_uuid(term.id),
        "code": term.code,
        "name": term.name,
        "description": term.description or "",
        "parent_id": term_uuid(term.parent_id) if term.parent_id else None,
        "taxonomy": taxonomy.name if taxonomy else term.taxonomy_id,
        "taxonomy_id": taxonomy_uuid(term.taxonomy_id),
        "taxonomy_detail": taxonomy_to_hsds(taxonomy) if taxonomy else None,
        "language": "en",
        "term_uri": (taxonomy.uri + "/" + term.code) if taxonomy and taxonomy.uri else None,
    })


def attribute_to_hsds(attribute: Attribute, link_id: str) -> dict:
    term = attribute.taxonomy_term
    return _compact({
        "id": attribute.id,
        "link_id": link_id,
        "link_type": term.taxonomy_id,
        "link_entity": "service",
        "taxonomy_term_id": term_uuid(term.id),
        "value": attribute.value,
        "taxonomy_term": term_to_hsds(term),
    })


def organisation_to_hsds(org: Organisation) -> dict:
    identifiers = []
    if org.charity_number:
        identifiers.append({
            "id": derived_uuid("charity", org.id),
            "organization_id": org.id,
            "identifier_scheme": "GB-CHC",
            "identifier_type": "Registered charity number",
            "identifier": org.charity_number,
        })
    return _compact({
        "id": org.id,
        "name": org.name,
        "alternate_name": org.alternate_name,
        "description": org.description or "",
        "email": org.email,
        "website": org.website,
        "legal_status": org.legal_status,
        "organization_identifiers": identifiers,
    })


def address_to_hsds(address: Address) -> dict:
    return _compact({
        "id": address.id,
        "location_id": address.location_id,
        "attention": None,  # a named person: never published
        "address_1": address.address_1 or "",
        "address_2": address.address_2,
        "city": address.city or "",
        "region": address.region,
        "state_province": address.state_province or address.region or "",
        "postal_code": address.postal_code or "",
        "country": address.country or "GB",
        "address_type": address.address_type if address.address_type in (
            "physical", "postal", "virtual") else "physical",
    })


def location_to_hsds(location: Location) -> dict | None:
    """The location as HSDS, or None when it is confidential and must not be published."""
    if location.confidential:
        return None
    return _compact({
        "id": location.id,
        "location_type": location.location_type if location.location_type in (
            "physical", "postal", "virtual") else "physical",
        "organization_id": location.organization_id,
        "name": location.name,
        "description": location.description,
        "latitude": location.latitude,
        "longitude": location.longitude,
        "addresses": [address_to_hsds(a) for a in location.addresses],
    })


def phone_to_hsds(phone: Phone) -> dict:
    extension = phone.extension.strip() if phone.extension else ""
    return _compact({
        "id": phone.id,
        "service_id": phone.service_id,
        "organization_id": phone.organization_id,
        "location_id": phone.location_id,
        "number": phone.number,
        "extension": int(extension) if extension.isdigit() and len(extension) < 10 else None,
        "type": phone.type,
        "description": phone.description,
    })


def schedule_to_hsds(schedule: Schedule) -> dict:
    return _compact({
        "id": schedule.id,
        "service_id": schedule.service_id,
        "location_id": schedule.location_id,
        "freq": schedule.freq if schedule.freq in ("WEEKLY", "MONTHLY") else "WEEKLY",
        "interval": 1,
        "byday": schedule.byday,
        "opens_at": _iso(schedule.opens_at),
        "closes_at": _iso(schedule.closes_at),
        "description": schedule.description,
    })


def language_to_hsds(language: Language) -> dict:
    return _compact({
        "id": language.id,
        "service_id": language.service_id,
        "location_id": language.location_id,
        "name": language.name,
        "code": language.code,
        "note": language.note,
    })


def service_area_to_hsds(area: ServiceArea) -> dict:
    return _compact({
        "id": area.id,
        "service_id": area.service_id,
        "name": area.name,
        "description": area.description,
        "extent_type": area.extent_type.value if area.extent_type else None,
        "extent": area.lad_code,
        "uri": area.uri,
    })


def service_summary(service: Service) -> dict:
    """The one-to-one fields of a service (the ORUK list view)."""
    return _compact({
        "id": service.id,
        "organization_id": service.organization_id,
        "name": service.name,
        "alternate_name": service.alternate_name,
        "description": service.description or "",
        "url": service.url,
        "email": service.email,
        "status": service.status.value,
        "interpretation_services": service.interpretation_services,
        "application_process": service.application_process,
        "fees_description": service.fees_description,
        "eligibility_description": service.eligibility_description,
        "assured_date": _iso(service.last_verified_at),
        "last_modified": _iso(service.updated_at),
    })


def public_locations(service: Service) -> list[tuple[ServiceAtLocation, dict]]:
    out = []
    for sal in service.service_at_locations:
        location = location_to_hsds(sal.location)
        if location is not None:
            out.append((sal, location))
    return out


def service_to_hsds(service: Service) -> dict:
    """A fully nested service: organisation, locations, schedules, attributes, ..."""
    data = service_summary(service)
    data["organization"] = organisation_to_hsds(service.organisation)
    data["service_at_locations"] = [
        _compact({
            "id": sal.id,
            "service_id": service.id,
            "location_id": sal.location_id,
            "description": sal.description,
            "location": location,
        })
        for sal, location in public_locations(service)
    ]
    data["phones"] = [phone_to_hsds(p) for p in service.phones]
    data["schedules"] = [schedule_to_hsds(s) for s in service.schedules if s.location_id is None
                         or not _is_confidential(service, s.location_id)]
    data["languages"] = [language_to_hsds(lang) for lang in service.languages]
    data["service_areas"] = [service_area_to_hsds(a) for a in service.service_areas]
    data["attributes"] = [
        attribute_to_hsds(a, service.id)
        for a in sorted(service.attributes, key=lambda a: a.taxonomy_term_id)
    ]
    return data


def _is_confidential(service: Service, location_id: str) -> bool:
    return any(sal.location.confidential for sal in service.service_at_locations
               if sal.location_id == location_id)


def service_at_location_to_hsds(sal: ServiceAtLocation, location: dict, full: bool = False) -> dict:
    """A service at one (non-confidential) location; with `full`, the nested service too."""
    out = _compact({
        "id": sal.id,
        "service_id": sal.service_id,
        "location_id": sal.location_id,
        "description": sal.description,
        "location": location,
    })
    out["service"] = service_to_hsds(sal.service) if full else service_summary(sal.service)
    return out


def minimal_service(service: Service) -> dict:
    return {"id": service.id, "last_modified": _iso(service.updated_at)}


def page_envelope(contents: list, total_items: int, page: int, per_page: int) -> dict:
    """The ORUK paged envelope around a page of results."""
    total_pages = (total_items + per_page - 1) // per_page if per_page else 0
    return {
        "total_items": total_items,
        "total_pages": total_pages,
        "page_number": page,
        "size": len(contents),
        "first_page": page == 1,
        "last_page": page >= total_pages,
        "empty": not contents,
        "contents": contents,
    }
