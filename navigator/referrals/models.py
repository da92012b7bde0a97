"""Referral models: people on probation, their agreed needs, consent, agreements, referrals.

Codes (ethnicity, religion, gender, need category, data category, status) are stored as
stable strings from `navigator.referrals.vocab` so that aggregate reports can group by them
and survive anonymisation. Consent rows and shared snapshots are never edited in place.
"""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from navigator.database import Base, UTCDateTime, new_id
from navigator.times import utcnow


class Person(Base):
    """Someone on probation, recorded with the least data that works."""

    __tablename__ = "people"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    # Delius CRN ("X123456"); None once anonymised.
    case_reference: Mapped[str | None] = mapped_column(String(7), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    gender: Mapped[str | None] = mapped_column(String(24), index=True)
    ethnicity: Mapped[str | None] = mapped_column(String(40), index=True)
    religion: Mapped[str | None] = mapped_column(String(40), index=True)
    preferred_language: Mapped[str | None] = mapped_column(String(8))
    interpreter_needed: Mapped[bool] = mapped_column(Boolean, default=False)
    home_outcode: Mapped[str | None] = mapped_column(String(4), index=True)
    commitments: Mapped[str | None] = mapped_column(Text)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Retention runs from the last thing that happened to this person's records.
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    owner = relationship("User", foreign_keys=[owner_id])
    needs: Mapped[list[Need]] = relationship(back_populates="person", order_by="Need.created_at")
    consents: Mapped[list[Consent]] = relationship(
        back_populates="person", order_by="Consent.given_at.desc()"
    )
    shares: Mapped[list[PersonShare]] = relationship(back_populates="person")
    referrals: Mapped[list[Referral]] = relationship(
        back_populates="person", order_by="Referral.created_at.desc()"
    )

    @property
    def display_name(self) -> str:
        return self.name or "Anonymised person"


class PersonShare(Base):
    """A case shared with another practitioner (cover, transfer, joint working)."""

    __tablename__ = "person_shares"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    shared_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    person: Mapped[Person] = relationship(back_populates="shares")
    user = relationship("User", foreign_keys=[user_id])

    __table_args__ = (UniqueConstraint("person_id", "user_id", name="uq_person_shares_person_user"),)


class Need(Base):
    """A need identified with the person; only agreed needs can be referred for."""

    __tablename__ = "needs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True)
    category: Mapped[str] = mapped_column(String(40), index=True)  # vocab.NEED_CATEGORIES code
    notes: Mapped[str | None] = mapped_column(Text)
    person_agrees: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    person: Mapped[Person] = relationship(back_populates="needs")


class ConsentRecipient(Base):
    __tablename__ = "consent_recipients"

    consent_id: Mapped[str] = mapped_column(ForeignKey("consents.id"), primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), primary_key=True)

    organisation = relationship("Organisation")


class Consent(Base):
    """One version of an information-sharing consent. Content is immutable once written.

    A change is a new row in the same `chain_id` with `version` + 1 that `supersedes_id`
    the previous one (whose `superseded_at` is then set). Withdrawal sets `withdrawn_at`
    on the current version; it takes effect at once.
    """

    __tablename__ = "consents"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    reference: Mapped[str] = mapped_column(String(12), unique=True)  # "CON-7K3Q9P", safe to send
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True)
    chain_id: Mapped[str] = mapped_column(String(36), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    supersedes_id: Mapped[str | None] = mapped_column(ForeignKey("consents.id"))
    data_categories_json: Mapped[str] = mapped_column(Text, default="[]")
    purpose: Mapped[str | None] = mapped_column(Text)
    lawful_basis: Mapped[str] = mapped_column(String(32))
    regime: Mapped[str] = mapped_column(String(32))
    how_given: Mapped[str] = mapped_column(String(16))
    privacy_notice_version: Mapped[str] = mapped_column(String(40))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    given_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    withdrawal_note: Mapped[str | None] = mapped_column(Text)

    person: Mapped[Person] = relationship(back_populates="consents")
    recipients: Mapped[list[ConsentRecipient]] = relationship(cascade="all, delete-orphan")
    recorded_by = relationship("User", foreign_keys=[recorded_by_id])

    @property
    def data_categories(self) -> list[str]:
        return list(json.loads(self.data_categories_json or "[]"))

    @property
    def organization_ids(self) -> list[str]:
        return [r.organization_id for r in self.recipients]

    @property
    def expires_on(self) -> date | None:
        """The last day the consent is in force: expires_at is the start of the day after it."""
        return None if self.expires_at is None else (self.expires_at - timedelta(days=1)).date()


# Columns that may change after a consent is written: lifecycle markers only.
CONSENT_LIFECYCLE_COLUMNS = frozenset(
    {"superseded_at", "withdrawn_at", "withdrawn_by_id", "withdrawal_note", "recipients"}
)


class InformationSharingAgreement(Base):
    """An information-sharing agreement (ISA) with an organisation, in date between its dates."""

    __tablename__ = "information_sharing_agreements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    organisation = relationship("Organisation")

    def in_date(self, today: date) -> bool:
        return (
            self.ended_at is None
            and self.starts_on <= today
            and (self.ends_on is None or today <= self.ends_on)
        )


class Referral(Base):
    """A referral (or a recorded signpost) from a practitioner, for a person, to a service."""

    __tablename__ = "referrals"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    reference: Mapped[str] = mapped_column(String(12), unique=True)  # "NAV-7K3Q9P"
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True)
    practitioner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("services.id"), index=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)  # workflow.Status
    # Chosen in the draft; only what is chosen goes into the snapshot.
    data_categories_json: Mapped[str] = mapped_column(Text, default="[]")
    contact_details: Mapped[str | None] = mapped_column(Text)
    offence_risk_summary: Mapped[str | None] = mapped_column(Text)
    message: Mapped[str | None] = mapped_column(Text)  # why this service, for the provider
    # What the provider was sent: immutable JSON, with the consent and ISA it relied on.
    shared_snapshot: Mapped[str | None] = mapped_column(Text)
    consent_id: Mapped[str | None] = mapped_column(ForeignKey("consents.id"))
    isa_id: Mapped[int | None] = mapped_column(ForeignKey("information_sharing_agreements.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    ack_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signposted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decline_reason: Mapped[str | None] = mapped_column(String(24))  # vocab.DECLINE_REASONS code
    decline_detail: Mapped[str | None] = mapped_column(Text)
    cancel_reason: Mapped[str | None] = mapped_column(Text)

    person: Mapped[Person] = relationship(back_populates="referrals")
    practitioner = relationship("User", foreign_keys=[practitioner_id])
    service = relationship("Service")
    organisation = relationship("Organisation")
    consent = relationship("Consent")
    isa = relationship("InformationSharingAgreement")
    needs: Mapped[list[ReferralNeed]] = relationship(
        back_populates="referral", cascade="all, delete-orphan"
    )
    events: Mapped[list[ReferralEvent]] = relationship(
        back_populates="referral", order_by="ReferralEvent.id"
    )
    feedback: Mapped[Feedback | None] = relationship(back_populates="referral", uselist=False)

    @property
    def data_categories(self) -> list[str]:
        return list(json.loads(self.data_categories_json or "[]"))

    @property
    def snapshot(self) -> dict | None:
        return json.loads(self.shared_snapshot) if self.shared_snapshot else None

    @property
    def need_categories(self) -> list[str]:
        return [n.category for n in self.needs]


class ReferralNeed(Base):
    """An agreed need a referral is for; the category is copied so it outlives erasure."""

    __tablename__ = "referral_needs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_id: Mapped[str] = mapped_column(ForeignKey("referrals.id"), index=True)
    need_id: Mapped[str | None] = mapped_column(ForeignKey("needs.id"))
    category: Mapped[str] = mapped_column(String(40), index=True)

    referral: Mapped[Referral] = relationship(back_populates="needs")
    need = relationship("Need")

    __table_args__ = (UniqueConstraint("referral_id", "need_id", name="uq_referral_needs_need"),)


class ReferralEvent(Base):
    """One status transition: who, when, from what to what, and why."""

    __tablename__ = "referral_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_id: Mapped[str] = mapped_column(ForeignKey("referrals.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str | None] = mapped_column(Text)

    referral: Mapped[Referral] = relationship(back_populates="events")
    actor = relationship("User")


class Feedback(Base):
    """The person's own view of a completed referral (optional)."""

    __tablename__ = "referral_feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_id: Mapped[str] = mapped_column(ForeignKey("referrals.id"), unique=True)
    helpful: Mapped[str | None] = mapped_column(String(12))  # yes | partly | no | not-sure
    felt_understood: Mapped[str | None] = mapped_column(String(12))
    comment: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    referral: Mapped[Referral] = relationship(back_populates="feedback")


class OutboxMessage(Base):
    """A notification as written by the default notifier (reference and link only)."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    recipient: Mapped[str] = mapped_column(String(254))
    organization_id: Mapped[str | None] = mapped_column(ForeignKey("organisations.id"))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    reference: Mapped[str | None] = mapped_column(String(12), index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(String(255))


# Anonymisation is the one sanctioned rewrite; it sets this flag on the session.
ERASURE_FLAG = "navigator_referrals_erasure"


@event.listens_for(Session, "before_flush")
def _guard_immutable_records(session, flush_context, instances):
    if session.info.get(ERASURE_FLAG):
        return
    for obj in session.dirty:
        if isinstance(obj, Consent):
            if _changed_columns(obj) - CONSENT_LIFECYCLE_COLUMNS:
                raise PermissionError("Consent is never edited in place: record a new version")
        elif isinstance(obj, Referral) and "shared_snapshot" in _changed_columns(obj):
            if _old_value(obj, "shared_snapshot") is not None:
                raise PermissionError("A shared snapshot is immutable")
    for obj in session.deleted:
        if isinstance(obj, Consent | ConsentRecipient | ReferralEvent):
            raise PermissionError("Consent and referral events are never deleted")


def _changed_columns(obj) -> set[str]:
    from sqlalchemy import inspect

    state = inspect(obj)
    return {attr.key for attr in state.attrs if attr.history.has_changes()}


def _old_value(obj, key: str):
    from sqlalchemy import inspect

    history = inspect(obj).attrs[key].history
    return history.deleted[0] if history.deleted else None
