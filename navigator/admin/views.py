"""Admin pages: search and export the audit log."""
from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, render_template, request
from flask_login import current_user

from navigator.admin.queries import PAGE_SIZE, AuditFilter, list_audit_events
from navigator.admin.services import export_audit_log
from navigator.auth.models import Role
from navigator.auth.permissions import roles_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _parse_date(value: str | None, errors: list[str], label: str):
    if not value:
        return None
    try:
        return datetime.strptime(value.strip(), "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        errors.append(f"{label} must be a real date in the format 2026-01-31")
        return None


def _filter_from_args() -> tuple[AuditFilter, list[str]]:
    errors: list[str] = []
    args = request.args
    f = AuditFilter(
        action=(args.get("action") or "")[:80].strip(),
        actor=(args.get("actor") or "")[:254].strip(),
        target_id=(args.get("target_id") or "")[:64].strip(),
        date_from=_parse_date(args.get("from"), errors, "From date"),
        date_to=_parse_date(args.get("to"), errors, "To date"),
    )
    return f, errors


@bp.route("/audit")
@roles_required(Role.ADMIN)
def audit_log():
    f, errors = _filter_from_args()
    page = request.args.get("page", "1")
    page = int(page) if page.isdigit() and 0 < int(page) < 100000 else 1
    rows, total = list_audit_events(f, page)
    pages = max(1, -(-total // PAGE_SIZE))
    return render_template("admin/audit.html", rows=rows, total=total, page=page, pages=pages,
                           errors=errors, f=f, args=request.args), (400 if errors else 200)


@bp.route("/audit.csv")
@roles_required(Role.ADMIN)
def audit_export():
    f, errors = _filter_from_args()
    if errors:
        return render_template("admin/audit.html", rows=[], total=0, page=1, pages=1,
                               errors=errors, f=f, args=request.args), 400
    body = export_audit_log(f, current_user.id)
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=audit-log.csv"})
