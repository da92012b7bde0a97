"""The referral state machine: statuses, allowed transitions, one event per transition.

    draft ──send──▶ sent ──provider opens──▶ received ──▶ accepted ──▶ started ──▶ completed
      │                                          │            │            ├──────▶ ended early
      └──▶ signposted (nothing shared)           └▶ declined  └────────────┴──────▶ did not attend
    cancelled: by the practitioner from any open status (draft, sent, received, accepted, started)

Callers lock the referral row first (services.py); `apply` re-checks the status it reads
inside that lock, so of two racing changes exactly one is legal.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from navigator.errors import Conflict


class Status(enum.StrEnum):
    DRAFT = "draft"
    SIGNPOSTED = "signposted"
    SENT = "sent"
    RECEIVED = "received"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    STARTED = "started"
    COMPLETED = "completed"
    ENDED_EARLY = "ended_early"
    DID_NOT_ATTEND = "did_not_attend"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return LABELS[self]

    @property
    def tag_class(self) -> str:
        return TAG_CLASSES.get(self, "govuk-tag--grey")


LABELS = {
    Status.DRAFT: "Draft",
    Status.SIGNPOSTED: "Signposted",
    Status.SENT: "Sent",
    Status.RECEIVED: "Received",
    Status.ACCEPTED: "Accepted",
    Status.DECLINED: "Declined",
    Status.STARTED: "Started",
    Status.COMPLETED: "Completed",
    Status.ENDED_EARLY: "Ended early",
    Status.DID_NOT_ATTEND: "Did not attend",
    Status.CANCELLED: "Cancelled",
}

TAG_CLASSES = {
    Status.DRAFT: "govuk-tag--grey",
    Status.SENT: "govuk-tag--blue",
    Status.RECEIVED: "govuk-tag--light-blue",
    Status.ACCEPTED: "govuk-tag--turquoise",
    Status.STARTED: "govuk-tag--purple",
    Status.COMPLETED: "govuk-tag--green",
    Status.DECLINED: "govuk-tag--orange",
    Status.ENDED_EARLY: "govuk-tag--yellow",
    Status.DID_NOT_ATTEND: "govuk-tag--yellow",
    Status.CANCELLED: "govuk-tag--grey",
    Status.SIGNPOSTED: "govuk-tag--grey",
}

OPEN = frozenset({Status.DRAFT, Status.SENT, Status.RECEIVED, Status.ACCEPTED, Status.STARTED})
CLOSED = frozenset(Status) - OPEN
# Statuses a provider ever sees (drafts and signposts never reach them).
VISIBLE_TO_PROVIDER = frozenset(Status) - {Status.DRAFT, Status.SIGNPOSTED}
AWAITING_ACK = frozenset({Status.SENT, Status.RECEIVED})
PROVIDER_TABS = {
    "new": frozenset({Status.SENT, Status.RECEIVED}),
    "in-progress": frozenset({Status.ACCEPTED, Status.STARTED}),
    "closed": VISIBLE_TO_PROVIDER - {Status.SENT, Status.RECEIVED, Status.ACCEPTED, Status.STARTED},
}


class Actor(enum.StrEnum):
    PRACTITIONER = "practitioner"  # the referring side (owner or a practitioner the case is shared with)
    PROVIDER = "provider"  # staff of the receiving organisation


@dataclass(frozen=True)
class Transition:
    source: Status
    target: Status
    actor: Actor
    stamp: str | None  # Referral column set to the transition time
    needs_reason: bool = False


TRANSITIONS: dict[tuple[Status, Status], Transition] = {}


def _allow(source, target, actor, stamp=None, needs_reason=False):
    TRANSITIONS[(source, target)] = Transition(source, target, actor, stamp, needs_reason)


_allow(Status.DRAFT, Status.SENT, Actor.PRACTITIONER, "sent_at")
_allow(Status.DRAFT, Status.SIGNPOSTED, Actor.PRACTITIONER, "signposted_at")
_allow(Status.SENT, Status.RECEIVED, Actor.PROVIDER, "received_at")
_allow(Status.RECEIVED, Status.ACCEPTED, Actor.PROVIDER, "accepted_at")
_allow(Status.RECEIVED, Status.DECLINED, Actor.PROVIDER, "declined_at", needs_reason=True)
_allow(Status.ACCEPTED, Status.STARTED, Actor.PROVIDER, "started_at")
_allow(Status.ACCEPTED, Status.DID_NOT_ATTEND, Actor.PROVIDER, "closed_at")
_allow(Status.STARTED, Status.COMPLETED, Actor.PROVIDER, "closed_at")
_allow(Status.STARTED, Status.ENDED_EARLY, Actor.PROVIDER, "closed_at", needs_reason=True)
_allow(Status.STARTED, Status.DID_NOT_ATTEND, Actor.PROVIDER, "closed_at")
for _source in OPEN:
    _allow(_source, Status.CANCELLED, Actor.PRACTITIONER, "closed_at", needs_reason=True)


def allowed(source: Status | str, target: Status | str, actor: Actor) -> bool:
    rule = TRANSITIONS.get((Status(source), Status(target)))
    return rule is not None and rule.actor == actor


def next_statuses(source: Status | str, actor: Actor) -> list[Status]:
    """Statuses this actor may move a referral to from `source` (for buttons)."""
    return [t.target for t in TRANSITIONS.values() if t.source == Status(source) and t.actor == actor]


def apply(referral, target: Status | str, actor: Actor, actor_id: int | None, reason: str | None,
          now: datetime):
    """Move `referral` to `target` and return the new ReferralEvent (added by the caller).

    Raises Conflict when the move is not allowed from the referral's current status or
    not by this kind of actor, and when a reason is required but missing.
    """
    from navigator.referrals.models import ReferralEvent

    source = Status(referral.status)
    target = Status(target)
    rule = TRANSITIONS.get((source, target))
    if rule is None or rule.actor != actor:
        raise Conflict(
            f"This referral is {source.label.lower()}: it cannot be marked "
            f"{target.label.lower()} now",
            {"status": [f"Cannot change from {source.label} to {target.label}"]},
        )
    if rule.needs_reason and not (reason or "").strip():
        raise Conflict("Give a reason", {"reason": ["Enter a reason"]})
    referral.status = target.value
    referral.updated_at = now
    if rule.stamp:
        setattr(referral, rule.stamp, now)
    return ReferralEvent(
        referral_id=referral.id, from_status=source.value, to_status=target.value,
        actor_id=actor_id, at=now, reason=(reason or "").strip() or None,
    )
