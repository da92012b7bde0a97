"""The state machine: every allowed path works, every other transition is refused (both databases)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from navigator.errors import Conflict
from navigator.extensions import db
from navigator.referrals import services
from navigator.referrals.models import Referral, ReferralEvent
from navigator.referrals.workflow import TRANSITIONS, Actor, Status, allowed
from tests import factories

# How to reach each status from "sent", as (actor, action) steps.
PATHS = {
    Status.SENT: [],
    Status.RECEIVED: [("open", None)],
    Status.ACCEPTED: [("open", None), ("provider", "accept")],
    Status.DECLINED: [("open", None), ("provider", "decline")],
    Status.STARTED: [("open", None), ("provider", "accept"), ("provider", "start")],
    Status.COMPLETED: [("open", None), ("provider", "accept"), ("provider", "start"),
                       ("provider", "complete")],
    Status.ENDED_EARLY: [("open", None), ("provider", "accept"), ("provider", "start"),
                         ("provider", "end-early")],
    Status.DID_NOT_ATTEND: [("open", None), ("provider", "accept"), ("provider", "did-not-attend")],
    Status.CANCELLED: [("practitioner", "cancel")],
}
PROVIDER_ACTIONS = dict(services.PROVIDER_ACTIONS)


def _do(users, referral_id, step):
    kind, action = step
    if kind == "open":
        services.open_referral(referral_id, users["provider"]["id"])
    elif kind == "practitioner":
        services.cancel_referral(referral_id, "No longer needed", users["practitioner"]["id"])
    else:
        services.update_referral_status(referral_id, action, users["provider"]["id"],
                                        reason_code="not-eligible", detail="Moved away")


def _events(referral_id):
    return db.session.scalar(select(func.count()).select_from(ReferralEvent)
                             .where(ReferralEvent.referral_id == referral_id))


def test_every_transition_not_in_the_table_is_refused(app, users):
    """From each reachable status, every provider action and cancellation is tried."""
    with app.app_context():
        service_id = factories.make_service(users["provider"]["organization_id"]).id
        for status, path in PATHS.items():
            ids = factories.make_sent_referral(users, service_id=service_id)
            rid = ids["referral_id"]
            for step in path:
                _do(users, rid, step)
            db.session.expire_all()
            assert db.session.get(Referral, rid).status == status.value
            for action, target in PROVIDER_ACTIONS.items():
                if allowed(status, target, Actor.PROVIDER):
                    continue
                before = _events(rid)
                with pytest.raises(Conflict):
                    _do(users, rid, ("provider", action))
                db.session.rollback()
                assert db.session.get(Referral, rid).status == status.value
                assert _events(rid) == before
            if not allowed(status, Status.CANCELLED, Actor.PRACTITIONER):
                with pytest.raises(Conflict):
                    _do(users, rid, ("practitioner", "cancel"))
                db.session.rollback()
                assert db.session.get(Referral, rid).status == status.value
            # A sent referral cannot be sent again or turned into a signpost.
            with pytest.raises(Conflict):
                services.send_referral(rid, users["practitioner"]["id"])
            db.session.rollback()
            with pytest.raises(Conflict):
                services.signpost_referral(rid, users["practitioner"]["id"])
            db.session.rollback()


def test_providers_cannot_make_practitioner_moves_and_vice_versa():
    for (source, target), rule in TRANSITIONS.items():
        other = Actor.PROVIDER if rule.actor == Actor.PRACTITIONER else Actor.PRACTITIONER
        assert not allowed(source, target, other), (source, target)
    # Closed statuses are final.
    for source in (Status.COMPLETED, Status.DECLINED, Status.CANCELLED, Status.SIGNPOSTED,
                   Status.ENDED_EARLY, Status.DID_NOT_ATTEND):
        assert not [t for (s, t) in TRANSITIONS if s == source]


def test_every_transition_writes_one_event_with_actor_time_and_reason(app, users, sent):
    with app.app_context():
        rid = sent["referral_id"]
        for step in PATHS[Status.ENDED_EARLY]:
            _do(users, rid, step)
        events = db.session.scalars(select(ReferralEvent).where(ReferralEvent.referral_id == rid)
                                    .order_by(ReferralEvent.id)).all()
        assert [e.to_status for e in events] == ["draft", "sent", "received", "accepted", "started",
                                                 "ended_early"]
        assert [e.from_status for e in events] == [None, "draft", "sent", "received", "accepted", "started"]
        assert all(e.actor_id is not None and e.at is not None for e in events)
        assert events[-1].reason == "Moved away"


def test_decline_needs_a_reason_from_the_list(app, users, sent):
    with app.app_context():
        services.open_referral(sent["referral_id"], users["provider"]["id"])
        from navigator.errors import ValidationError

        with pytest.raises(ValidationError) as missing:
            services.update_referral_status(sent["referral_id"], "decline", users["provider"]["id"])
        assert "reason" in missing.value.errors
        with pytest.raises(ValidationError) as other:
            services.update_referral_status(sent["referral_id"], "decline", users["provider"]["id"],
                                            reason_code="other")
        assert other.value.errors["detail"] == ["Enter why you are declining this referral"]
        db.session.rollback()
        assert db.session.get(Referral, sent["referral_id"]).status == "received"


def test_illegal_transition_through_the_web_is_a_409_not_a_500(client, auth, users, sent, app):
    auth.login(users["provider"]["email"])
    page = client.get(f"/inbox/{sent['referral_id']}")
    from tests.conftest import csrf_token_from

    token = csrf_token_from(page.get_data(as_text=True))
    response = client.post(f"/inbox/{sent['referral_id']}/status",
                           data={"action": "complete", "csrf_token": token})
    assert response.status_code == 409
    assert "cannot be marked completed" in response.get_data(as_text=True)
