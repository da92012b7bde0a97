"""Twenty providers pressing accept or decline at once: exactly one wins, no event is lost."""
from __future__ import annotations

import threading

from sqlalchemy import func, select

from navigator.errors import Conflict
from navigator.extensions import db
from navigator.referrals import services
from navigator.referrals.models import Referral, ReferralEvent


def test_twenty_concurrent_accept_or_decline_exactly_one_wins(app, users, sent):
    provider_id = users["provider"]["id"]
    with app.app_context():
        services.open_referral(sent["referral_id"], provider_id)
    barrier = threading.Barrier(20)
    outcomes: list[str] = []
    lock = threading.Lock()

    def press(i: int):
        action = "accept" if i % 2 == 0 else "decline"
        with app.app_context():
            barrier.wait()
            try:
                services.update_referral_status(sent["referral_id"], action, provider_id,
                                                reason_code="no-capacity")
                result = f"won:{action}"
            except Conflict:
                result = "refused"
            except Exception as exc:  # noqa: BLE001 - any other failure is the bug we look for
                result = f"error:{type(exc).__name__}:{exc}"
            finally:
                db.session.remove()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=press, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)

    winners = [o for o in outcomes if o.startswith("won")]
    assert len(outcomes) == 20
    assert [o for o in outcomes if o.startswith("error")] == []
    assert len(winners) == 1
    with app.app_context():
        referral = db.session.get(Referral, sent["referral_id"])
        assert referral.status == ("accepted" if winners[0] == "won:accept" else "declined")
        events = db.session.scalars(select(ReferralEvent.to_status).where(
            ReferralEvent.referral_id == referral.id).order_by(ReferralEvent.id)).all()
        # draft, sent, received, then the one winning decision: nothing lost, nothing doubled.
        assert events == ["draft", "sent", "received", referral.status]
        assert db.session.scalar(select(func.count()).select_from(ReferralEvent)) == 4
