"""Search pages: /search, a service's page, and the printable signpost sheet."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from navigator.auth.models import Role
from navigator.auth.permissions import roles_required
from navigator.directory.search import services

bp = Blueprint("search", __name__)


@bp.route("/search")
@roles_required(Role.PRACTITIONER, Role.NAVIGATOR)
def search():
    page = services.run_search(request.args)
    if page.redirect_params is not None:
        # A full postcode may be someone's address: keep only its district in the link.
        return redirect(url_for("search.search", **page.redirect_params), 303)
    return render_template("search/search.html", page=page,
                           radius_choices=services.RADIUS_CHOICES), page.error_status


@bp.route("/services/<service_id>")
@roles_required(Role.PRACTITIONER, Role.NAVIGATOR, Role.PROVIDER, Role.COMMISSIONER, Role.ADMIN)
def service(service_id: str):
    view = services.get_service_page(service_id, current_user.id)
    return render_template("search/service.html", service=view,
                           is_practitioner=current_user.role == Role.PRACTITIONER)


@bp.route("/signpost")
@roles_required(Role.PRACTITIONER, Role.NAVIGATOR)
def signpost():
    sheet = services.get_signpost_sheet(request.args.getlist("service"))
    return render_template("search/signpost.html", sheet=sheet)
