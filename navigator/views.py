"""Home page (a start point per role) and the health check."""
from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from sqlalchemy import text

from navigator.auth.permissions import public, roles_required
from navigator.extensions import db

bp = Blueprint("main", __name__)


@bp.route("/")
@roles_required()
def home():
    return render_template("home.html")


@bp.route("/health")
@public
def health():
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
    except Exception:  # noqa: BLE001 - health reports any database failure as unhealthy
        return jsonify({"status": "unhealthy", "database": "unreachable"}), 503
    return jsonify({"status": "ok", "database": "ok"})
