"""Sign-in throttling per account and per IP address, counted from the audit log.

The audit log is in the shared database, so the limit holds across every web worker
without a separate store. Messages stay generic so they do not reveal whether an
account exists.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from navigator.audit import AuditEvent
from navigator.extensions import db
from navigator.times import utcnow

WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_IP = 30


def _failures(*conditions) -> int:
    since = utcnow() - WINDOW
    query = select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "auth.login_failed", AuditEvent.at >= since, *conditions
    )
    return db.session.scalar(query) or 0


def is_throttled(email_key: str | None, ip: str | None) -> bool:
    """True when too many recent failures for this account key or this IP."""
    if email_key and _failures(AuditEvent.target_id == email_key) >= MAX_FAILURES_PER_ACCOUNT:
        return True
    return bool(ip) and _failures(AuditEvent.ip == ip) >= MAX_FAILURES_PER_IP
