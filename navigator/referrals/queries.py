"""Read-only queries over people, consent, agreements and referrals (no commits here).

These do not audit: service functions that show a person's record to someone call them
and write the audit event. Reports may call the list_* functions for aggregates.
"""
from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import or_, select

from navigator.auth.models import Role, User
from navigator.directory.models import Organisation, Service
from navigator.extensions import db
from navigator.referrals.models import (
    Consent,
    InformationSharingAgreement,
    Need,
    OutboxMessage,
    Person,
    PersonShare,
    Referral,
)
from navigator.referrals.workflow import AWAITING_ACK, PROVIDER_TABS, Status


def aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes: they were stored in UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def person_visible_to(user: User):
    """SQL condition: people this user may see (own caseload, shared cases; admins all)."""
    if user.role == Role.ADMIN:
        return Person.id.is_not(None)
    if user.role != Role.PRACTITIONER:
        return Person.id.is_(None)
    shared = select(PersonShare.person_id).where(PersonShare.user_id == user.id)
    return or_(Person.owner_id == user.id, Person.id.in_(shared))


def get_person_for(user: User, person_id: str) -> Person | None:
    return db.session.scalar(
        select(Person).where(Person.id == str(person_id), person_visible_to(user))
    )


def list_caseload(user: User) -> list[Person]:
    return list(db.session.scalars(
        select(Person).where(person_visible_to(user), Person.anonymised_at.is_(None))
        .order_by(Person.name, Person.case_reference)
    ))


def get_person_by_case_reference(case_reference: str) -> Person | None:
    return db.session.scalar(select(Person).where(Person.case_reference == case_reference))


def list_agreed_needs(person_id: str) -> list[Need]:
    return list(db.session.scalars(
        select(Need).where(Need.person_id == person_id, Need.person_agrees.is_(True))
        .order_by(Need.created_at)
    ))


def consent_in_force(consent: Consent, now: datetime) -> bool:
    """Current version, not withdrawn, given already and not yet expired."""
    return (
        consent.superseded_at is None
        and consent.withdrawn_at is None
        and aware(consent.given_at) <= now
        and (consent.expires_at is None or now < aware(consent.expires_at))
    )


def consent_status(consent: Consent, now: datetime) -> str:
    if consent.withdrawn_at is not None:
        return "Withdrawn"
    if consent.superseded_at is not None:
        return "Replaced by a newer version"
    if consent.expires_at is not None and now >= aware(consent.expires_at):
        return "Expired"
    if aware(consent.given_at) > now:
        return "Not yet in force"
    return "In force"


def list_consents_in_force(person_id: str, now: datetime) -> list[Consent]:
    rows = db.session.scalars(
        select(Consent).where(Consent.person_id == person_id, Consent.superseded_at.is_(None),
                              Consent.withdrawn_at.is_(None))
        .order_by(Consent.given_at.desc())
    )
    return [c for c in rows if consent_in_force(c, now)]


def find_covering_consent(person_id: str, organization_id: str, categories: list[str],
                          now: datetime) -> Consent | None:
    """The newest consent in force naming this organisation and every one of the categories."""
    wanted = set(categories)
    for consent in list_consents_in_force(person_id, now):
        if organization_id in consent.organization_ids and wanted <= set(consent.data_categories):
            return consent
    return None


def find_isa_in_date(organization_id: str, today: date) -> InformationSharingAgreement | None:
    rows = db.session.scalars(
        select(InformationSharingAgreement)
        .where(InformationSharingAgreement.organization_id == organization_id,
               InformationSharingAgreement.ended_at.is_(None))
        .order_by(InformationSharingAgreement.starts_on.desc())
    )
    return next((isa for isa in rows if isa.in_date(today)), None)


def list_agreements() -> list[InformationSharingAgreement]:
    return list(db.session.scalars(
        select(InformationSharingAgreement).join(Organisation)
        .order_by(Organisation.name, InformationSharingAgreement.starts_on.desc())
    ))


def get_listed_service(service_id: str) -> Service | None:
    service = db.session.get(Service, str(service_id))
    return service if service is not None and service.is_listed else None


def list_referrals_by_practitioner(user: User) -> list[Referral]:
    """Referrals this practitioner made or that are for people on their caseload."""
    people = select(Person.id).where(person_visible_to(user))
    return list(db.session.scalars(
        select(Referral).where(or_(Referral.practitioner_id == user.id, Referral.person_id.in_(people)))
        .order_by(Referral.created_at.desc())
    ))


def list_inbox(organization_id: str, tab: str) -> list[Referral]:
    statuses = [s.value for s in PROVIDER_TABS[tab]]
    return list(db.session.scalars(
        select(Referral).where(Referral.organization_id == organization_id,
                               Referral.status.in_(statuses))
        .order_by(Referral.sent_at.desc())
    ))


def count_inbox(organization_id: str) -> dict[str, int]:
    return {tab: len(list_inbox(organization_id, tab)) for tab in PROVIDER_TABS}


def is_overdue(referral: Referral, now: datetime) -> bool:
    return (
        referral.status in {s.value for s in AWAITING_ACK}
        and referral.ack_due_at is not None
        and now >= aware(referral.ack_due_at)
    )


def list_overdue(now: datetime) -> list[Referral]:
    """Referrals sent but neither accepted nor declined by their deadline (the navigator queue)."""
    return list(db.session.scalars(
        select(Referral).where(Referral.status.in_([s.value for s in AWAITING_ACK]),
                               Referral.ack_due_at <= now)
        .order_by(Referral.ack_due_at)
    ))


def provider_recipients(organization_id: str) -> list[str]:
    """Where notifications for an organisation go: its active provider users, else its email."""
    emails = list(db.session.scalars(
        select(User.email).where(User.organization_id == organization_id, User.role == Role.PROVIDER,
                                 User.active.is_(True)).order_by(User.email)
    ))
    if emails:
        return emails
    org = db.session.get(Organisation, organization_id)
    return [org.email] if org is not None and org.email else []


def list_outbox(limit: int = 200) -> list[OutboxMessage]:
    return list(db.session.scalars(
        select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    ))


def list_people_past_retention(cutoff: datetime) -> list[Person]:
    return list(db.session.scalars(
        select(Person).where(Person.anonymised_at.is_(None), Person.last_activity_at < cutoff)
        .order_by(Person.last_activity_at)
    ))


def status_of(referral: Referral) -> Status:
    return Status(referral.status)
