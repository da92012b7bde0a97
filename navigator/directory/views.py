"""Directory pages: navigators curate organisations, services and locations, work the
verification queue and review suggested edits; practitioners and providers suggest changes.

Views are thin: parse the form, call one service function, render or redirect.
"""
from __future__ import annotations

import json

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from navigator.auth.models import Role
from navigator.auth.permissions import roles_required
from navigator.directory import forms, queries, services
from navigator.directory.vocab import WEEKDAYS, ServiceStatus
from navigator.errors import Conflict, NotFound, ValidationError
from navigator.times import utcnow

bp = Blueprint("directory", __name__, url_prefix="/directory")

CURATORS = (Role.NAVIGATOR,)
SUGGESTERS = (Role.PRACTITIONER, Role.PROVIDER)
HISTORY_KINDS = {"organisations": "organisation", "services": "service", "locations": "location"}
PER_PAGE = 50


def _status(form) -> int:
    return 200 if not forms.error_items(form) else 400


def _period() -> int:
    return int(current_app.config.get("VERIFICATION_PERIOD_DAYS", 182))


# --------------------------------------------------------------------------- organisations

@bp.route("/")
@roles_required(*CURATORS)
def organisations():
    name = (request.args.get("q") or "").strip()[:200]
    attention = request.args.get("attention") or ""
    if attention not in queries.ATTENTION_FILTERS:
        attention = ""
    try:
        page = max(1, int(request.args.get("page", "1")))
    except ValueError:
        page = 1
    rows, total = queries.list_organisations(name, attention, today=utcnow().date(),
                                             period_days=_period(), page=page, per_page=PER_PAGE)
    pages = max(1, (total + PER_PAGE - 1) // PER_PAGE)
    return render_template("directory/organisations.html", rows=rows, total=total, q=name,
                           attention=attention, filters=queries.ATTENTION_FILTERS, page=page,
                           pages=pages)


@bp.route("/organisations/new", methods=["GET", "POST"])
@roles_required(*CURATORS)
def new_organisation():
    form = forms.OrganisationForm()
    status = 200
    if form.validate_on_submit():
        try:
            org = services.create_organisation(forms.organisation_data(form, include_active=False),
                                               current_user.id)
        except ValidationError as exc:
            forms.apply_service_errors(form, exc.errors)
            status = 422
        else:
            flash(f"{org.name} added to the directory")
            return redirect(url_for("directory.organisation", org_id=org.id))
    return render_template("directory/organisation_form.html", form=form, org=None,
                           errors=forms.error_items(form), conflict=None), max(status, _status(form))


@bp.route("/organisations/<org_id>")
@roles_required(*CURATORS)
def organisation(org_id: str):
    org = queries.get_organisation(org_id)
    return render_template("directory/organisation.html", org=org,
                           cutoff=queries.verification_cutoff(utcnow().date(), _period()))


@bp.route("/organisations/<org_id>/edit", methods=["GET", "POST"])
@roles_required(*CURATORS)
def edit_organisation(org_id: str):
    org = queries.get_organisation(org_id)
    if request.method == "GET":
        form = forms.OrganisationForm(data={**queries.organisation_snapshot(org), "version": org.version})
    else:
        form = forms.OrganisationForm()
    status, conflict = 200, None
    if form.validate_on_submit():
        data = forms.organisation_data(form, include_active=True)
        try:
            services.update_organisation(org_id, data, form.version.data, current_user.id)
        except ValidationError as exc:
            forms.apply_service_errors(form, exc.errors)
            status = 422
        except Conflict as exc:
            org = queries.get_organisation(org_id)
            conflict = _conflict(exc, org, queries.organisation_snapshot(org), data)
            form.version.data = str(org.version)
            status = 409
        else:
            flash("Organisation details saved")
            return redirect(url_for("directory.organisation", org_id=org_id))
    return render_template("directory/organisation_form.html", form=form, org=org,
                           errors=forms.error_items(form), conflict=conflict), max(status, _status(form))


def _conflict(exc: Conflict, row, saved: dict, mine: dict, location_names=None) -> dict:
    """What the second editor needs: who saved, when, and their values beside yours."""
    rows = []
    for field, value in mine.items():
        if field not in saved or saved.get(field) == value:
            continue
        rows.append({"label": queries.FIELD_LABELS.get(field, field),
                     "saved": queries.display_value(field, saved.get(field), location_names),
                     "mine": queries.display_value(field, value, location_names)})
    return {"message": exc.message, "rows": rows, "updated_at": row.updated_at,
            "updated_by": queries.get_user_name(row.updated_by_id) or "another user"}


# --------------------------------------------------------------------------- services

def _service_page(form, *, org, service=None, title, action, mode, conflict=None, status=200,
                  extra=None):
    return render_template(
        "directory/service_form.html", form=form, org=org, service=service, title=title,
        action=action, mode=mode, conflict=conflict, errors=forms.error_items(form),
        weekdays=WEEKDAYS, **(extra or {}),
    ), max(status, _status(form))


@bp.route("/organisations/<org_id>/services/new", methods=["GET", "POST"])
@roles_required(*CURATORS)
def new_service(org_id: str):
    org = queries.get_organisation(org_id)
    form = forms.ServiceForm(location_choices=queries.list_location_choices(org_id))
    status = 200
    if form.validate_on_submit():
        try:
            service = services.create_service(org_id, forms.service_data(form), current_user.id)
        except ValidationError as exc:
            forms.apply_service_errors(form, exc.errors)
            status = 422
        else:
            flash(f"{service.name} added")
            return redirect(url_for("directory.organisation", org_id=org_id))
    return _service_page(form, org=org, title=f"Add a service to {org.name}",
                         action=url_for("directory.new_service", org_id=org_id), mode="create",
                         status=status)


@bp.route("/services/<service_id>/edit", methods=["GET", "POST"])
@roles_required(*CURATORS)
def edit_service(service_id: str):
    service = queries.get_service(service_id)
    org = service.organisation
    choices = queries.list_location_choices(org.id)
    if request.method == "GET":
        snapshot = {**queries.service_snapshot(service), "version": service.version}
        form = forms.ServiceForm(data=forms.service_form_data(snapshot), location_choices=choices)
    else:
        form = forms.ServiceForm(location_choices=choices)
    status, conflict = 200, None
    if form.validate_on_submit():
        data = forms.service_data(form)
        try:
            services.update_service(service_id, data, form.version.data, current_user.id)
        except ValidationError as exc:
            forms.apply_service_errors(form, exc.errors)
            status = 422
        except Conflict as exc:
            service = queries.get_service(service_id)
            conflict = _conflict(exc, service, queries.service_snapshot(service),
                                 services.normalise_service_data(data), dict(choices))
            form.version.data = str(service.version)
            status = 409
        else:
            flash(f"{service.name} saved")
            return redirect(url_for("directory.organisation", org_id=org.id))
    return _service_page(form, org=org, service=service, title=f"Edit {service.name}",
                         action=url_for("directory.edit_service", service_id=service_id), mode="edit",
                         conflict=conflict, status=status)


@bp.route("/services/<service_id>/status", methods=["GET", "POST"])
@roles_required(*CURATORS)
def service_status(service_id: str):
    service = queries.get_service(service_id)
    if request.method == "GET":
        form = forms.StatusForm(data={"status": service.status.value, "version": service.version})
    else:
        form = forms.StatusForm()
    status, conflict = 200, None
    if form.validate_on_submit():
        try:
            services.set_service_status(service_id, form.status.data, form.version.data, current_user.id)
        except ValidationError as exc:
            forms.apply_service_errors(form, exc.errors)
            status = 422
        except Conflict as exc:
            service = queries.get_service(service_id)
            conflict = _conflict(exc, service, queries.service_snapshot(service),
                                 {"status": form.status.data})
            form.version.data = str(service.version)
            status = 409
        else:
            flash(f"{service.name} is now {ServiceStatus(form.status.data).label.lower()}")
            return redirect(url_for("directory.organisation", org_id=service.organization_id))
    return render_template("directory/service_status.html", form=form, service=service,
                           errors=forms.error_items(form), conflict=conflict), max(status, _status(form))


@bp.route("/services/<service_id>/verify", methods=["POST"])
@roles_required(*CURATORS)
def verify_service(service_id: str):
    service = services.verify_service(service_id, current_user.id)
    flash(f"{service.name} marked as verified today")
    target = request.form.get("next")
    if target == "organisation":
        return redirect(url_for("directory.organisation", org_id=service.organization_id))
    return redirect(url_for("directory.queue"))


# --------------------------------------------------------------------------- locations

@bp.route("/organisations/<org_id>/locations/new", methods=["GET", "POST"])
@roles_required(*CURATORS)
def new_location(org_id: str):
    org = queries.get_organisation(org_id)
    form = forms.LocationForm()
    status = 200
    if form.validate_on_submit():
        try:
            location = services.create_location(org_id, forms.location_data(form), current_user.id)
        except ValidationError as exc:
            forms.apply_service_errors(form, exc.errors)
            status = 422
        else:
            flash(_location_message(location))
            return redirect(url_for("directory.organisation", org_id=org_id))
    return render_template("directory/location_form.html", form=form, org=org, location=None,
                           errors=forms.error_items(form), conflict=None), max(status, _status(form))


def _location_message(location) -> str:
    if location.geocode_status.value == "unresolved":
        return ("Location saved, but its place could not be found on the map. "
                "It is listed in the verification queue.")
    return "Location saved"


@bp.route("/locations/<location_id>/edit", methods=["GET", "POST"])
@roles_required(*CURATORS)
def edit_location(location_id: str):
    location = queries.get_location(location_id)
    org = location.organisation
    if request.method == "GET":
        form = forms.LocationForm(data={**queries.location_snapshot(location), "version": location.version})
    else:
        form = forms.LocationForm()
    status, conflict = 200, None
    if form.validate_on_submit():
        data = forms.location_data(form)
        try:
            location = services.update_location(location_id, data, form.version.data, current_user.id)
        except ValidationError as exc:
            forms.apply_service_errors(form, exc.errors)
            status = 422
        except Conflict as exc:
            location = queries.get_location(location_id)
            conflict = _conflict(exc, location, queries.location_snapshot(location), data)
            form.version.data = str(location.version)
            status = 409
        else:
            flash(_location_message(location))
            return redirect(url_for("directory.organisation", org_id=location.organization_id))
    return render_template("directory/location_form.html", form=form, org=org, location=location,
                           errors=forms.error_items(form), conflict=conflict), max(status, _status(form))


# --------------------------------------------------------------------------- history and queue

@bp.route("/<kind>/<target_id>/history")
@roles_required(Role.NAVIGATOR, Role.ADMIN)
def history(kind: str, target_id: str):
    if kind not in HISTORY_KINDS:
        raise NotFound("Page not found")
    getter = {"organisations": queries.get_organisation, "services": queries.get_service,
              "locations": queries.get_location}[kind]
    target = getter(target_id)
    return render_template("directory/history.html", kind=HISTORY_KINDS[kind], target=target,
                           entries=queries.list_history(HISTORY_KINDS[kind], target_id),
                           labels=queries.FIELD_LABELS)


@bp.route("/queue")
@roles_required(*CURATORS)
def queue():
    today = utcnow().date()
    return render_template(
        "directory/queue.html",
        due=queries.list_verification_due(today, _period()),
        due_count=queries.count_verification_due(today, _period()),
        broken=queries.list_broken_links(),
        ungeocoded=queries.list_ungeocoded_locations(),
        period_days=_period(),
    )


# --------------------------------------------------------------------------- suggestions (review)

@bp.route("/suggestions")
@roles_required(*CURATORS)
def suggestions():
    status = request.args.get("status", "pending")
    if status not in services.SUGGESTION_STATUSES:
        status = "pending"
    items = queries.list_suggestions(status)
    return render_template("directory/suggestions.html", items=items, status=status,
                           names=queries.suggestion_target_names(items))


def _review_context(suggestion):
    service = None
    org = None
    if suggestion.target_type == "service":
        service = queries.get_service(suggestion.target_id)
        org = service.organisation
    else:
        org = queries.get_organisation(suggestion.target_id)
    return {"suggestion": suggestion, "service": service, "org": org,
            "rows": queries.suggestion_comparison(suggestion),
            "changed_since": bool(service and suggestion.base_version is not None
                                  and service.version != suggestion.base_version)}


@bp.route("/suggestions/<int:suggestion_id>")
@roles_required(*CURATORS)
def suggestion(suggestion_id: int):
    item = queries.get_suggestion(suggestion_id)
    context = _review_context(item)
    version = context["service"].version if context["service"] else ""
    return render_template("directory/suggestion.html",
                           accept_form=forms.AcceptForm(data={"version": version}),
                           reject_form=forms.RejectForm(), errors=[], **context)


@bp.route("/suggestions/<int:suggestion_id>/accept", methods=["POST"])
@roles_required(*CURATORS)
def accept_suggestion(suggestion_id: int):
    form = forms.AcceptForm()
    if not form.validate_on_submit():
        return redirect(url_for("directory.suggestion", suggestion_id=suggestion_id))
    try:
        service = services.accept_suggestion(suggestion_id, current_user.id, form.version.data or None)
    except (Conflict, ValidationError) as exc:
        item = queries.get_suggestion(suggestion_id)
        context = _review_context(item)
        problems = [msg for msgs in exc.errors.values() for msg in msgs] or [exc.message]
        version = context["service"].version if context["service"] else ""
        return render_template("directory/suggestion.html",
                               accept_form=forms.AcceptForm(formdata=None, data={"version": version}),
                               reject_form=forms.RejectForm(formdata=None), errors=problems,
                               **context), exc.status_code
    flash(f"Suggestion accepted: {service.name} updated")
    return redirect(url_for("directory.suggestions"))


@bp.route("/suggestions/<int:suggestion_id>/reject", methods=["POST"])
@roles_required(*CURATORS)
def reject_suggestion(suggestion_id: int):
    form = forms.RejectForm()
    errors: list[str] = []
    status = 400
    if form.validate_on_submit():
        try:
            services.reject_suggestion(suggestion_id, form.reason.data, current_user.id)
        except (Conflict, ValidationError) as exc:
            errors = [msg for msgs in exc.errors.values() for msg in msgs] or [exc.message]
            status = exc.status_code
        else:
            flash("Suggestion rejected")
            return redirect(url_for("directory.suggestions"))
    item = queries.get_suggestion(suggestion_id)
    context = _review_context(item)
    version = context["service"].version if context["service"] else ""
    return render_template("directory/suggestion.html",
                           accept_form=forms.AcceptForm(formdata=None, data={"version": version}),
                           reject_form=form, errors=errors + [m for _, m in forms.error_items(form)],
                           **context), status


@bp.route("/suggestions/<int:suggestion_id>/edit", methods=["GET", "POST"])
@roles_required(*CURATORS)
def edit_suggestion(suggestion_id: int):
    """Edit then accept: the service form pre-filled with the listing plus the proposal."""
    item = queries.get_suggestion(suggestion_id)
    if item.status != "pending":
        flash(f"Suggestion S-{item.id} was already {item.status}")
        return redirect(url_for("directory.suggestion", suggestion_id=suggestion_id))
    context = _review_context(item)
    service, org = context["service"], context["org"]
    if request.method == "GET":
        base = queries.service_snapshot(service) if service else {}
        proposed = json.loads(item.proposed or "{}")
        data = forms.service_form_data({**base, **proposed,
                                        "version": service.version if service else ""})
        form = forms.ServiceForm(data=data)
    else:
        form = forms.ServiceForm()
    status, conflict = 200, None
    if form.validate_on_submit():
        data = forms.service_data(form)
        try:
            accepted = services.accept_suggestion(suggestion_id, current_user.id,
                                                  form.version.data or None, overrides=data)
        except ValidationError as exc:
            forms.apply_service_errors(form, exc.errors)
            status = 422
        except Conflict as exc:
            if service is None:
                raise
            service = queries.get_service(service.id)
            conflict = _conflict(exc, service, queries.service_snapshot(service),
                                 services.normalise_service_data(data))
            form.version.data = str(service.version)
            status = 409
        else:
            flash(f"Suggestion accepted with your edits: {accepted.name} saved")
            return redirect(url_for("directory.suggestions"))
    return _service_page(form, org=org, service=service, title="Edit the suggestion, then accept it",
                         action=url_for("directory.edit_suggestion", suggestion_id=suggestion_id),
                         mode="review", conflict=conflict, status=status,
                         extra={"suggestion": item})


# --------------------------------------------------------------------------- suggesting (not navigators)

@bp.route("/services/<service_id>/suggest", methods=["GET", "POST"])
@roles_required(*SUGGESTERS)
def suggest_edit(service_id: str):
    service = services.get_suggestable_service(service_id, current_user.id)
    if request.method == "GET":
        form = forms.SuggestServiceForm(data=forms.service_form_data(queries.service_snapshot(service)))
    else:
        form = forms.SuggestServiceForm()
    status = 200
    if form.validate_on_submit():
        try:
            item = services.suggest_service_edit(service_id, forms.service_data(form), form.comment.data,
                                                 current_user.id)
        except ValidationError as exc:
            forms.apply_service_errors(form, exc.errors)
            status = 422
        else:
            return render_template("directory/suggestion_sent.html", suggestion=item,
                                   name=service.name)
    return _service_page(form, org=service.organisation, service=service,
                         title=f"Suggest a change to {service.name}",
                         action=url_for("directory.suggest_edit", service_id=service_id), mode="suggest",
                         status=status)


@bp.route("/suggest-service", methods=["GET", "POST"])
@roles_required(*SUGGESTERS)
def suggest_service():
    form = forms.ProposeServiceForm()
    if current_user.role == Role.PROVIDER:
        own = [(current_user.organization_id, current_user.organisation.name)] \
            if current_user.organisation else []
        form.organization_id.choices = own
    else:
        form.organization_id.choices = [("", "Choose an organisation")] + queries.list_organisation_choices()
    status = 200
    if form.validate_on_submit():
        if not form.organization_id.data:
            form.organization_id.errors = ["Choose the organisation that runs the service"]
            status = 400
        else:
            try:
                item = services.suggest_new_service(form.organization_id.data, forms.service_data(form),
                                                    form.comment.data, current_user.id)
            except ValidationError as exc:
                forms.apply_service_errors(form, exc.errors)
                status = 422
            else:
                return render_template("directory/suggestion_sent.html", suggestion=item,
                                       name=form.name.data)
    return _service_page(form, org=None, title="Propose a new service",
                         action=url_for("directory.suggest_service"), mode="propose", status=status)


@bp.route("/my-suggestions")
@roles_required(*SUGGESTERS)
def my_suggestions():
    items = queries.list_suggestions("", submitted_by_id=current_user.id)
    return render_template("directory/my_suggestions.html", items=items,
                           names=queries.suggestion_target_names(items))
