"""Audit log reads with filters; admins only (checked by the view's access rule)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import Select, func, select

from navigator.audit import AuditEvent
from navigator.auth.models import User
from navigator.extensions import db

PAGE_SIZE = 50


@dataclass
class AuditFilter:
    action: str = ""
    actor: str = ""
    target_id: str = ""
    date_from: datetime | None = None
    date_to: datetime | None = None


def _filtered(f: AuditFilter) -> Select:
    query = select(AuditEvent, User.email).outerjoin(User, User.id == AuditEvent.actor_id)
    if f.action:
        query = query.where(AuditEvent.action.startswith(f.action))
    if f.actor:
        query = query.where(User.email == f.actor.strip().lower())
    if f.target_id:
        query = query.where(AuditEvent.target_id == f.target_id)
    if f.date_from:
        query = query.where(AuditEvent.at >= f.date_from)
    if f.date_to:
        query = query.where(AuditEvent.at < datetime.combine(f.date_to.date(), time.min,
                                                              tzinfo=f.date_to.tzinfo) + timedelta(days=1))
    return query


def list_audit_events(f: AuditFilter, page: int = 1) -> tuple[list, int]:
    """One page of matching events (newest first) and the total count."""
    query = _filtered(f)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.session.execute(
        query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(PAGE_SIZE).offset((max(page, 1) - 1) * PAGE_SIZE)
    ).all()
    return rows, total


def iter_audit_events(f: AuditFilter):
    return db.session.execute(_filtered(f).order_by(AuditEvent.at, AuditEvent.id)).all()
