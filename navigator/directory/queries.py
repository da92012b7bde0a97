"""Read-only queries over the directory (no commits here), and plain-value snapshots of
listings used for change logs, suggestion diffs and pre-filled forms."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import selectinload

from navigator.audit import AuditEvent
from navigator.auth.models import User
from navigator.directory.models import (
    Location,
    Organisation,
    Service,
    SuggestedEdit,
)
from navigator.directory.vocab import (
    LANGUAGE_NAMES,
    TAXONOMIES,
    WEEKDAYS,
    AreaType,
    Cost,
    Gender,
    GeocodeStatus,
    LinkStatus,
    ReferralRoute,
    ServiceStatus,
)
from navigator.errors import NotFound
from navigator.extensions import db

ATTENTION_FILTERS = {
    "unverified": "Verification due",
    "broken": "Broken website link",
    "ungeocoded": "Location not geocoded",
}


def list_organisation_choices() -> list[tuple[str, str]]:
    rows = db.session.execute(select(Organisation.id, Organisation.name).order_by(Organisation.name))
    return [(row.id, row.name) for row in rows]


def get_organisation_by_name(name: str) -> Organisation | None:
    return db.session.scalar(select(Organisation).where(Organisation.name == name))


def get_user_name(user_id: int | None) -> str | None:
    if user_id is None:
        return None
    return db.session.scalar(select(User.name).where(User.id == user_id))


# --------------------------------------------------------------------------- snapshots

def _text(value):
    return value if value else None


def schedule_rows(service: Service) -> list[dict]:
    rows = [{"byday": s.byday, "opens_at": s.opens_at.strftime("%H:%M") if s.opens_at else None,
             "closes_at": s.closes_at.strftime("%H:%M") if s.closes_at else None,
             "description": s.description or None} for s in service.schedules]
    order = [code for code, _ in WEEKDAYS]
    return sorted(rows, key=lambda r: (order.index(r["byday"]) if r["byday"] in order else 9,
                                       r["opens_at"] or ""))


def phone_rows(service: Service) -> list[dict]:
    return [{"number": p.number, "description": p.description or None} for p in service.phones]


def area_rows(service: Service) -> list[dict]:
    return [{"extent_type": AreaType(a.extent_type).value, "name": a.name, "lad_code": a.lad_code,
             "radius_miles": a.radius_miles} for a in service.service_areas]


def service_snapshot(service: Service) -> dict:
    """Every editable value of a service as plain JSON-friendly data (model field names)."""
    snap = {
        "name": service.name,
        "alternate_name": _text(service.alternate_name),
        "description": service.description or "",
        "url": _text(service.url),
        "email": _text(service.email),
        "application_process": _text(service.application_process),
        "eligibility_description": _text(service.eligibility_description),
        "fees_description": _text(service.fees_description),
        "interpretation_services": _text(service.interpretation_services),
        "capacity_note": _text(service.capacity_note),
        "status": ServiceStatus(service.status or ServiceStatus.ACTIVE).value,
        "cost": Cost(service.cost or Cost.FREE).value,
        "referral_route": ReferralRoute(service.referral_route or ReferralRoute.BOTH).value,
        "gender": Gender(service.gender or Gender.ANY).value,
        "accepts_sex_offence_convictions": service.accepts_sex_offence_convictions,
        "accepts_no_recourse_to_public_funds": service.accepts_no_recourse_to_public_funds,
        "languages": sorted(lang.code for lang in service.languages if lang.code),
        "schedules": schedule_rows(service),
        "phones": phone_rows(service),
        "service_areas": area_rows(service),
        "location_ids": sorted(sal.location_id for sal in service.service_at_locations),
    }
    for taxonomy in TAXONOMIES:
        snap[taxonomy] = sorted(a.taxonomy_term_id.split(":", 1)[1] for a in service.attributes
                                if a.taxonomy_term_id.startswith(taxonomy + ":"))
    return snap


def organisation_snapshot(org: Organisation) -> dict:
    return {
        "name": org.name,
        "alternate_name": _text(org.alternate_name),
        "description": org.description or "",
        "email": _text(org.email),
        "website": _text(org.website),
        "legal_status": _text(org.legal_status),
        "charity_number": _text(org.charity_number),
        "active": bool(org.active if org.active is not None else True),
    }


def location_snapshot(location: Location) -> dict:
    addr = location.address
    return {
        "name": _text(location.name),
        "description": _text(location.description),
        "location_type": location.location_type or "physical",
        "confidential": bool(location.confidential),
        "address_1": addr.address_1 if addr else None,
        "address_2": _text(addr.address_2) if addr else None,
        "city": addr.city if addr else None,
        "region": _text(addr.region) if addr else None,
        "postal_code": _text(addr.postal_code) if addr else None,
    }


# --------------------------------------------------------------------------- display of values

FIELD_LABELS = {
    "name": "Name", "alternate_name": "Other name", "description": "Description",
    "url": "Website", "website": "Website", "email": "Email address",
    "application_process": "How to refer", "eligibility_description": "Eligibility",
    "fees_description": "Fees", "interpretation_services": "Interpreting",
    "capacity_note": "Capacity", "status": "Status", "cost": "Cost",
    "referral_route": "Referral route", "gender": "Who it is for",
    "accepts_sex_offence_convictions": "Accepts people with sex-offence convictions",
    "accepts_no_recourse_to_public_funds": "Accepts people with no recourse to public funds",
    "need": "Need categories", "led-by": "Led by", "community": "Communities served",
    "faith": "Faith tradition", "languages": "Languages", "schedules": "Opening hours",
    "phones": "Phone numbers", "service_areas": "Service areas", "location_ids": "Locations",
    "legal_status": "Legal status", "charity_number": "Charity number", "active": "Active",
    "location_type": "Kind of location", "confidential": "Confidential address",
    "address_1": "Address line 1", "address_2": "Address line 2", "city": "Town or city",
    "region": "County", "postal_code": "Postcode",
}
_ENUM_LABELS = {"status": ServiceStatus, "cost": Cost, "referral_route": ReferralRoute, "gender": Gender}
_DAY_NAMES = dict(WEEKDAYS)


def display_value(field: str, value, location_names: dict[str, str] | None = None) -> str:
    """A value as a person would read it ('Not known', term names, '09:00 to 17:00')."""
    if field in _ENUM_LABELS and value:
        try:
            return _ENUM_LABELS[field](value).label
        except ValueError:
            return str(value)
    if field.startswith("accepts_") or field in ("active", "confidential"):
        return {True: "Yes", False: "No"}.get(value, "Not known")
    if field in TAXONOMIES:
        names = dict(TAXONOMIES[field][1])
        return ", ".join(names.get(code, code) for code in value or []) or "None"
    if field == "languages":
        return ", ".join(LANGUAGE_NAMES.get(code, code) for code in value or []) or "None"
    if field == "schedules":
        return "; ".join(f"{_DAY_NAMES.get(r['byday'], r['byday'])} {r['opens_at']} to {r['closes_at']}"
                         for r in value or []) or "None given"
    if field == "phones":
        return "; ".join(r["number"] + (f" ({r['description']})" if r.get("description") else "")
                         for r in value or []) or "None"
    if field == "service_areas":
        parts = []
        for r in value or []:
            kind = AreaType(r["extent_type"]).label
            detail = f"{r['radius_miles']:g} miles" if r.get("radius_miles") else (r.get("name") or "")
            parts.append(f"{kind}: {detail}" if detail and detail != kind else kind)
        return "; ".join(parts) or "None"
    if field == "location_ids":
        names = location_names or {}
        return ", ".join(names.get(x, "another location") for x in value or []) or "None"
    if value in (None, ""):
        return "Not given"
    return str(value)


# --------------------------------------------------------------------------- organisations

@dataclass
class OrganisationRow:
    organisation: Organisation
    services: int
    due: int
    broken: int
    ungeocoded: int


def verification_cutoff(today: date, period_days: int) -> date:
    return today - timedelta(days=period_days)


def _due_clause(cutoff: date):
    return and_(Service.deleted_at.is_(None), Service.status != ServiceStatus.DEFUNCT,
                or_(Service.last_verified_at.is_(None), Service.last_verified_at < cutoff))


def list_organisations(name: str = "", attention: str = "", *, today: date, period_days: int,
                       page: int = 1, per_page: int = 50) -> tuple[list[OrganisationRow], int]:
    """Organisations by name, optionally only those needing attention; returns (rows, total)."""
    cutoff = verification_cutoff(today, period_days)
    query = select(Organisation)
    if name:
        pattern = "%" + name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(or_(Organisation.name.ilike(pattern, escape="\\"),
                                Organisation.alternate_name.ilike(pattern, escape="\\")))
    due_exists = exists().where(Service.organization_id == Organisation.id, _due_clause(cutoff))
    broken_exists = exists().where(Service.organization_id == Organisation.id,
                                   Service.deleted_at.is_(None), Service.link_status == LinkStatus.BROKEN)
    ungeo_exists = exists().where(Location.organization_id == Organisation.id,
                                  Location.geocode_status == GeocodeStatus.UNRESOLVED)
    if attention == "unverified":
        query = query.where(due_exists)
    elif attention == "broken":
        query = query.where(broken_exists)
    elif attention == "ungeocoded":
        query = query.where(ungeo_exists)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    orgs = list(db.session.scalars(query.order_by(func.lower(Organisation.name), Organisation.id)
                                   .offset((max(page, 1) - 1) * per_page).limit(per_page)
                                   .options(selectinload(Organisation.services),
                                            selectinload(Organisation.locations))))
    rows = []
    for org in orgs:
        services = [s for s in org.services if s.deleted_at is None]
        rows.append(OrganisationRow(
            organisation=org,
            services=len(services),
            due=sum(1 for s in services if _is_due(s, cutoff)),
            broken=sum(1 for s in services if s.link_status == LinkStatus.BROKEN),
            ungeocoded=sum(1 for loc in org.locations if loc.geocode_status == GeocodeStatus.UNRESOLVED),
        ))
    return rows, total or 0


def _is_due(service: Service, cutoff: date) -> bool:
    if service.status == ServiceStatus.DEFUNCT:
        return False
    return service.last_verified_at is None or service.last_verified_at < cutoff


def get_organisation(org_id: str) -> Organisation:
    org = db.session.get(Organisation, org_id)
    if org is None:
        raise NotFound("Organisation not found")
    return org


def get_service(service_id: str) -> Service:
    service = db.session.get(Service, service_id)
    if service is None or service.deleted_at is not None:
        raise NotFound("Service not found")
    return service


def get_location(location_id: str) -> Location:
    location = db.session.get(Location, location_id)
    if location is None:
        raise NotFound("Location not found")
    return location


def list_location_choices(org_id: str) -> list[tuple[str, str]]:
    rows = db.session.scalars(select(Location).where(Location.organization_id == org_id)
                              .order_by(Location.name))
    out = []
    for loc in rows:
        label = loc.name or (loc.address.one_line() if loc.address else "Unnamed location")
        if loc.address and loc.name and not loc.confidential:
            label = f"{loc.name} – {loc.address.one_line()}"
        if loc.confidential:
            label += " (confidential address)"
        out.append((loc.id, label))
    return out


# --------------------------------------------------------------------------- verification queue

def list_verification_due(today: date, period_days: int, limit: int = 200) -> list[Service]:
    """Services never verified or last verified before the review period, oldest first."""
    cutoff = verification_cutoff(today, period_days)
    return list(db.session.scalars(
        select(Service).where(_due_clause(cutoff))
        .order_by(Service.last_verified_at.is_not(None), Service.last_verified_at, Service.name)
        .options(selectinload(Service.organisation)).limit(limit)))


def count_verification_due(today: date, period_days: int) -> int:
    cutoff = verification_cutoff(today, period_days)
    return db.session.scalar(select(func.count()).select_from(Service).where(_due_clause(cutoff))) or 0


def list_broken_links() -> list[Service]:
    return list(db.session.scalars(
        select(Service).where(Service.deleted_at.is_(None), Service.link_status == LinkStatus.BROKEN)
        .order_by(Service.name).options(selectinload(Service.organisation))))


def list_ungeocoded_locations() -> list[Location]:
    return list(db.session.scalars(
        select(Location).where(Location.geocode_status == GeocodeStatus.UNRESOLVED)
        .order_by(Location.name).options(selectinload(Location.organisation))))


def list_services_with_links() -> list[tuple[str, str]]:
    """(service id, url) for every service that has a website, for the link checker."""
    rows = db.session.execute(select(Service.id, Service.url).where(
        Service.deleted_at.is_(None), Service.url.is_not(None), Service.url != "").order_by(Service.id))
    return [(row.id, row.url) for row in rows]


# --------------------------------------------------------------------------- change log

@dataclass
class HistoryEntry:
    at: object
    action: str
    actor: str
    changes: dict
    detail: dict


ACTION_LABELS = {
    "organisation.create": "Organisation created",
    "organisation.update": "Organisation changed",
    "service.create": "Service created",
    "service.update": "Service changed",
    "service.status": "Status changed",
    "service.verify": "Verified",
    "service.link_check": "Website link checked",
    "location.create": "Location created",
    "location.update": "Location changed",
    "suggestion.submit": "Change suggested",
    "suggestion.accept": "Suggestion accepted",
    "suggestion.reject": "Suggestion rejected",
}


def _readable_change(field: str, change) -> dict:
    if not isinstance(change, dict):
        return {"from": None, "to": str(change)}
    def show(value):
        if value in (None, "", []) or value == "(confidential)":
            return value
        try:
            return display_value(field, value)
        except (KeyError, TypeError, ValueError):
            return str(value)
    return {"from": show(change.get("from")), "to": show(change.get("to"))}


def list_history(target_type: str, target_id: str) -> list[HistoryEntry]:
    """The listing's change log, newest first, from the audit log."""
    rows = db.session.execute(
        select(AuditEvent, User.name).outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.target_type == target_type, AuditEvent.target_id == str(target_id),
               AuditEvent.action.in_(list(ACTION_LABELS)))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()))
    out = []
    for event, actor_name in rows:
        detail = event.detail_dict
        changes = {field: _readable_change(field, change)
                   for field, change in (detail.pop("changes", {}) or {}).items()}
        out.append(HistoryEntry(at=event.at, action=ACTION_LABELS.get(event.action, event.action),
                                actor=actor_name or "System", changes=changes, detail=detail))
    return out


# --------------------------------------------------------------------------- suggestions

def list_suggestions(status: str = "pending", submitted_by_id: int | None = None,
                     limit: int = 200) -> list[SuggestedEdit]:
    query = select(SuggestedEdit).options(selectinload(SuggestedEdit.submitted_by))
    if status:
        query = query.where(SuggestedEdit.status == status)
    if submitted_by_id is not None:
        query = query.where(SuggestedEdit.submitted_by_id == submitted_by_id)
    order = SuggestedEdit.submitted_at if status == "pending" else SuggestedEdit.submitted_at.desc()
    return list(db.session.scalars(query.order_by(order, SuggestedEdit.id).limit(limit)))


def get_suggestion(suggestion_id: int) -> SuggestedEdit:
    suggestion = db.session.get(SuggestedEdit, suggestion_id)
    if suggestion is None:
        raise NotFound("Suggestion not found")
    return suggestion


def suggestion_target_names(suggestions: list[SuggestedEdit]) -> dict[int, str]:
    """Suggestion id -> the name of the listing it is about (for queue tables)."""
    service_ids = [s.target_id for s in suggestions if s.target_type == "service"]
    org_ids = [s.target_id for s in suggestions if s.target_type == "new_service"]
    services = dict(db.session.execute(select(Service.id, Service.name)
                                       .where(Service.id.in_(service_ids))).all()) if service_ids else {}
    orgs = dict(db.session.execute(select(Organisation.id, Organisation.name)
                                   .where(Organisation.id.in_(org_ids))).all()) if org_ids else {}
    out = {}
    for s in suggestions:
        if s.target_type == "new_service":
            proposed = json.loads(s.proposed or "{}")
            out[s.id] = f"New service ‘{proposed.get('name', '')}’ at {orgs.get(s.target_id, 'unknown')}"
        else:
            out[s.id] = services.get(s.target_id, "Unknown service")
    return out


def suggestion_comparison(suggestion: SuggestedEdit) -> list[dict]:
    """Rows of field, current value and proposed value, for side-by-side review."""
    proposed = json.loads(suggestion.proposed or "{}")
    current = {}
    location_names: dict[str, str] = {}
    if suggestion.target_type == "service":
        service = db.session.get(Service, suggestion.target_id)
        if service is not None:
            current = service_snapshot(service)
            location_names = dict(list_location_choices(service.organization_id))
    rows = []
    for field, value in proposed.items():
        now = current.get(field)
        rows.append({
            "field": field,
            "label": FIELD_LABELS.get(field, field),
            "current": display_value(field, now, location_names) if current else "",
            "proposed": display_value(field, value, location_names),
            "changed": not current or now != value,
        })
    order = list(FIELD_LABELS)
    return sorted(rows, key=lambda r: order.index(r["field"]) if r["field"] in order else 999)
