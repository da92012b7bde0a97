"""Referral use cases: people, needs, consent, agreements, referrals and rights requests.

Every function takes plain values and the acting user's id, checks what that user may do,
owns its commit and raises only navigator.errors (NotFound for anything the user may not
see, so that nobody can probe for records; ValidationError for bad input; Conflict for an
action the record's state does not allow). Every read of a person's record is audited with
a purpose ("why-context"); audit details never carry names or case references.
"""
from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app, url_for
from sqlalchemy import delete, select

from navigator import audit
from navigator.auth.models import Role, User
from navigator.database import new_id
from navigator.directory.models import Organisation, Service
from navigator.directory.vocab import LANGUAGE_NAMES
from navigator.errors import Conflict, NotAuthorized, NotFound, ValidationError
from navigator.extensions import db
from navigator.referrals import queries, vocab, workdays
from navigator.referrals.models import (
    ERASURE_FLAG,
    Consent,
    ConsentRecipient,
    Feedback,
    InformationSharingAgreement,
    Need,
    Person,
    PersonShare,
    Referral,
    ReferralEvent,
    ReferralNeed,
)
from navigator.referrals.notifications import get_notifier
from navigator.referrals.workflow import CLOSED, OPEN, Actor, Status, apply
from navigator.times import utcnow
from navigator.validation import CONTROL_CHARS

PROBLEM = "There is a problem"
CRN_RE = re.compile(r"^[A-Z][0-9]{6}$")
REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud on the phone
NOT_FOUND_PERSON = "Person not found"
NOT_FOUND_REFERRAL = "Referral not found"


# ---------------------------------------------------------------- helpers


def _now(now: datetime | None) -> datetime:
    return queries.aware(now) if now is not None else utcnow()


def _actor(actor_id: int | None, *roles: Role) -> User:
    user = db.session.get(User, actor_id) if actor_id is not None else None
    if user is None or not user.active:
        raise NotAuthorized("Sign in to continue")
    if roles and user.role not in roles:
        raise NotAuthorized("You do not have permission to do this")
    return user


def _text(data: dict, key: str, errors: dict, label: str, max_len: int, required: bool = False,
          message: str | None = None) -> str | None:
    value = data.get(key)
    value = "" if value is None else str(value).strip()
    if CONTROL_CHARS.search(value):
        errors.setdefault(key, []).append(f"{label} must not contain control characters")
        return None
    if required and not value:
        errors.setdefault(key, []).append(message or f"Enter {label.lower()}")
        return None
    if len(value) > max_len:
        errors.setdefault(key, []).append(f"{label} must be {max_len} characters or fewer")
        return None
    return value or None


def _code(data: dict, key: str, choices: list[tuple[str, str]], errors: dict, message: str,
          required: bool = True) -> str | None:
    value = (str(data.get(key) or "")).strip()
    if not value and not required:
        return None
    if value not in dict(choices):
        errors.setdefault(key, []).append(message)
        return None
    return value


def _codes(values, choices: list[tuple[str, str]], key: str, errors: dict, label: str) -> list[str]:
    if values is None:
        values = []
    if isinstance(values, str):
        values = [values]
    known = dict(choices)
    out: list[str] = []
    for raw in values:
        code = str(raw).strip()
        if code not in known:
            errors.setdefault(key, []).append(f"Select {label} from the list")  # noqa: S608 - not SQL
        elif code not in out:
            out.append(code)
    return [c for c, _ in choices if c in out]  # vocabulary order: stable snapshots


def _date(value, key: str, errors: dict, label: str, required: bool = False) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = (str(value or "")).strip()
    if not text:
        if required:
            errors.setdefault(key, []).append(f"Enter {label.lower()}")
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors.setdefault(key, []).append(f"{label} must be a real date")
        return None


def _bool(value) -> bool:
    return value is True or str(value).strip().lower() in {"1", "true", "yes", "y", "on"}


def _new_reference(prefix: str, model) -> str:
    while True:
        reference = prefix + "-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))
        if not db.session.scalar(select(model.id).where(model.reference == reference)):
            return reference


def _link(endpoint: str, **values) -> str:
    """An absolute link for a notification (opaque ids only)."""
    try:
        return url_for(endpoint, _external=True, **values)
    except RuntimeError:
        base = (current_app.config.get("BASE_URL") or "").rstrip("/")
        with current_app.test_request_context(base_url=base or "http://localhost"):
            return url_for(endpoint, _external=True, **values)


def _touch(person: Person, now: datetime) -> None:
    person.updated_at = now
    person.last_activity_at = now


def _audit_read(actor: User, person: Person, purpose: str, **detail) -> None:
    audit.record(db.session, actor.id, "person.read", "person", person.id, purpose=purpose, **detail)


# ---------------------------------------------------------------- people


def _person_for(actor: User, person_id: str) -> Person:
    person = queries.get_person_for(actor, person_id)
    if person is None:
        raise NotFound(NOT_FOUND_PERSON)
    return person


def _clean_person(data: dict, person: Person | None) -> dict:
    errors: dict[str, list[str]] = {}
    clean: dict = {}
    crn = (str(data.get("case_reference") or "")).strip().upper().replace(" ", "")
    if not CRN_RE.match(crn):
        errors["case_reference"] = ["Enter a case reference (CRN) in the correct format: "
                                    "one letter then 6 numbers, like X123456"]
    else:
        existing = queries.get_person_by_case_reference(crn)
        if existing is not None and (person is None or existing.id != person.id):
            errors["case_reference"] = ["This case reference is already recorded. Ask the "
                                        "practitioner who holds the case to share it with you"]
        clean["case_reference"] = crn
    clean["name"] = _text(data, "name", errors, "Name", 200, required=True,
                          message="Enter the person's name")
    dob = _date(data.get("date_of_birth"), "date_of_birth", errors, "Date of birth")
    if dob is not None:
        today = utcnow().date()
        if dob >= today:
            errors.setdefault("date_of_birth", []).append("Date of birth must be in the past")
        elif dob < date(today.year - 120, 1, 1) or dob > date(today.year - 10, 12, 31):
            errors.setdefault("date_of_birth", []).append(
                "Date of birth must be for someone aged between 10 and 120")
    clean["date_of_birth"] = dob
    clean["gender"] = _code(data, "gender", vocab.GENDERS, errors, "Select gender, or prefer not to say")
    clean["ethnicity"] = _code(data, "ethnicity", vocab.ETHNICITIES, errors,
                               "Select ethnic group, or prefer not to say")
    clean["religion"] = _code(data, "religion", vocab.RELIGIONS, errors,
                              "Select religion or belief, or prefer not to say")
    language = (str(data.get("preferred_language") or "")).strip()
    if language and language not in LANGUAGE_NAMES:
        errors["preferred_language"] = ["Select a language from the list"]
    clean["preferred_language"] = language or None
    clean["interpreter_needed"] = _bool(data.get("interpreter_needed"))
    area = (str(data.get("home_postcode") or "")).strip()
    if area:
        from navigator.directory.geocoding import normalise_outcode

        # Only the district is kept: the full postcode is never stored.
        outcode = normalise_outcode(area) if not CONTROL_CHARS.search(area) else None
        if outcode is None:
            errors["home_postcode"] = ["Enter a postcode district like WS1, or a full postcode"]
        clean["home_outcode"] = outcode
    else:
        clean["home_outcode"] = None
    clean["commitments"] = _text(data, "commitments", errors, "Commitments", 2000)
    if errors:
        raise ValidationError(PROBLEM, errors)
    return clean


def create_person(data: dict, actor_id: int) -> Person:
    """Record a person on the acting practitioner's caseload. Raises ValidationError."""
    actor = _actor(actor_id, Role.PRACTITIONER)
    clean = _clean_person(data, None)
    now = utcnow()
    person = Person(id=new_id(), owner_id=actor.id, created_by_id=actor.id, created_at=now,
                    updated_at=now, last_activity_at=now, **clean)
    db.session.add(person)
    db.session.flush()
    audit.record(db.session, actor.id, "person.create", "person", person.id)
    db.session.commit()
    return person


def update_person(person_id: str, data: dict, actor_id: int) -> Person:
    """Change a person's details (owner or shared practitioner). Raises NotFound, ValidationError."""
    actor = _actor(actor_id, Role.PRACTITIONER)
    person = _person_for(actor, person_id)
    if person.anonymised_at is not None:
        raise Conflict("This person's record has been anonymised")
    clean = _clean_person(data, person)
    changed = sorted(k for k, v in clean.items() if getattr(person, k) != v)
    for key, value in clean.items():
        setattr(person, key, value)
    _touch(person, utcnow())
    audit.record(db.session, actor.id, "person.update", "person", person.id, fields=changed)
    db.session.commit()
    return person


def view_person(person_id: str, actor_id: int, purpose: str = "view person") -> Person:
    """Return a person's record for display, writing the audit event. Raises NotFound."""
    actor = _actor(actor_id, Role.PRACTITIONER, Role.ADMIN)
    person = _person_for(actor, person_id)
    _audit_read(actor, person, purpose)
    db.session.commit()
    return person


def view_caseload(actor_id: int) -> list[Person]:
    """The people this user may see, audited as one read listing each person shown."""
    actor = _actor(actor_id, Role.PRACTITIONER, Role.ADMIN)
    people = queries.list_caseload(actor)
    audit.record(db.session, actor.id, "person.list", "person", None, purpose="caseload",
                 person_ids=[p.id for p in people])
    db.session.commit()
    return people


def share_person(person_id: str, email: str, actor_id: int) -> PersonShare:
    """Share a case with another practitioner by their email. Raises NotFound, ValidationError."""
    actor = _actor(actor_id, Role.PRACTITIONER)
    person = _person_for(actor, person_id)
    email = (email or "").strip().lower()
    other = db.session.scalar(select(User).where(User.email == email)) if email else None
    if other is None or other.role != Role.PRACTITIONER or not other.active:
        raise ValidationError(PROBLEM, {"email": ["Enter the email address of a practitioner"]})
    if other.id == person.owner_id or any(s.user_id == other.id for s in person.shares):
        raise ValidationError(PROBLEM, {"email": ["This practitioner can already see this case"]})
    share = PersonShare(person_id=person.id, user_id=other.id, shared_by_id=actor.id)
    db.session.add(share)
    _touch(person, utcnow())
    audit.record(db.session, actor.id, "person.share", "person", person.id, with_user_id=other.id)
    db.session.commit()
    return share


# ---------------------------------------------------------------- needs


def add_need(person_id: str, data: dict, actor_id: int) -> Need:
    """Record a need identified with the person. Raises NotFound, ValidationError."""
    actor = _actor(actor_id, Role.PRACTITIONER)
    person = _person_for(actor, person_id)
    errors: dict[str, list[str]] = {}
    category = _code(data, "category", vocab.NEED_CATEGORIES_CHOICES, errors, "Select a need category")
    notes = _text(data, "notes", errors, "Notes", 4000)
    agrees = str(data.get("person_agrees") or "").strip().lower()
    if agrees not in {"yes", "no"}:
        errors["person_agrees"] = ["Select whether the person agrees with this need"]
    if errors:
        raise ValidationError(PROBLEM, errors)
    now = utcnow()
    need = Need(person_id=person.id, category=category, notes=notes, person_agrees=agrees == "yes",
                recorded_by_id=actor.id, created_at=now)
    db.session.add(need)
    _touch(person, now)
    db.session.flush()
    audit.record(db.session, actor.id, "need.create", "person", person.id, need_id=need.id,
                 category=category, agreed=need.person_agrees)
    db.session.commit()
    return need


def set_need_agreement(need_id: str, agrees: bool, actor_id: int) -> Need:
    """Record that the person now agrees (or no longer agrees) with a need. Raises NotFound."""
    actor = _actor(actor_id, Role.PRACTITIONER)
    need = db.session.get(Need, str(need_id))
    if need is None or queries.get_person_for(actor, need.person_id) is None:
        raise NotFound("Need not found")
    need.person_agrees = bool(agrees)
    _touch(need.person, utcnow())
    audit.record(db.session, actor.id, "need.agreement", "person", need.person_id, need_id=need.id,
                 agreed=need.person_agrees)
    db.session.commit()
    return need


# ---------------------------------------------------------------- consent


def _clean_consent(data: dict, now: datetime) -> dict:
    errors: dict[str, list[str]] = {}
    clean: dict = {}
    clean["data_categories"] = _codes(data.get("data_categories"), vocab.DATA_CATEGORIES,
                                      "data_categories", errors, "data categories")
    if not clean["data_categories"] and "data_categories" not in errors:
        errors["data_categories"] = ["Select at least one kind of information the person agrees to share"]
    org_ids = data.get("organization_ids") or []
    if isinstance(org_ids, str):
        org_ids = [org_ids]
    org_ids = sorted({str(o).strip() for o in org_ids if str(o).strip()})
    if not org_ids:
        errors["organization_ids"] = ["Select at least one organisation"]
    elif len(org_ids) != len(db.session.scalars(
            select(Organisation.id).where(Organisation.id.in_(org_ids))).all()):
        errors["organization_ids"] = ["Select organisations from the list"]
    clean["organization_ids"] = org_ids
    clean["purpose"] = _text(data, "purpose", errors, "Purpose", 2000, required=True,
                             message="Enter the purpose the person agreed to")
    clean["lawful_basis"] = _code(data, "lawful_basis", vocab.LAWFUL_BASES, errors, "Select the lawful basis")
    clean["regime"] = _code(data, "regime", vocab.REGIMES, errors, "Select the data protection regime")
    clean["how_given"] = _code(data, "how_given", vocab.HOW_GIVEN, errors, "Select how consent was given")
    clean["privacy_notice_version"] = _text(
        data, "privacy_notice_version", errors, "Privacy notice version", 40, required=True,
        message="Enter the version of the privacy notice shown")
    given_on = _date(data.get("given_on"), "given_on", errors, "Date given") or now.date()
    if given_on > now.date():
        errors.setdefault("given_on", []).append("Date given must be today or in the past")
    expires_on = _date(data.get("expires_on"), "expires_on", errors, "Expiry date", required=True)
    if expires_on is not None and expires_on <= now.date():
        errors.setdefault("expires_on", []).append("Expiry date must be in the future")
    if expires_on is not None and expires_on > now.date() + timedelta(days=3 * 366):
        errors.setdefault("expires_on", []).append("Expiry date must be within 3 years")
    if errors:
        raise ValidationError(PROBLEM, errors)
    # Given "today" means now; an earlier day means the start of that day.
    clean["given_at"] = now if given_on == now.date() else datetime.combine(given_on, time(0), tzinfo=UTC)
    clean["expires_at"] = datetime.combine(expires_on, time(0), tzinfo=UTC) + timedelta(days=1)
    return clean


def record_consent(person_id: str, data: dict, actor_id: int, replaces_id: str | None = None,
                   now: datetime | None = None) -> Consent:
    """Record consent, or a new version replacing one in force. Raises NotFound, ValidationError, Conflict."""
    actor = _actor(actor_id, Role.PRACTITIONER)
    person = _person_for(actor, person_id)
    if person.anonymised_at is not None:
        raise Conflict("This person's record has been anonymised")
    now = _now(now)
    previous = None
    if replaces_id:
        previous = db.session.scalar(
            select(Consent).where(Consent.id == str(replaces_id), Consent.person_id == person.id)
            .with_for_update()
        )
        if previous is None:
            raise NotFound("Consent not found")
        if previous.superseded_at is not None or previous.withdrawn_at is not None:
            raise Conflict("That consent has already been replaced or withdrawn")
    clean = _clean_consent(data, now)
    consent = Consent(
        id=new_id(), reference=_new_reference("CON", Consent), person_id=person.id,
        chain_id=previous.chain_id if previous else new_id(),
        version=previous.version + 1 if previous else 1,
        supersedes_id=previous.id if previous else None,
        data_categories_json=json.dumps(clean["data_categories"]), purpose=clean["purpose"],
        lawful_basis=clean["lawful_basis"], regime=clean["regime"], how_given=clean["how_given"],
        privacy_notice_version=clean["privacy_notice_version"], recorded_by_id=actor.id,
        given_at=clean["given_at"], expires_at=clean["expires_at"], created_at=now,
    )
    consent.recipients = [ConsentRecipient(organization_id=o) for o in clean["organization_ids"]]
    if previous is not None:
        previous.superseded_at = now
    db.session.add(consent)
    _touch(person, now)
    audit.record(db.session, actor.id, "consent.record", "person", person.id, consent_id=consent.id,
                 version=consent.version, supersedes=consent.supersedes_id,
                 categories=clean["data_categories"], organisations=clean["organization_ids"])
    db.session.commit()
    return consent


def withdraw_consent(consent_id: str, actor_id: int, note: str | None = None,
                     now: datetime | None = None) -> Consent:
    """Withdraw consent at once and tell each recipient organisation (reference only).

    Raises NotFound, Conflict (already withdrawn or replaced).
    """
    actor = _actor(actor_id, Role.PRACTITIONER)
    consent = db.session.scalar(select(Consent).where(Consent.id == str(consent_id)).with_for_update()
                                .execution_options(populate_existing=True))
    if consent is None or queries.get_person_for(actor, consent.person_id) is None:
        raise NotFound("Consent not found")
    if consent.withdrawn_at is not None:
        raise Conflict("This consent has already been withdrawn")
    if consent.superseded_at is not None:
        raise Conflict("This consent has been replaced by a newer version: withdraw that one")
    errors: dict = {}
    note = _text({"note": note}, "note", errors, "Note", 2000)
    if errors:
        raise ValidationError(PROBLEM, errors)
    now = _now(now)
    consent.withdrawn_at = now
    consent.withdrawn_by_id = actor.id
    consent.withdrawal_note = note
    _touch(consent.person, now)
    chain_ids = select(Consent.id).where(Consent.chain_id == consent.chain_id)
    relying = db.session.scalars(select(Referral).where(Referral.consent_id.in_(chain_ids))).all()
    notifier = get_notifier()
    for org_id in consent.organization_ids:
        references = sorted(r.reference for r in relying if r.organization_id == org_id)
        for reference in references or [consent.reference]:
            link = _link("referrals.inbox")
            for recipient in queries.provider_recipients(org_id):
                notifier.send(db.session, recipient, "Consent to share information has been withdrawn",
                              reference, link, organization_id=org_id)
    audit.record(db.session, actor.id, "consent.withdraw", "person", consent.person_id,
                 consent_id=consent.id, organisations=consent.organization_ids)
    db.session.commit()
    return consent


# ---------------------------------------------------------------- information-sharing agreements


def create_agreement(data: dict, actor_id: int) -> InformationSharingAgreement:
    """Record an ISA with an organisation (navigators). Raises ValidationError."""
    actor = _actor(actor_id, Role.NAVIGATOR, Role.ADMIN)
    errors: dict[str, list[str]] = {}
    org_id = (str(data.get("organization_id") or "")).strip()
    if not org_id or db.session.get(Organisation, org_id) is None:
        errors["organization_id"] = ["Select the organisation"]
    title = _text(data, "title", errors, "Title", 200, required=True,
                  message="Enter the agreement's title or reference")
    starts_on = _date(data.get("starts_on"), "starts_on", errors, "Start date", required=True)
    ends_on = _date(data.get("ends_on"), "ends_on", errors, "End date", required=True)
    if starts_on and ends_on and ends_on < starts_on:
        errors.setdefault("ends_on", []).append("End date must be the same as or after the start date")
    if errors:
        raise ValidationError(PROBLEM, errors)
    isa = InformationSharingAgreement(organization_id=org_id, title=title, starts_on=starts_on,
                                      ends_on=ends_on, created_by_id=actor.id)
    db.session.add(isa)
    db.session.flush()
    audit.record(db.session, actor.id, "isa.create", "organisation", org_id, isa_id=isa.id,
                 starts_on=starts_on, ends_on=ends_on)
    db.session.commit()
    return isa


def end_agreement(isa_id: int, actor_id: int, now: datetime | None = None) -> InformationSharingAgreement:
    """End an ISA now: no further sharing with that organisation relies on it. Raises NotFound, Conflict."""
    actor = _actor(actor_id, Role.NAVIGATOR, Role.ADMIN)
    isa = db.session.get(InformationSharingAgreement, isa_id)
    if isa is None:
        raise NotFound("Agreement not found")
    if isa.ended_at is not None:
        raise Conflict("This agreement has already been ended")
    isa.ended_at = _now(now)
    isa.ended_by_id = actor.id
    audit.record(db.session, actor.id, "isa.end", "organisation", isa.organization_id, isa_id=isa.id)
    db.session.commit()
    return isa


# ---------------------------------------------------------------- referral journey


def _referral_for_practitioner(actor: User, referral_id: str) -> Referral:
    referral = db.session.get(Referral, str(referral_id))
    if referral is None or actor.role != Role.PRACTITIONER or (
        referral.practitioner_id != actor.id
        and queries.get_person_for(actor, referral.person_id) is None
    ):
        raise NotFound(NOT_FOUND_REFERRAL)
    return referral


def _draft_for(actor: User, referral_id: str) -> Referral:
    referral = _referral_for_practitioner(actor, referral_id)
    if referral.status != Status.DRAFT:
        raise Conflict("This referral has already been sent or closed: it cannot be changed")
    return referral


def start_referral(service_id: str, person_id: str, actor_id: int) -> Referral:
    """Start a draft referral of a person on the caseload to a listed service.

    Raises NotFound, ValidationError.
    """
    actor = _actor(actor_id, Role.PRACTITIONER)
    service = queries.get_listed_service(service_id)
    if service is None:
        raise NotFound("Service not found")
    if not person_id:
        raise ValidationError(PROBLEM, {"person_id": ["Select the person you are referring"]})
    person = queries.get_person_for(actor, person_id)
    if person is None or person.anonymised_at is not None:
        raise ValidationError(PROBLEM, {"person_id": ["Select a person from your caseload"]})
    now = utcnow()
    referral = Referral(
        id=new_id(), reference=_new_reference("NAV", Referral), person_id=person.id,
        practitioner_id=actor.id, service_id=service.id, organization_id=service.organization_id,
        status=Status.DRAFT.value, created_at=now, updated_at=now,
    )
    db.session.add(referral)
    db.session.add(ReferralEvent(referral_id=referral.id, from_status=None, to_status=Status.DRAFT.value,
                                 actor_id=actor.id, at=now))
    _touch(person, now)
    audit.record(db.session, actor.id, "referral.start", "referral", referral.id, person_id=person.id,
                 service_id=service.id)
    db.session.commit()
    return referral


def referral_start_page(service_id: str, actor_id: int) -> tuple[Service, list[Person]]:
    """The service being referred to and the caseload to choose from (an audited caseload read).

    Raises NotFound when the service is not listed.
    """
    actor = _actor(actor_id, Role.PRACTITIONER)
    service = queries.get_listed_service(service_id)
    if service is None:
        raise NotFound("Service not found")
    people = queries.list_caseload(actor)
    audit.record(db.session, actor.id, "person.list", "person", None, purpose="choose person to refer",
                 person_ids=[p.id for p in people])
    db.session.commit()
    return service, people


def get_draft(referral_id: str, actor_id: int, purpose: str = "referral draft") -> Referral:
    """A draft referral for one of the journey's pages; audited as a person read.

    Raises NotFound, Conflict (no longer a draft).
    """
    actor = _actor(actor_id, Role.PRACTITIONER)
    referral = _draft_for(actor, referral_id)
    _audit_read(actor, referral.person, purpose, referral_id=referral.id)
    db.session.commit()
    return referral


def set_referral_needs(referral_id: str, need_ids, actor_id: int) -> Referral:
    """Choose which of the person's agreed needs the referral is for (at least one).

    Raises NotFound, Conflict (not a draft), ValidationError.
    """
    actor = _actor(actor_id, Role.PRACTITIONER)
    referral = _draft_for(actor, referral_id)
    if isinstance(need_ids, str):
        need_ids = [need_ids]
    wanted = {str(n) for n in (need_ids or []) if str(n).strip()}
    agreed = {n.id: n for n in queries.list_agreed_needs(referral.person_id)}
    if not wanted:
        raise ValidationError(PROBLEM, {"need_ids": ["Select at least one need the person has agreed to"]})
    if not wanted <= set(agreed):
        raise ValidationError(PROBLEM, {"need_ids": ["Select only needs the person has agreed to"]})
    referral.needs.clear()
    db.session.flush()
    for need_id in sorted(wanted, key=lambda i: agreed[i].created_at):
        referral.needs.append(ReferralNeed(need_id=need_id, category=agreed[need_id].category))
    referral.updated_at = utcnow()
    db.session.commit()
    return referral


def set_referral_sharing(referral_id: str, data: dict, actor_id: int) -> Referral:
    """Choose what the referral shares, and write the referral-only details.

    Raises NotFound, Conflict (not a draft), ValidationError.
    """
    actor = _actor(actor_id, Role.PRACTITIONER)
    referral = _draft_for(actor, referral_id)
    errors: dict[str, list[str]] = {}
    categories = _codes(data.get("data_categories"), vocab.DATA_CATEGORIES, "data_categories", errors,
                        "information to share")
    contact = _text(data, "contact_details", errors, "Contact details", 1000)
    offence = _text(data, "offence_risk_summary", errors, "Offence and risk summary", 4000)
    message = _text(data, "message", errors, "Reason for referral", 4000)
    if "contact" in categories and not contact:
        errors.setdefault("contact_details", []).append(
            "Enter the contact details to share, or untick contact details")
    if "offence-risk" in categories and not offence:
        errors.setdefault("offence_risk_summary", []).append(
            "Enter the offence and risk summary to share, or untick it")
    if errors:
        raise ValidationError(PROBLEM, errors)
    referral.data_categories_json = json.dumps(categories)
    # Keep only what will be shared: least data.
    referral.contact_details = contact if "contact" in categories else None
    referral.offence_risk_summary = offence if "offence-risk" in categories else None
    referral.message = message
    referral.updated_at = utcnow()
    db.session.commit()
    return referral


def build_snapshot(referral: Referral) -> dict:
    """Exactly what the provider will see: the referral, plus only the chosen categories."""
    person = referral.person
    service = referral.service
    categories = referral.data_categories
    person_data: dict = {}
    if "identity" in categories:
        person_data["name"] = person.name
        person_data["date_of_birth"] = person.date_of_birth.isoformat() if person.date_of_birth else None
        person_data["gender"] = vocab.GENDER_NAMES.get(person.gender or "", None)
    if "contact" in categories:
        person_data["contact_details"] = referral.contact_details
    if "ethnicity-religion" in categories:
        person_data["ethnicity"] = vocab.ETHNICITY_NAMES.get(person.ethnicity or "", None)
        person_data["religion"] = vocab.RELIGION_NAMES.get(person.religion or "", None)
    if "language" in categories:
        person_data["preferred_language"] = LANGUAGE_NAMES.get(person.preferred_language or "", None)
        person_data["interpreter_needed"] = bool(person.interpreter_needed)
    if "area" in categories:
        person_data["home_area"] = person.home_outcode
    if "commitments" in categories:
        person_data["commitments"] = person.commitments
    if "offence-risk" in categories:
        person_data["offence_risk_summary"] = referral.offence_risk_summary
    needs = []
    if "needs" in categories:
        needs = [{"category": vocab.NEED_NAMES.get(rn.category, rn.category),
                  "notes": rn.need.notes if rn.need is not None else None} for rn in referral.needs]
    practitioner = referral.practitioner
    return {
        "reference": referral.reference,
        "service": service.name if service is not None else None,
        "organisation": referral.organisation.name if referral.organisation is not None else None,
        "referred_by": {"name": practitioner.name, "email": practitioner.email} if practitioner else None,
        "reason_for_referral": referral.message,
        "data_categories": [vocab.DATA_CATEGORY_NAMES[c] for c in categories],
        "person": person_data,
        "needs": needs,
    }


@dataclass
class SharingCheck:
    """Whether a draft may be sent, and if not, every reason why (shown to the practitioner)."""

    can_send: bool
    reasons: list[str] = field(default_factory=list)
    consent: Consent | None = None
    isa: InformationSharingAgreement | None = None


def check_sharing(referral: Referral, now: datetime | None = None) -> SharingCheck:
    """Consent in force for this organisation and these categories, and an ISA in date."""
    now = _now(now)
    reasons: list[str] = []
    categories = referral.data_categories
    if not referral.needs:
        reasons.append("Select at least one agreed need")
    if not categories:
        reasons.append("Choose what to share: a referral shares at least some information. "
                       "To share nothing, give the person the service's details instead (signpost)")
    consent = isa = None
    if categories:
        consent = queries.find_covering_consent(referral.person_id, referral.organization_id,
                                                categories, now)
        if consent is None:
            names = ", ".join(vocab.DATA_CATEGORY_NAMES[c].lower() for c in categories)
            reasons.append(f"There is no consent in force to share {names} with "
                           f"{referral.organisation.name}")
        isa = queries.find_isa_in_date(referral.organization_id, now.date())
        if isa is None:
            reasons.append(f"There is no information-sharing agreement in date with "
                           f"{referral.organisation.name}")
    return SharingCheck(not reasons, reasons, consent, isa)


def review_referral(referral_id: str, actor_id: int) -> tuple[Referral, dict, SharingCheck]:
    """Check-your-answers: the draft, exactly what would be shared, and whether it may be sent.

    Audited as a read of the person's record. Raises NotFound, Conflict.
    """
    actor = _actor(actor_id, Role.PRACTITIONER)
    referral = _draft_for(actor, referral_id)
    snapshot = build_snapshot(referral)
    check = check_sharing(referral)
    _audit_read(actor, referral.person, "referral check answers", referral_id=referral.id)
    db.session.commit()
    return referral, snapshot, check


def _locked(referral_id: str) -> Referral | None:
    # Row lock on PostgreSQL; SQLite already holds the write lock (BEGIN IMMEDIATE).
    # populate_existing: read the status as committed now, not as this session last saw it.
    return db.session.scalar(
        select(Referral).where(Referral.id == str(referral_id)).with_for_update()
        .execution_options(populate_existing=True)
    )


def send_referral(referral_id: str, actor_id: int, now: datetime | None = None) -> Referral:
    """Send a draft: re-check consent and ISA now, store the snapshot, notify the provider.

    Raises NotFound, Conflict (not a draft), ValidationError (the reasons it cannot be sent;
    the practitioner can then only signpost).
    """
    actor = _actor(actor_id, Role.PRACTITIONER)
    _referral_for_practitioner(actor, referral_id)
    referral = _locked(referral_id)
    if referral.status != Status.DRAFT:
        raise Conflict("This referral has already been sent or closed")
    now = _now(now)
    service = referral.service
    if service is None or not service.is_listed:
        raise ValidationError(PROBLEM, {"service": ["This service is no longer listed"]})
    check = check_sharing(referral, now)
    if not check.can_send:
        raise ValidationError("This referral cannot be sent", {"sharing": check.reasons})
    snapshot = build_snapshot(referral)
    snapshot["consent"] = {"reference": check.consent.reference, "version": check.consent.version}
    snapshot["sent_at"] = now.isoformat()
    referral.shared_snapshot = json.dumps(snapshot, sort_keys=True)
    referral.consent_id = check.consent.id
    referral.isa_id = check.isa.id
    event = apply(referral, Status.SENT, Actor.PRACTITIONER, actor.id, None, now)
    db.session.add(event)
    days = int(current_app.config.get("REFERRAL_ACK_WORKING_DAYS", 5))
    referral.ack_due_at = workdays.ack_deadline(now, days)
    _touch(referral.person, now)
    link = _link("referrals.provider_referral", referral_id=referral.id)
    for recipient in queries.provider_recipients(referral.organization_id):
        get_notifier().send(db.session, recipient, "New referral for your organisation",
                            referral.reference, link, organization_id=referral.organization_id)
    audit.record(db.session, actor.id, "referral.send", "referral", referral.id,
                 person_id=referral.person_id, organisation_id=referral.organization_id,
                 consent_id=check.consent.id, isa_id=check.isa.id, categories=referral.data_categories)
    db.session.commit()
    return referral


def signpost_referral(referral_id: str, actor_id: int, now: datetime | None = None) -> Referral:
    """Record that the person was given the service's details; nothing is shared.

    Raises NotFound, Conflict.
    """
    actor = _actor(actor_id, Role.PRACTITIONER)
    _referral_for_practitioner(actor, referral_id)
    referral = _locked(referral_id)
    now = _now(now)
    db.session.add(apply(referral, Status.SIGNPOSTED, Actor.PRACTITIONER, actor.id, None, now))
    # A signpost shares nothing, so nothing referral-only is kept either.
    referral.contact_details = None
    referral.offence_risk_summary = None
    _touch(referral.person, now)
    audit.record(db.session, actor.id, "referral.signpost", "referral", referral.id,
                 person_id=referral.person_id, service_id=referral.service_id)
    db.session.commit()
    return referral


def cancel_referral(referral_id: str, reason: str, actor_id: int, now: datetime | None = None) -> Referral:
    """Cancel an open referral (with a reason); the provider is told.

    Raises NotFound, Conflict, ValidationError.
    """
    actor = _actor(actor_id, Role.PRACTITIONER)
    _referral_for_practitioner(actor, referral_id)
    errors: dict = {}
    reason = _text({"reason": reason}, "reason", errors, "Reason", 2000, required=True,
                   message="Enter why you are cancelling this referral")
    if errors:
        raise ValidationError(PROBLEM, errors)
    referral = _locked(referral_id)
    now = _now(now)
    was_sent = referral.status != Status.DRAFT
    db.session.add(apply(referral, Status.CANCELLED, Actor.PRACTITIONER, actor.id, reason, now))
    referral.cancel_reason = reason
    _touch(referral.person, now)
    if was_sent:
        link = _link("referrals.provider_referral", referral_id=referral.id)
        for recipient in queries.provider_recipients(referral.organization_id):
            get_notifier().send(db.session, recipient, "A referral has been cancelled",
                                referral.reference, link, organization_id=referral.organization_id)
    audit.record(db.session, actor.id, "referral.cancel", "referral", referral.id)
    db.session.commit()
    return referral


def view_referral(referral_id: str, actor_id: int) -> Referral:
    """The practitioner's referral page (status timeline); audited as a person read. Raises NotFound."""
    actor = _actor(actor_id, Role.PRACTITIONER)
    referral = _referral_for_practitioner(actor, referral_id)
    _audit_read(actor, referral.person, "view referral", referral_id=referral.id)
    db.session.commit()
    return referral


# ---------------------------------------------------------------- provider side


def _referral_for_provider(actor: User, referral_id: str) -> Referral:
    referral = db.session.get(Referral, str(referral_id))
    if (referral is None or actor.organization_id is None
            or referral.organization_id != actor.organization_id
            or referral.status in {Status.DRAFT, Status.SIGNPOSTED}):
        raise NotFound(NOT_FOUND_REFERRAL)
    return referral


def sharing_withdrawn(referral: Referral) -> bool:
    """Whether the consent this referral relied on has since been withdrawn (any version)."""
    if referral.consent_id is None:
        return False
    chain = db.session.scalar(select(Consent.chain_id).where(Consent.id == referral.consent_id))
    return bool(db.session.scalar(
        select(Consent.id).where(Consent.chain_id == chain, Consent.withdrawn_at.is_not(None)).limit(1)
    ))


def list_provider_inbox(actor_id: int, tab: str) -> tuple[list[Referral], dict[str, int]]:
    """A provider's inbox tab (new, in-progress, closed) and counts. Raises NotFound for a bad tab."""
    actor = _actor(actor_id, Role.PROVIDER)
    if tab not in ("new", "in-progress", "closed"):
        raise NotFound("No such tab")
    if actor.organization_id is None:
        return [], {"new": 0, "in-progress": 0, "closed": 0}
    return queries.list_inbox(actor.organization_id, tab), queries.count_inbox(actor.organization_id)


def open_referral(referral_id: str, actor_id: int, now: datetime | None = None) -> tuple[Referral, bool]:
    """A provider opens a referral: the first opening marks it received.

    Returns (referral, withdrawn) where withdrawn means consent was withdrawn and the
    shared details must no longer be shown. Audited as a person read when details show.
    Raises NotFound (not this organisation's referral).
    """
    actor = _actor(actor_id, Role.PROVIDER)
    _referral_for_provider(actor, referral_id)
    referral = _locked(referral_id)
    now = _now(now)
    if referral.status == Status.SENT:
        db.session.add(apply(referral, Status.RECEIVED, Actor.PROVIDER, actor.id, None, now))
        _notify_practitioner(referral, "Your referral has been received")
    withdrawn = sharing_withdrawn(referral)
    if not withdrawn:
        audit.record(db.session, actor.id, "person.read", "person", referral.person_id,
                     purpose="provider view referral", referral_id=referral.id)
    db.session.commit()
    return referral, withdrawn


PROVIDER_ACTIONS = {
    "accept": Status.ACCEPTED,
    "decline": Status.DECLINED,
    "start": Status.STARTED,
    "complete": Status.COMPLETED,
    "end-early": Status.ENDED_EARLY,
    "did-not-attend": Status.DID_NOT_ATTEND,
}


def update_referral_status(referral_id: str, action: str, actor_id: int, reason_code: str | None = None,
                           detail: str | None = None, now: datetime | None = None) -> Referral:
    """A provider accepts, declines (reason from the list), starts or closes a referral.

    The row is locked and its status re-read, so of concurrent changes exactly one wins.
    Raises NotFound (not this organisation's), ValidationError (bad reason), Conflict (not allowed now).
    """
    actor = _actor(actor_id, Role.PROVIDER)
    target = PROVIDER_ACTIONS.get(str(action or ""))
    if target is None:
        raise ValidationError(PROBLEM, {"action": ["Choose what to record"]})
    errors: dict = {}
    detail = _text({"detail": detail}, "detail", errors, "Details", 2000)
    code = None
    if target == Status.DECLINED:
        code = _code({"reason": reason_code}, "reason", vocab.DECLINE_REASONS, errors,
                     "Select why you are declining this referral")
        if code == "other" and not detail:
            errors.setdefault("detail", []).append("Enter why you are declining this referral")
    if target == Status.ENDED_EARLY and not detail:
        errors.setdefault("detail", []).append("Enter why the referral ended early")
    if errors:
        raise ValidationError(PROBLEM, errors)
    _referral_for_provider(actor, referral_id)
    referral = _locked(referral_id)
    now = _now(now)
    reason = None
    if target == Status.DECLINED:
        reason = vocab.DECLINE_REASON_NAMES[code] + (f": {detail}" if detail else "")
    elif detail:
        reason = detail
    db.session.add(apply(referral, target, Actor.PROVIDER, actor.id, reason, now))
    if target == Status.DECLINED:
        referral.decline_reason = code
        referral.decline_detail = detail
    _touch(referral.person, now)
    _notify_practitioner(referral, f"Your referral has been marked {target.label.lower()}")
    audit.record(db.session, actor.id, "referral.status", "referral", referral.id, status=target.value)
    db.session.commit()
    return referral


def _notify_practitioner(referral: Referral, subject: str) -> None:
    practitioner = referral.practitioner
    if practitioner is not None and practitioner.active:
        get_notifier().send(db.session, practitioner.email, subject, referral.reference,
                            _link("referrals.referral", referral_id=referral.id))


# ---------------------------------------------------------------- person's voice


def record_feedback(referral_id: str, data: dict, actor_id: int) -> Feedback:
    """Record the person's own feedback on a finished referral (all answers optional).

    Raises NotFound, Conflict (not finished, or feedback already recorded), ValidationError.
    """
    actor = _actor(actor_id, Role.PRACTITIONER)
    referral = _referral_for_practitioner(actor, referral_id)
    if referral.status not in {Status.COMPLETED, Status.ENDED_EARLY}:
        raise Conflict("Feedback can be recorded once the referral has finished")
    if referral.feedback is not None:
        raise Conflict("Feedback has already been recorded for this referral")
    errors: dict = {}
    helpful = _code(data, "helpful", vocab.FEEDBACK_ANSWERS, errors, "Select an answer", required=False)
    understood = _code(data, "felt_understood", vocab.FEEDBACK_ANSWERS, errors, "Select an answer",
                       required=False)
    comment = _text(data, "comment", errors, "Comment", 4000)
    if not errors and not (helpful or understood or comment):
        errors["helpful"] = ["Answer at least one question, or go back"]
    if errors:
        raise ValidationError(PROBLEM, errors)
    feedback = Feedback(referral_id=referral.id, helpful=helpful, felt_understood=understood,
                        comment=comment, recorded_by_id=actor.id)
    db.session.add(feedback)
    _touch(referral.person, utcnow())
    audit.record(db.session, actor.id, "referral.feedback", "referral", referral.id)
    db.session.commit()
    return feedback


# ---------------------------------------------------------------- queues


def overdue_queue(actor_id: int, now: datetime | None = None) -> list[Referral]:
    """Referrals not acknowledged in time, for navigators (no person data is shown)."""
    _actor(actor_id, Role.NAVIGATOR, Role.ADMIN)
    return queries.list_overdue(_now(now))


def my_referrals(actor_id: int) -> list[Referral]:
    """A practitioner's referrals (names shown: audited as a caseload read)."""
    actor = _actor(actor_id, Role.PRACTITIONER)
    referrals = queries.list_referrals_by_practitioner(actor)
    audit.record(db.session, actor.id, "person.list", "person", None, purpose="my referrals",
                 person_ids=sorted({r.person_id for r in referrals}))
    db.session.commit()
    return referrals


# ---------------------------------------------------------------- rights: access and erasure


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def export_person(person_id: str, actor_id: int) -> dict:
    """Everything held about a person (subject access request), for admins. Audited. Raises NotFound."""
    actor = _actor(actor_id, Role.ADMIN)
    person = _person_for(actor, person_id)
    data = {
        "exported_at": utcnow().isoformat(),
        "person": {
            "id": person.id, "case_reference": person.case_reference, "name": person.name,
            "date_of_birth": _iso(person.date_of_birth),
            "gender": vocab.GENDER_NAMES.get(person.gender or ""),
            "ethnicity": vocab.ETHNICITY_NAMES.get(person.ethnicity or ""),
            "religion": vocab.RELIGION_NAMES.get(person.religion or ""),
            "preferred_language": LANGUAGE_NAMES.get(person.preferred_language or ""),
            "interpreter_needed": person.interpreter_needed, "home_area": person.home_outcode,
            "commitments": person.commitments, "recorded_at": _iso(person.created_at),
            "practitioner": person.owner.name if person.owner else None,
            "anonymised_at": _iso(person.anonymised_at),
        },
        "needs": [{"category": vocab.NEED_NAMES.get(n.category, n.category), "notes": n.notes,
                   "person_agrees": n.person_agrees, "recorded_at": _iso(n.created_at)}
                  for n in person.needs],
        "consents": [{"reference": c.reference, "version": c.version,
                      "data_categories": [vocab.DATA_CATEGORY_NAMES.get(x, x) for x in c.data_categories],
                      "organisations": [r.organisation.name for r in c.recipients],
                      "purpose": c.purpose, "lawful_basis": vocab.LAWFUL_BASIS_NAMES.get(c.lawful_basis),
                      "regime": vocab.REGIME_NAMES.get(c.regime),
                      "how_given": vocab.HOW_GIVEN_NAMES.get(c.how_given),
                      "privacy_notice_version": c.privacy_notice_version, "given_at": _iso(c.given_at),
                      "expires_at": _iso(c.expires_at), "superseded_at": _iso(c.superseded_at),
                      "withdrawn_at": _iso(c.withdrawn_at)} for c in person.consents],
        "referrals": [{"reference": r.reference, "service": r.service.name if r.service else None,
                       "organisation": r.organisation.name if r.organisation else None,
                       "status": Status(r.status).label, "created_at": _iso(r.created_at),
                       "sent_at": _iso(r.sent_at), "what_was_shared": r.snapshot,
                       "decline_reason": vocab.DECLINE_REASON_NAMES.get(r.decline_reason or ""),
                       "events": [{"status": Status(e.to_status).label, "at": _iso(e.at), "reason": e.reason}
                                  for e in r.events],
                       "feedback": ({"helpful": r.feedback.helpful,
                                     "felt_understood": r.feedback.felt_understood,
                                     "comment": r.feedback.comment} if r.feedback else None)}
                      for r in person.referrals],
    }
    audit.record(db.session, actor.id, "person.export", "person", person.id, purpose="subject access request")
    db.session.commit()
    return data


def retention_ends(person: Person) -> datetime:
    years = int(current_app.config.get("PERSON_RETENTION_YEARS", 7))
    last = queries.aware(person.last_activity_at)
    try:
        return last.replace(year=last.year + years)
    except ValueError:  # 29 February
        return last.replace(year=last.year + years, day=28)


def erase_person(person_id: str, actor_id: int, now: datetime | None = None) -> Person:
    """Anonymise a person after the retention period, keeping aggregate counts intact.

    Kept: the person row with gender, ethnicity, religion and home district (for equity and
    gap reports, whose small counts are suppressed); referrals with service, organisation,
    need categories, statuses and dates; consent dates and categories. Removed: name, case
    reference, date of birth, language, commitments, every free text, shared snapshots,
    case shares. Raises NotFound, Conflict (retention not over, open referrals, already done).
    """
    actor = _actor(actor_id, Role.ADMIN)
    person = _person_for(actor, person_id)
    now = _now(now)
    if person.anonymised_at is not None:
        raise Conflict("This person's record has already been anonymised")
    ends = retention_ends(person)
    if now < ends:
        raise Conflict(f"The retention period has not ended: this record can be anonymised from "
                       f"{ends.date().strftime('%-d %B %Y')}")
    if any(Status(r.status) in OPEN and r.status != Status.DRAFT for r in person.referrals):
        raise Conflict("This person has open referrals: close them first")
    db.session.info[ERASURE_FLAG] = True
    try:
        person.case_reference = None
        person.name = None
        person.date_of_birth = None
        person.preferred_language = None
        person.interpreter_needed = False
        person.commitments = None
        person.anonymised_at = now
        for need in person.needs:
            need.notes = None
        for consent in person.consents:
            consent.purpose = None
            consent.withdrawal_note = None
        for referral in person.referrals:
            if referral.status == Status.DRAFT:
                referral.status = Status.CANCELLED.value
                referral.closed_at = now
            referral.contact_details = None
            referral.offence_risk_summary = None
            referral.message = None
            referral.decline_detail = None
            referral.cancel_reason = None
            if referral.shared_snapshot is not None:
                referral.shared_snapshot = json.dumps({"erased_at": now.isoformat()})
            for event in referral.events:
                event.reason = None
            if referral.feedback is not None:
                referral.feedback.comment = None
        db.session.execute(delete(PersonShare).where(PersonShare.person_id == person.id))
        audit.record(db.session, actor.id, "person.erase", "person", person.id,
                     referrals=len(person.referrals))
        db.session.flush()
    finally:
        db.session.info.pop(ERASURE_FLAG, None)
    db.session.commit()
    return person


def list_outbox(actor_id: int) -> list:
    """Recent notifications as written to the outbox (admins)."""
    _actor(actor_id, Role.ADMIN)
    return queries.list_outbox()


def list_agreements(actor_id: int) -> list[InformationSharingAgreement]:
    """Every information-sharing agreement, by organisation (navigators, admins)."""
    _actor(actor_id, Role.NAVIGATOR, Role.ADMIN)
    return queries.list_agreements()


def list_due_for_erasure(actor_id: int, now: datetime | None = None) -> list[Person]:
    """People whose retention period has ended (admins), oldest activity first."""
    _actor(actor_id, Role.ADMIN)
    now = _now(now)
    years = int(current_app.config.get("PERSON_RETENTION_YEARS", 7))
    candidates = queries.list_people_past_retention(now - timedelta(days=365 * years))
    return [p for p in candidates if retention_ends(p) <= now]


__all__ = [
    "CLOSED", "OPEN", "SharingCheck", "add_need", "build_snapshot", "cancel_referral", "check_sharing",
    "create_agreement", "create_person", "end_agreement", "erase_person", "export_person", "get_draft",
    "list_due_for_erasure", "list_provider_inbox", "my_referrals", "open_referral", "overdue_queue",
    "record_consent", "record_feedback", "retention_ends", "review_referral", "send_referral",
    "set_need_agreement", "set_referral_needs", "set_referral_sharing", "share_person", "sharing_withdrawn",
    "signpost_referral", "start_referral", "update_person", "update_referral_status", "view_caseload",
    "view_person", "view_referral", "withdraw_consent",
]
