"""Web plumbing shared by every blueprint: access checks, headers, errors, templates."""
from __future__ import annotations

import logging
import uuid
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, current_app, g, jsonify, render_template, request, send_from_directory, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from jinja2 import StrictUndefined
from markupsafe import Markup, escape
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException

from navigator import audit
from navigator.auth.permissions import PUBLIC, access_of, can
from navigator.auth.sessions import enforce_timeouts
from navigator.errors import DomainError
from navigator.extensions import db
from navigator.times import format_date

log = logging.getLogger("navigator")

STATIC_ENDPOINTS = frozenset({"static", "vendor", "govuk_assets"})
ROOT = Path(__file__).resolve().parent.parent
# Front-end packages come from npm (package-lock.json); they are served, never copied.
VENDOR = {
    "govuk": ("node_modules/govuk-frontend/dist/govuk",),
    "leaflet": ("node_modules/leaflet/dist",),
}

NAVIGATION = [
    ("main.home", "Home"),
    ("search.search", "Search"),
    ("referrals.caseload", "People"),
    ("referrals.my_referrals", "Referrals"),
    ("referrals.inbox", "Inbox"),
    ("directory.organisations", "Directory"),
    ("directory.queue", "Verification"),
    ("directory.suggestions", "Suggestions"),
    ("directory.my_suggestions", "My suggestions"),
    ("referrals.overdue", "Overdue referrals"),
    ("referrals.agreements", "Sharing agreements"),
    ("interop.import_page", "Import"),
    ("reports.gap_map", "Gap map"),
    ("reports.equity", "Equity"),
    ("auth.users", "Users"),
    ("admin.audit_log", "Audit log"),
    ("referrals.outbox", "Outbox"),
    ("referrals.retention", "Retention"),
]


def vendor_root(app: Flask) -> Path:
    return Path(app.config.get("VENDOR_ROOT") or ROOT)


def register_web(app: Flask) -> None:
    app.jinja_env.undefined = StrictUndefined
    app.jinja_env.autoescape = True
    audit.set_context_provider(_audit_context)
    app.before_request(_start_request)
    app.before_request(_enforce_access)
    app.after_request(_security_headers)
    app.context_processor(_template_context)
    app.add_template_filter(_nl2br, "nl2br")
    app.add_template_filter(_safe_url, "safe_url")
    app.add_template_filter(format_date, "date")
    app.add_template_global(_url_with, "url_with")
    _register_error_handlers(app)
    _register_vendor_routes(app)


def _audit_context():
    class Ctx:
        ip = request.remote_addr if request else None
        request_id = g.get("request_id") if g else None

    try:
        return Ctx()
    except RuntimeError:
        return audit.AuditContext()


def _start_request():
    g.request_id = uuid.uuid4().hex[:16]
    if request.endpoint not in STATIC_ENDPOINTS and enforce_timeouts():
        from flask import flash, redirect

        flash("You were signed out because your session timed out")
        return redirect(url_for("auth.login"))
    return None


def _enforce_access():
    if request.endpoint is None:
        return None  # 404/405 handled by Flask
    if request.endpoint in STATIC_ENDPOINTS:
        return None
    func = current_app.view_functions.get(request.endpoint)
    access = access_of(func)
    if access == PUBLIC:
        return None
    if not current_user.is_authenticated:
        from navigator.extensions import login_manager

        return login_manager.unauthorized()
    if can(current_user, func):
        return None
    audit.record(db.session, current_user.id, "access.refused", "endpoint", request.endpoint)
    db.session.commit()
    return _error_page(403, "You do not have permission to view this page")


def _security_headers(response):
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: "
        + _tile_origin()
        + "; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
        "form-action 'self'; frame-ancestors 'none'",
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "geolocation=(), camera=(), microphone=()"
    if request.is_secure or current_app.config["SESSION_COOKIE_SECURE"]:
        response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if current_user.is_authenticated and request.endpoint not in STATIC_ENDPOINTS:
        # Pages behind sign-in may show person data: never cache them anywhere.
        response.headers["Cache-Control"] = "no-store"
    response.headers["X-Request-Id"] = g.get("request_id", "")
    return response


def _tile_origin() -> str:
    tile = current_app.config.get("MAP_TILE_URL") or ""
    parts = urlsplit(tile.replace("{s}", "a"))
    if parts.scheme in ("http", "https") and parts.netloc:
        host = parts.netloc.replace("a.", "*.", 1) if "{s}" in tile else parts.netloc
        return f"{parts.scheme}://{host}"
    return ""


def _template_context():
    nav = []
    for endpoint, label in NAVIGATION:
        func = current_app.view_functions.get(endpoint)
        if func is not None and current_user.is_authenticated and can(current_user, func):
            nav.append((endpoint, label, url_for(endpoint)))
    return {
        "navigation": nav,
        "current_endpoint": request.endpoint or "",
        "config_public": {
            "map_tile_url": current_app.config.get("MAP_TILE_URL") or "",
            "map_tile_attribution": current_app.config.get("MAP_TILE_ATTRIBUTION") or "",
        },
    }


def _url_with(**changes) -> str:
    """This page's URL with some query parameters changed (None removes one); others are kept."""
    args = request.args.to_dict(flat=False)
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = [str(value)]
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def _nl2br(value):
    if not value:
        return ""
    return Markup("<br>").join(escape(value).split("\n"))


def _safe_url(value):
    """Only http(s) links are rendered as links; anything else (javascript:) is dropped."""
    if value and str(value).strip().lower().startswith(("http://", "https://")):
        return str(value).strip()
    return ""


def _wants_json() -> bool:
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best == "application/json"
    )


def _error_page(status: int, message: str, errors=None):
    if _wants_json():
        return jsonify({"error": message, "status": status, "errors": errors or {}}), status
    return render_template("errors/error.html", status=status, message=message), status


MESSAGES = {
    400: "The request could not be understood. Check what you entered and try again.",
    403: "You do not have permission to view this page",
    404: "Page not found",
    405: "That action is not allowed on this page",
    409: "Someone else changed this record",
    413: "The file is too large",
    422: "The information could not be saved",
    429: "Too many attempts. Wait a few minutes and try again.",
}


def _register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(exc: DomainError):
        db.session.rollback()
        return _error_page(exc.status_code, exc.message or MESSAGES.get(exc.status_code, "Error"),
                           exc.errors)

    @app.errorhandler(CSRFError)
    def _csrf(exc):
        return _error_page(400, "Your form has expired or was sent from elsewhere. "
                                "Go back, reload the page and try again.")

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        status = exc.code or 500
        message = MESSAGES.get(status) or exc.description or "Error"
        return _error_page(status, message)

    @app.errorhandler(DataError)
    def _data_error(exc: DataError):
        db.session.rollback()
        # PostgreSQL refuses NUL bytes in text, even in a lookup by id; SQLite just finds nothing.
        # Any other DataError is a missing validation: let it stay a loud 500.
        if "NUL" in str(getattr(exc, "orig", "")):
            log.info("refused a NUL byte in input request_id=%s", g.get("request_id"))
            return _error_page(400, "What you entered contains a character that is not allowed "
                                    "(a NUL byte). Remove it and try again.")
        return _unexpected(exc)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        db.session.rollback()
        log.exception("unhandled error request_id=%s", g.get("request_id"))
        return _error_page(500, "Sorry, there is a problem with the service. Try again later.")


def _register_vendor_routes(app: Flask) -> None:
    def vendor(package: str, filename: str):
        if package not in VENDOR:
            return _error_page(404, MESSAGES[404])
        return send_from_directory(vendor_root(app) / VENDOR[package][0], filename, max_age=86400)

    def govuk_assets(filename: str):
        return send_from_directory(
            vendor_root(app) / VENDOR["govuk"][0] / "assets", filename, max_age=86400
        )

    app.add_url_rule("/vendor/<package>/<path:filename>", "vendor", vendor)
    app.add_url_rule("/assets/<path:filename>", "govuk_assets", govuk_assets)
