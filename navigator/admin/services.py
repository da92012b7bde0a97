"""Admin use cases: exporting the audit log (itself an audited action)."""
from __future__ import annotations

from navigator import audit
from navigator.admin.queries import AuditFilter, iter_audit_events
from navigator.csvsafe import to_csv
from navigator.extensions import db


def export_audit_log(f: AuditFilter, actor_id: int) -> str:
    """The matching audit events as CSV; records that this export happened."""
    rows = iter_audit_events(f)
    audit.record(db.session, actor_id, "audit.export", "audit_log", None, rows=len(rows))
    db.session.commit()
    return to_csv(
        ["at", "actor", "action", "target_type", "target_id", "ip", "request_id", "detail"],
        ([e.at.isoformat(), email or "", e.action, e.target_type or "", e.target_id or "",
          e.ip or "", e.request_id or "", e.detail or ""] for e, email in rows),
    )
