"""The append-only audit log: who did or read what, when, from where."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from navigator.database import Base, UTCDateTime
from navigator.times import utcnow


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True, index=True)
    action: Mapped[str] = mapped_column(String(80), index=True)
    target_type: Mapped[str | None] = mapped_column(String(40))
    target_id: Mapped[str | None] = mapped_column(String(64), index=True)
    detail: Mapped[str | None] = mapped_column(Text)
    ip: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(64))

    @property
    def detail_dict(self) -> dict[str, Any]:
        try:
            return json.loads(self.detail or "{}")
        except ValueError:
            return {}


class AuditContext:
    """Request-scoped facts (IP, request id) that the web layer sets for services to read."""

    ip: str | None = None
    request_id: str | None = None


_context_provider = lambda: AuditContext()  # noqa: E731 - replaced by the web layer


def set_context_provider(provider) -> None:
    global _context_provider
    _context_provider = provider


def record(
    session: Session,
    actor_id: int | None,
    action: str,
    target_type: str | None = None,
    target_id: Any = None,
    **detail: Any,
) -> AuditEvent:
    """Add an audit event to the session; it commits with the caller's unit of work."""
    ctx = _context_provider()
    entry = AuditEvent(
        actor_id=actor_id,
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        detail=json.dumps(detail, default=str, sort_keys=True) if detail else None,
        ip=getattr(ctx, "ip", None),
        request_id=getattr(ctx, "request_id", None),
    )
    session.add(entry)
    return entry


@event.listens_for(Session, "before_flush")
def _audit_is_append_only(session, flush_context, instances):
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise PermissionError("The audit log is append-only")
