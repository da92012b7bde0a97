"""Directory use cases: create and change listings, verify them, review suggested edits.

Each public function takes plain values and the acting user's id, validates, records who
and when (updated_by/updated_at plus an audit event naming the changed fields), owns its
commit and then asks the search index to refresh the affected services. Lost updates are
refused: callers pass the version they loaded and get Conflict if the row moved on.

Raises navigator.errors.ValidationError (field -> messages), NotFound, NotAuthorized, Conflict.
"""
from __future__ import annotations

import enum
import json
import logging
import re
from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm.exc import StaleDataError

from navigator import audit
from navigator.auth.models import Role, User
from navigator.directory import queries
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
from navigator.errors import Conflict, NotAuthorized, NotFound, ValidationError
from navigator.extensions import db
from navigator.times import utcnow
from navigator.validation import CONTROL_CHARS

log = logging.getLogger(__name__)

PROBLEM = "There is a problem"
CONFLICT_MESSAGE = ("Someone else changed this listing after you opened it. "
                    "Your changes have not been saved yet.")
TEXT_MAX = 10_000
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
LAD_CODE_RE = re.compile(r"^[EWSN]\d{8}$")
CHARITY_RE = re.compile(r"^[A-Za-z0-9 -]{1,20}$")
TIME_RE = re.compile(r"^([01]?\d|2[0-3])[:.]?([0-5]\d)$")
DAY_CODES = [code for code, _ in WEEKDAYS]
TAXONOMY_KEYS = tuple(TAXONOMIES)
LOCATION_TYPES = ("physical", "postal", "virtual")

# Field name -> (label, max length or None for long text). Labels feed error messages.
ORGANISATION_TEXT = {
    "name": ("Name", 255),
    "alternate_name": ("Other name", 255),
    "description": ("Description", TEXT_MAX),
    "email": ("Email address", 254),
    "website": ("Website", 2000),
    "legal_status": ("Legal status", 120),
    "charity_number": ("Charity number", 20),
}
SERVICE_TEXT = {
    "name": ("Name", 255),
    "alternate_name": ("Other name", 255),
    "description": ("Description", TEXT_MAX),
    "url": ("Website", 2000),
    "email": ("Email address", 254),
    "application_process": ("How to refer", TEXT_MAX),
    "eligibility_description": ("Eligibility", TEXT_MAX),
    "fees_description": ("Fees", TEXT_MAX),
    "interpretation_services": ("Interpreting", TEXT_MAX),
    "capacity_note": ("Capacity", 255),
}
SERVICE_ENUMS = {
    "status": (ServiceStatus, "Select the service's status"),
    "cost": (Cost, "Select what the service costs"),
    "referral_route": (ReferralRoute, "Select how people are referred"),
    "gender": (Gender, "Select who the service is for"),
}
SERVICE_TRISTATE = ("accepts_sex_offence_convictions", "accepts_no_recourse_to_public_funds")
LOCATION_TEXT = {
    "name": ("Name", 255),
    "description": ("Description", TEXT_MAX),
}
ADDRESS_TEXT = {
    "address_1": ("Address line 1", 255),
    "address_2": ("Address line 2", 255),
    "city": ("Town or city", 120),
    "region": ("County", 120),
    "postal_code": ("Postcode", 10),
}
SUGGESTION_STATUSES = ("pending", "accepted", "rejected")
MAX_ROWS = {"schedules": 50, "phones": 10, "service_areas": 20}
FIELD_NOUNS = {"schedules": "opening times", "phones": "phone numbers", "service_areas": "service areas"}


# --------------------------------------------------------------------------- helpers

def _reindex(service_ids: Iterable[str]) -> None:
    """Refresh the search index after commit; the index is disposable, so never fail the edit."""
    ids = sorted({sid for sid in service_ids if sid})
    if not ids:
        return
    try:
        from navigator.directory.search import reindex_services
    except ImportError:  # search area not installed yet: a rebuild will catch up
        log.warning("search index not available; %d services await reindexing", len(ids))
        return
    try:
        reindex_services(ids)
    except Exception:  # noqa: BLE001 - the contract says it never raises; belt and braces
        log.exception("reindex failed for %d services", len(ids))


def _commit(conflict_message: str = CONFLICT_MESSAGE) -> None:
    """Commit, turning a concurrent write detected by the version column into Conflict."""
    try:
        db.session.commit()
    except StaleDataError as exc:
        db.session.rollback()
        raise Conflict(conflict_message) from exc


def _check_version(row, expected_version: int | None) -> None:
    if expected_version is None:
        return
    try:
        expected = int(expected_version)
    except (TypeError, ValueError):
        raise ValidationError(PROBLEM, {"version": ["The form is out of date; reload the page"]}) from None
    if row.version != expected:
        raise Conflict(CONFLICT_MESSAGE)


def _clean_text(data: dict, spec: dict, errors: dict, required: Iterable[str] = ()) -> dict:
    """Trim the text fields present in data, check length and control characters."""
    out: dict[str, Any] = {}
    for key, (label, max_len) in spec.items():
        if key not in data:
            continue
        value = data[key]
        if value is None:
            value = ""
        if not isinstance(value, str):
            errors.setdefault(key, []).append(f"{label} must be text")
            continue
        value = value.strip()
        if CONTROL_CHARS.search(value):
            errors.setdefault(key, []).append(f"{label} must not contain control characters")
        elif len(value) > max_len:
            errors.setdefault(key, []).append(f"{label} must be {max_len:,} characters or fewer")
        out[key] = value or None
    for key in required:
        if key in data and not out.get(key) and key not in errors:
            errors.setdefault(key, []).append(f"Enter the {spec[key][0].lower()}")
    return out


def _check_web_and_email(clean: dict, errors: dict, url_key: str) -> None:
    url = clean.get(url_key)
    if url and not re.match(r"^https?://[^\s/$.?#][^\s]*$", url, re.IGNORECASE):
        errors.setdefault(url_key, []).append(
            "Enter a full web address starting with https:// or http://")
    email = clean.get("email")
    if email and not EMAIL_RE.match(email):
        errors.setdefault("email", []).append(
            "Enter an email address in the correct format, like name@example.org")


def _as_bool(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "y", "on"}
    return bool(value)


def _as_tristate(value) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in {"unknown", "none"}:
            return None
        return lowered in {"1", "true", "yes", "y", "on"}
    return bool(value)


def _as_list(value) -> list:
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value else []
    return list(value)


def _parse_time(value, label: str, key: str, errors: dict) -> time | None:
    if value in (None, ""):
        return None
    if isinstance(value, time):
        return value
    match = TIME_RE.match(str(value).strip())
    if not match:
        errors.setdefault(key, []).append(f"{label} must be a time like 09:30 or 17:00")
        return None
    return time(int(match.group(1)), int(match.group(2)))


def _audit_value(value):
    if isinstance(value, (date, datetime, time)):
        return value.isoformat()
    return value


def _diff(before: dict, after: dict) -> dict[str, dict]:
    return {key: {"from": _audit_value(before.get(key)), "to": _audit_value(after.get(key))}
            for key in after if before.get(key) != after.get(key)}


def _get_organisation(org_id: str) -> Organisation:
    org = db.session.get(Organisation, org_id) if org_id else None
    if org is None:
        raise NotFound("Organisation not found")
    return org


def _get_service(service_id: str) -> Service:
    service = db.session.get(Service, service_id) if service_id else None
    if service is None or service.deleted_at is not None:
        raise NotFound("Service not found")
    return service


def _get_location(location_id: str) -> Location:
    location = db.session.get(Location, location_id) if location_id else None
    if location is None:
        raise NotFound("Location not found")
    return location


# --------------------------------------------------------------------------- organisations

def _clean_organisation(data: dict, creating: bool) -> dict:
    errors: dict[str, list[str]] = {}
    if creating:
        data = {"name": "", **data}
    clean = _clean_text(data, ORGANISATION_TEXT, errors, required=("name",))
    _check_web_and_email(clean, errors, "website")
    if clean.get("charity_number") and not CHARITY_RE.match(clean["charity_number"]):
        errors.setdefault("charity_number", []).append(
            "Charity number must contain only letters, numbers and spaces")
    if "description" in clean:
        clean["description"] = clean["description"] or ""
    if "active" in data:
        clean["active"] = _as_bool(data["active"])
    if errors:
        raise ValidationError(PROBLEM, errors)
    return clean


def create_organisation(data: dict, actor_id: int | None) -> Organisation:
    """Create an organisation from plain values. Raises ValidationError."""
    clean = _clean_organisation(data, creating=True)
    org = Organisation(created_by_id=actor_id, updated_by_id=actor_id, **clean)
    org.description = org.description or ""
    db.session.add(org)
    db.session.flush()
    audit.record(db.session, actor_id, "organisation.create", "organisation", org.id,
                 name=org.name, changes=_diff({}, queries.organisation_snapshot(org)))
    db.session.commit()
    return org


def update_organisation(org_id: str, data: dict, expected_version: int | None,
                        actor_id: int | None) -> Organisation:
    """Change an organisation's details (including `active` to deactivate it).

    Raises NotFound, ValidationError, Conflict (someone else saved since expected_version).
    """
    org = _get_organisation(org_id)
    _check_version(org, expected_version)
    clean = _clean_organisation(data, creating=False)
    with db.session.no_autoflush:
        before = queries.organisation_snapshot(org)
        for key, value in clean.items():
            setattr(org, key, value)
        changes = _diff(before, queries.organisation_snapshot(org))
        if changes:
            org.updated_by_id = actor_id
            org.updated_at = utcnow()
            audit.record(db.session, actor_id, "organisation.update", "organisation", org.id,
                         changes=changes)
    service_ids = [s.id for s in org.services]
    _commit()
    if changes:
        _reindex(service_ids)
    return org


# --------------------------------------------------------------------------- services

def _clean_terms(data: dict, errors: dict) -> dict[str, list[str]]:
    out = {}
    for taxonomy in TAXONOMY_KEYS:
        if taxonomy not in data:
            continue
        valid = {code for code, _ in TAXONOMIES[taxonomy][1]}
        codes = []
        for raw in _as_list(data[taxonomy]):
            code = str(raw).strip()
            code = code.split(":", 1)[1] if code.startswith(taxonomy + ":") else code
            if code not in valid:
                errors.setdefault(taxonomy, []).append(f"‘{code[:40]}’ is not a known option")
            elif code not in codes:
                codes.append(code)
        out[taxonomy] = sorted(codes)
    return out


def _clean_schedules(rows, errors: dict) -> list[dict]:
    out = []
    for index, row in enumerate(_as_list(rows)):
        day = (row.get("byday") or "").upper()
        day_name = dict(WEEKDAYS).get(day)
        if day_name is None:
            errors.setdefault("schedules", []).append("Opening hours must name a day of the week")
            continue
        key = f"schedules-{index}"
        opens = _parse_time(row.get("opens_at"), f"{day_name} opening time", key, errors)
        closes = _parse_time(row.get("closes_at"), f"{day_name} closing time", key, errors)
        if key in errors:
            continue
        if opens is None and closes is None:
            continue
        if opens is None or closes is None:
            errors.setdefault(key, []).append(f"Enter both an opening and a closing time for {day_name}")
            continue
        if closes <= opens:
            errors.setdefault(key, []).append(f"{day_name} closing time must be after the opening time")
            continue
        description = (row.get("description") or "").strip() or None
        out.append({"byday": day, "opens_at": opens.strftime("%H:%M"),
                    "closes_at": closes.strftime("%H:%M"), "description": description})
    return sorted(out, key=lambda r: (DAY_CODES.index(r["byday"]), r["opens_at"]))


def _clean_phones(rows, errors: dict) -> list[dict]:
    out = []
    for index, row in enumerate(_as_list(rows)):
        number = (row.get("number") or "").strip()
        description = (row.get("description") or "").strip() or None
        if not number and not description:
            continue
        key = f"phones-{index}"
        if not number:
            errors.setdefault(key, []).append("Enter the phone number or clear its description")
        elif not re.match(r"^\+?[0-9 ()-]{6,40}$", number):
            errors.setdefault(key, []).append(
                "Enter a phone number using digits, spaces and brackets only, like 01922 123456")
        if description and (len(description) > 255 or CONTROL_CHARS.search(description)):
            errors.setdefault(key, []).append("Phone description must be 255 plain characters or fewer")
        if key not in errors:
            out.append({"number": number, "description": description})
    return out


def _clean_areas(rows, errors: dict) -> list[dict]:
    out = []
    for index, row in enumerate(_as_list(rows)):
        kind = (row.get("extent_type") or "").strip()
        name = (row.get("name") or "").strip()
        lad_code = (row.get("lad_code") or "").strip().upper() or None
        radius = row.get("radius_miles")
        if not kind:
            if name or lad_code or radius not in (None, ""):
                errors.setdefault(f"service_areas-{index}", []).append("Select the kind of area")
            continue
        key = f"service_areas-{index}"
        try:
            area_type = AreaType(kind)
        except ValueError:
            errors.setdefault(key, []).append("Select the kind of area")
            continue
        if len(name) > 255 or CONTROL_CHARS.search(name):
            errors.setdefault(key, []).append("Area name must be 255 plain characters or fewer")
        if lad_code and not LAD_CODE_RE.match(lad_code):
            errors.setdefault(key, []).append("Local authority code must look like E08000030")
        miles = None
        if area_type == AreaType.LOCAL_AUTHORITY and not name and not lad_code:
            errors.setdefault(key, []).append("Enter the local authority's name")
        if area_type == AreaType.RADIUS:
            try:
                miles = float(radius)
                if not 0 < miles <= 500:
                    raise ValueError
            except (TypeError, ValueError):
                errors.setdefault(key, []).append("Enter a radius in miles between 0.1 and 500")
        if key in errors:
            continue
        out.append({"extent_type": area_type.value,
                    "name": name or (area_type.label if area_type != AreaType.LOCAL_AUTHORITY else lad_code),
                    "lad_code": lad_code if area_type == AreaType.LOCAL_AUTHORITY else None,
                    "radius_miles": miles})
    return out


def _clean_service(data: dict, creating: bool) -> dict:
    errors: dict[str, list[str]] = {}
    if creating:
        data = {"name": "", **data}
    clean: dict[str, Any] = _clean_text(data, SERVICE_TEXT, errors, required=("name",))
    _check_web_and_email(clean, errors, "url")
    if "description" in clean:
        clean["description"] = clean["description"] or ""
    for key, (enum_cls, message) in SERVICE_ENUMS.items():
        if key in data:
            try:
                clean[key] = enum_cls(data[key])
            except ValueError:
                errors.setdefault(key, []).append(message)
    for key in SERVICE_TRISTATE:
        if key in data:
            clean[key] = _as_tristate(data[key])
    clean.update(_clean_terms(data, errors))
    if "languages" in data:
        codes = []
        for raw in _as_list(data["languages"]):
            code = str(raw).strip()
            if code not in LANGUAGE_NAMES:
                errors.setdefault("languages", []).append(f"‘{code[:20]}’ is not a listed language")
            elif code not in codes:
                codes.append(code)
        clean["languages"] = sorted(codes)
    for key, cleaner in (("schedules", _clean_schedules), ("phones", _clean_phones),
                         ("service_areas", _clean_areas)):
        if key not in data:
            continue
        rows = _as_list(data[key])
        if len(rows) > MAX_ROWS[key]:
            errors.setdefault(key, []).append(
                f"Give no more than {MAX_ROWS[key]} {FIELD_NOUNS[key]}")
        elif any(not isinstance(row, dict) for row in rows):
            errors.setdefault(key, []).append(f"{FIELD_NOUNS[key].capitalize()} are not in the right form")
        else:
            clean[key] = cleaner(rows, errors)
    if "location_ids" in data:
        clean["location_ids"] = sorted({str(x) for x in _as_list(data["location_ids"]) if x})
    if errors:
        raise ValidationError(PROBLEM, errors)
    return clean


def _apply_service(service: Service, clean: dict) -> None:
    """Copy cleaned values onto the service and replace its child rows where given."""
    for key in list(SERVICE_TEXT) + list(SERVICE_ENUMS) + list(SERVICE_TRISTATE):
        if key in clean:
            setattr(service, key, clean[key])
    wanted_terms = {f"{t}:{code}" for t in TAXONOMY_KEYS if t in clean for code in clean[t]}
    touched = {t for t in TAXONOMY_KEYS if t in clean}
    if touched:
        current = {a.taxonomy_term_id: a for a in service.attributes}
        for term_id, attribute in current.items():
            if term_id.split(":", 1)[0] in touched and term_id not in wanted_terms:
                service.attributes.remove(attribute)
        for term_id in sorted(wanted_terms - set(current)):
            service.attributes.append(Attribute(taxonomy_term_id=term_id))
    if "languages" in clean:
        current_langs = {lang.code: lang for lang in service.languages}
        for code, lang in current_langs.items():
            if code not in clean["languages"]:
                service.languages.remove(lang)
        for code in clean["languages"]:
            if code not in current_langs:
                service.languages.append(Language(code=code, name=LANGUAGE_NAMES[code]))
    if "schedules" in clean and clean["schedules"] != queries.schedule_rows(service):
        service.schedules.clear()
        for row in clean["schedules"]:
            service.schedules.append(Schedule(
                byday=row["byday"], opens_at=_parse_time(row["opens_at"], "", "", {}),
                closes_at=_parse_time(row["closes_at"], "", "", {}), description=row["description"]))
    if "phones" in clean and clean["phones"] != queries.phone_rows(service):
        service.phones.clear()
        for row in clean["phones"]:
            service.phones.append(Phone(number=row["number"], description=row["description"],
                                        organization_id=service.organization_id))
    if "service_areas" in clean and clean["service_areas"] != queries.area_rows(service):
        service.service_areas.clear()
        for row in clean["service_areas"]:
            service.service_areas.append(ServiceArea(**row))
    if "location_ids" in clean:
        _set_locations(service, clean["location_ids"])


def _set_locations(service: Service, location_ids: list[str]) -> None:
    wanted = set(location_ids)
    allowed = {loc.id for loc in db.session.scalars(
        select(Location).where(Location.organization_id == service.organization_id))}
    if wanted - allowed:
        raise ValidationError(PROBLEM, {"location_ids": [
            "Choose only locations that belong to this service's organisation"]})
    for sal in list(service.service_at_locations):
        if sal.location_id not in wanted:
            service.service_at_locations.remove(sal)
    have = {sal.location_id for sal in service.service_at_locations}
    for location_id in sorted(wanted - have):
        service.service_at_locations.append(ServiceAtLocation(location_id=location_id))


def _new_service(org: Organisation, clean: dict, actor_id: int | None) -> Service:
    service = Service(organization_id=org.id, created_by_id=actor_id, updated_by_id=actor_id,
                      description="")
    db.session.add(service)
    _apply_service(service, clean)
    db.session.flush()
    audit.record(db.session, actor_id, "service.create", "service", service.id,
                 name=service.name, changes=_diff({}, queries.service_snapshot(service)))
    return service


def create_service(org_id: str, data: dict, actor_id: int | None) -> Service:
    """Create a service under an organisation with all its details. Raises NotFound, ValidationError."""
    org = _get_organisation(org_id)
    clean = _clean_service(data, creating=True)
    service = _new_service(org, clean, actor_id)
    db.session.commit()
    _reindex([service.id])
    return service


def _change_service(service: Service, clean: dict, actor_id: int | None, action: str,
                    **extra) -> dict:
    # One edit must be one UPDATE (one version step): no flushes part-way through.
    with db.session.no_autoflush:
        before = queries.service_snapshot(service)
        _apply_service(service, clean)
        changes = _diff(before, queries.service_snapshot(service))
        if changes:
            # Touching the row bumps its version even when only child rows (hours, terms) changed.
            service.updated_by_id = actor_id
            service.updated_at = utcnow()
            audit.record(db.session, actor_id, action, "service", service.id, changes=changes, **extra)
    return changes


def update_service(service_id: str, data: dict, expected_version: int | None,
                   actor_id: int | None) -> Service:
    """Change any of a service's details; keys absent from data are left alone.

    Raises NotFound, ValidationError, Conflict (the listing changed since expected_version).
    """
    service = _get_service(service_id)
    _check_version(service, expected_version)
    clean = _clean_service(data, creating=False)
    changes = _change_service(service, clean, actor_id, "service.update")
    _commit()
    if changes:
        _reindex([service.id])
    return service


def set_service_status(service_id: str, status: str, expected_version: int | None,
                       actor_id: int | None) -> Service:
    """Activate, deactivate, close temporarily or mark a service defunct.

    Raises NotFound, ValidationError (unknown status), Conflict.
    """
    service = _get_service(service_id)
    _check_version(service, expected_version)
    clean = _clean_service({"status": status}, creating=False)
    changes = _change_service(service, clean, actor_id, "service.status")
    _commit()
    if changes:
        _reindex([service.id])
    return service


def link_service_location(service_id: str, location_id: str, actor_id: int | None,
                          linked: bool = True) -> Service:
    """Say that a service runs (or no longer runs) at one of its organisation's locations.

    Raises NotFound, ValidationError (location of another organisation).
    """
    service = _get_service(service_id)
    _get_location(location_id)
    current = [sal.location_id for sal in service.service_at_locations]
    wanted = sorted(set(current) | {location_id}) if linked else [x for x in current if x != location_id]
    changes = _change_service(service, {"location_ids": wanted}, actor_id, "service.update")
    _commit()
    if changes:
        _reindex([service.id])
    return service


def verify_service(service_id: str, actor_id: int | None) -> Service:
    """Record that a navigator checked the listing today. Raises NotFound.

    Verification is bookkeeping, not an edit, so it does not bump the version: an editor
    with the form open is not told someone else changed the listing.
    """
    service = _get_service(service_id)
    today = utcnow().date()
    db.session.execute(
        update(Service).where(Service.id == service.id)
        .values(last_verified_at=today, last_verified_by_id=actor_id, updated_at=Service.updated_at)
        .execution_options(synchronize_session=False))
    audit.record(db.session, actor_id, "service.verify", "service", service.id, on=today.isoformat())
    db.session.commit()
    db.session.refresh(service)
    _reindex([service.id])
    return service


def record_link_results(results: dict[str, tuple[bool, str | None]],
                        actor_id: int | None = None) -> dict[str, int]:
    """Store link-check outcomes: service id -> (ok, error). Returns counts of ok and broken.

    Like verification, this does not bump listing versions.
    """
    now = utcnow()
    counts = {"ok": 0, "broken": 0}
    for service_id, (ok, error) in sorted(results.items()):
        service = db.session.get(Service, service_id)
        if service is None:
            continue
        status = LinkStatus.OK if ok else LinkStatus.BROKEN
        counts[status.value] += 1
        if service.link_status != status:
            audit.record(db.session, actor_id, "service.link_check", "service", service_id,
                         link_status=status.value, error=error)
        db.session.execute(
            update(Service).where(Service.id == service_id)
            .values(link_status=status, link_error=(error or None) and error[:255],
                    link_checked_at=now, updated_at=Service.updated_at)
            .execution_options(synchronize_session=False))
    db.session.commit()
    db.session.expire_all()
    return counts


# --------------------------------------------------------------------------- locations

def _normalise_postcode(text: str) -> str | None:
    from navigator.directory.geocoding import normalise_postcode

    return normalise_postcode(text)


def _clean_location(data: dict, creating: bool) -> dict:
    errors: dict[str, list[str]] = {}
    if creating:
        data = {"address_1": "", "city": "", **data}
    clean = _clean_text(data, LOCATION_TEXT, errors)
    address = _clean_text(data, ADDRESS_TEXT, errors)
    if "location_type" in data:
        if data["location_type"] not in LOCATION_TYPES:
            errors.setdefault("location_type", []).append("Select the kind of location")
        else:
            clean["location_type"] = data["location_type"]
    physical = clean.get("location_type", data.get("location_type", "physical")) != "virtual"
    if physical:
        for key, message in (("address_1", "Enter the first line of the address"),
                             ("city", "Enter the town or city")):
            if key in address and not address[key] and key not in errors:
                errors.setdefault(key, []).append(message)
    if address.get("postal_code") and "postal_code" not in errors:
        normalised = _normalise_postcode(address["postal_code"])
        if normalised is None:
            errors.setdefault("postal_code", []).append(
                "Enter a real UK postcode, like WS1 1AA")
        else:
            address["postal_code"] = normalised
    if "confidential" in data:
        clean["confidential"] = _as_bool(data["confidential"])
    if errors:
        raise ValidationError(PROBLEM, errors)
    clean["address"] = address
    return clean


def _geocode(location: Location) -> None:
    """Geocode from the address; an unresolvable place stays saved with status UNRESOLVED."""
    from navigator.directory.geocoding import apply_geocode, geocode

    addr = location.address
    postal_code = addr.postal_code if addr else None
    text = addr.one_line() if addr else None
    # A refuge's address is kept off outside services: offline lookups only.
    result = geocode(postal_code, text, allow_online=not location.confidential)
    apply_geocode(location, result)


def _apply_location(location: Location, clean: dict) -> bool:
    """Copy values on; returns whether the place itself changed (so it needs geocoding)."""
    for key in ("name", "description", "location_type", "confidential"):
        if key in clean:
            setattr(location, key, clean[key])
    address_values = clean.get("address") or {}
    if not address_values:
        return False
    addr = location.address
    if addr is None:
        addr = Address(address_1="", city="")
        location.addresses.append(addr)
    place_before = (addr.address_1, addr.address_2, addr.city, addr.postal_code)
    for key, value in address_values.items():
        if key in ("address_1", "city"):
            value = value or ""
        setattr(addr, key, value)
    return place_before != (addr.address_1, addr.address_2, addr.city, addr.postal_code)


def _location_audit(location: Location, before: dict) -> dict:
    changes = _diff(before, queries.location_snapshot(location))
    if location.confidential or before.get("confidential"):
        # Never copy a refuge's address into the audit log: say which fields changed only.
        return {key: {"from": "(confidential)", "to": "(confidential)"} for key in changes}
    return changes


def create_location(org_id: str, data: dict, actor_id: int | None) -> Location:
    """Add a location (with its address) to an organisation and geocode it.

    A place that cannot be geocoded is saved with geocode_status 'unresolved' and shows in
    the verification queue. Raises NotFound, ValidationError (e.g. a postcode that is not real).
    """
    org = _get_organisation(org_id)
    clean = _clean_location(data, creating=True)
    location = Location(organization_id=org.id, created_by_id=actor_id, updated_by_id=actor_id)
    db.session.add(location)
    _apply_location(location, clean)
    _geocode(location)
    db.session.flush()
    audit.record(db.session, actor_id, "location.create", "location", location.id,
                 changes=_location_audit(location, {}),
                 geocode_status=GeocodeStatus(location.geocode_status).value)
    db.session.commit()
    return location


def update_location(location_id: str, data: dict, expected_version: int | None,
                    actor_id: int | None) -> Location:
    """Change a location; re-geocodes when the address changed or was never resolved.

    Raises NotFound, ValidationError, Conflict.
    """
    location = _get_location(location_id)
    _check_version(location, expected_version)
    clean = _clean_location(data, creating=False)
    with db.session.no_autoflush:
        before = queries.location_snapshot(location)
        place_changed = _apply_location(location, clean)
        if place_changed or location.geocode_status == GeocodeStatus.UNRESOLVED:
            _geocode(location)
        changes = _location_audit(location, before)
        if changes:
            location.updated_by_id = actor_id
            location.updated_at = utcnow()
            audit.record(db.session, actor_id, "location.update", "location", location.id,
                         changes=changes, geocode_status=GeocodeStatus(location.geocode_status).value)
    service_ids = [sal.service_id for sal in location.service_at_locations]
    _commit()
    if changes:
        _reindex(service_ids)
    return location


# --------------------------------------------------------------------------- suggested edits

SUGGESTABLE_FIELDS = (tuple(SERVICE_TEXT) + tuple(SERVICE_ENUMS) + SERVICE_TRISTATE + TAXONOMY_KEYS
                      + ("languages", "schedules", "phones", "service_areas"))


def _actor(actor_id: int) -> User:
    user = db.session.get(User, actor_id) if actor_id else None
    if user is None or not user.active:
        raise NotAuthorized("Sign in to suggest a change")
    return user


def _check_may_suggest_for(user: User, org_id: str) -> None:
    if user.role == Role.PROVIDER and user.organization_id != org_id:
        # Providers work on their own listings only; others' are "not found", not "forbidden".
        raise NotFound("Service not found")
    if user.role not in (Role.PRACTITIONER, Role.PROVIDER, Role.NAVIGATOR):
        raise NotAuthorized("You cannot suggest changes to the directory")


def suggest_service_edit(service_id: str, data: dict, comment: str | None,
                         actor_id: int) -> SuggestedEdit:
    """Store a proposed change to a service for navigator review (nothing goes live).

    Only fields whose proposed value differs from the listing are kept. Raises NotFound
    (unknown service, or a provider's suggestion for another organisation's service),
    ValidationError (bad values, or no change and no comment).
    """
    user = _actor(actor_id)
    service = _get_service(service_id)
    _check_may_suggest_for(user, service.organization_id)
    proposed_input = {k: v for k, v in data.items() if k in SUGGESTABLE_FIELDS}
    clean = _clean_service(proposed_input, creating=False)
    comment = _clean_comment(comment)
    current = queries.service_snapshot(service)
    proposed = {k: _jsonable(v) for k, v in clean.items() if _jsonable(v) != current.get(k)}
    if not proposed and not comment:
        raise ValidationError(PROBLEM, {"comment": [
            "Change at least one detail, or describe what is wrong in the comment"]})
    suggestion = SuggestedEdit(target_type="service", target_id=service.id,
                               proposed=json.dumps(proposed, sort_keys=True),
                               base_version=service.version, comment=comment,
                               submitted_by_id=user.id, status="pending")
    db.session.add(suggestion)
    db.session.flush()
    audit.record(db.session, actor_id, "suggestion.submit", "service", service.id,
                 suggestion_id=suggestion.id, fields=sorted(proposed))
    db.session.commit()
    return suggestion


def suggest_new_service(org_id: str, data: dict, comment: str | None, actor_id: int) -> SuggestedEdit:
    """Propose a new service under an organisation; it is created only if a navigator accepts.

    Raises NotFound (unknown organisation, or a provider proposing for another one), ValidationError.
    """
    user = _actor(actor_id)
    org = _get_organisation(org_id)
    _check_may_suggest_for(user, org.id)
    proposed_input = {k: v for k, v in data.items() if k in SUGGESTABLE_FIELDS}
    clean = _clean_service({"name": "", **proposed_input}, creating=True)
    proposed = {k: _jsonable(v) for k, v in clean.items()}
    suggestion = SuggestedEdit(target_type="new_service", target_id=org.id,
                               proposed=json.dumps(proposed, sort_keys=True), base_version=None,
                               comment=_clean_comment(comment), submitted_by_id=user.id,
                               status="pending")
    db.session.add(suggestion)
    db.session.flush()
    audit.record(db.session, actor_id, "suggestion.submit", "organisation", org.id,
                 suggestion_id=suggestion.id, new_service=clean.get("name"))
    db.session.commit()
    return suggestion


def _jsonable(value):
    return value.value if isinstance(value, enum.Enum) else value


def _clean_comment(comment: str | None) -> str | None:
    comment = (comment or "").strip()
    if CONTROL_CHARS.search(comment):
        raise ValidationError(PROBLEM, {"comment": ["Comment must not contain control characters"]})
    if len(comment) > 5000:
        raise ValidationError(PROBLEM, {"comment": ["Comment must be 5,000 characters or fewer"]})
    return comment or None


def _pending_suggestion(suggestion_id: int) -> SuggestedEdit:
    suggestion = db.session.get(SuggestedEdit, suggestion_id)
    if suggestion is None:
        raise NotFound("Suggestion not found")
    if suggestion.status != "pending":
        raise Conflict(f"This suggestion was already {suggestion.status}")
    return suggestion


def accept_suggestion(suggestion_id: int, actor_id: int, expected_version: int | None = None,
                      overrides: dict | None = None) -> Service:
    """Apply a suggestion to the live directory (optionally as edited by the reviewer).

    expected_version is the listing version the reviewer saw; if it moved on, Conflict.
    Raises NotFound, Conflict (already reviewed, or listing changed), ValidationError.
    """
    suggestion = _pending_suggestion(suggestion_id)
    values = overrides if overrides is not None else json.loads(suggestion.proposed or "{}")
    if suggestion.target_type == "new_service":
        org = _get_organisation(suggestion.target_id)
        clean = _clean_service(values, creating=True)
        service = _new_service(org, clean, actor_id)
    else:
        service = _get_service(suggestion.target_id)
        _check_version(service, expected_version)
        clean = _clean_service(values, creating=False)
        _change_service(service, clean, actor_id, "service.update", suggestion_id=suggestion.id)
    suggestion.status = "accepted"
    suggestion.reviewed_by_id = actor_id
    suggestion.reviewed_at = utcnow()
    if overrides is not None:
        suggestion.review_reason = "Edited by the reviewer before accepting"
    db.session.flush()
    audit.record(db.session, actor_id, "suggestion.accept", "service", service.id,
                 suggestion_id=suggestion.id, edited=overrides is not None)
    _commit()
    _reindex([service.id])
    return service


def reject_suggestion(suggestion_id: int, reason: str, actor_id: int) -> SuggestedEdit:
    """Turn a suggestion down with a reason the suggester can read. Raises NotFound, Conflict,
    ValidationError (no reason)."""
    suggestion = _pending_suggestion(suggestion_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(PROBLEM, {"reason": ["Enter the reason for rejecting the suggestion"]})
    if len(reason) > 2000 or CONTROL_CHARS.search(reason):
        raise ValidationError(PROBLEM, {"reason": ["Reason must be 2,000 plain characters or fewer"]})
    suggestion.status = "rejected"
    suggestion.review_reason = reason
    suggestion.reviewed_by_id = actor_id
    suggestion.reviewed_at = utcnow()
    target_type = "organisation" if suggestion.target_type == "new_service" else "service"
    audit.record(db.session, actor_id, "suggestion.reject", target_type, suggestion.target_id,
                 suggestion_id=suggestion.id, reason=reason)
    db.session.commit()
    return suggestion


def get_suggestable_service(service_id: str, actor_id: int) -> Service:
    """The service a user may suggest a change to. Raises NotFound (including a provider
    asking about another organisation's service) or NotAuthorized."""
    user = _actor(actor_id)
    service = _get_service(service_id)
    _check_may_suggest_for(user, service.organization_id)
    return service


def normalise_service_data(data: dict) -> dict:
    """Submitted service values in snapshot form (for showing them beside the saved ones);
    values that do not validate are returned as typed."""
    try:
        clean = _clean_service(data, creating=False)
    except ValidationError:
        return dict(data)
    return {k: _jsonable(v) for k, v in clean.items()}
