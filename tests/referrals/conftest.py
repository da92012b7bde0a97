"""Referral test helpers: a sent referral ready for the provider, and reading the audit log."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from navigator.audit import AuditEvent
from navigator.extensions import db
from tests import factories


@pytest.fixture
def sent(app, users):
    """A referral sent to the provider user's organisation (plain values)."""
    with app.app_context():
        return factories.make_sent_referral(users)


def audit_events(action: str, target_id: str | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.action == action)
    if target_id is not None:
        query = query.where(AuditEvent.target_id == str(target_id))
    return list(db.session.scalars(query.order_by(AuditEvent.id)))
