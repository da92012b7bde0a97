"""Referral pages: caseload, person record, consent, agreements, referral journey, provider inbox.

Thin views: parse the form, call one service function, render or redirect. URLs carry only
opaque ids (UUIDs), never a case reference or a name.
"""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from navigator.auth.models import Role
from navigator.auth.permissions import roles_required
from navigator.directory.vocab import LANGUAGE_NAMES
from navigator.errors import Conflict, NotFound, ValidationError
from navigator.forms import apply_domain_errors
from navigator.referrals import forms, queries, services, vocab
from navigator.referrals.workflow import OPEN, Actor, Status, next_statuses
from navigator.times import utcnow

bp = Blueprint("referrals", __name__)


@bp.context_processor
def _helpers():
    now = utcnow()
    return {
        "vocab": vocab,
        "language_names": LANGUAGE_NAMES,
        "Status": Status,
        "now": now,
        "consent_status": lambda c: queries.consent_status(c, now),
        "is_overdue": lambda r: queries.is_overdue(r, now),
        "status_of": lambda r: Status(r.status),
        "aware": queries.aware,
        # ack_due_at is the first moment it is overdue; people think in "due by the end of".
        "due_day": lambda r: (queries.aware(r.ack_due_at) - timedelta(seconds=1)).date()
        if r.ack_due_at else None,
    }


def _status(form) -> int:
    return 400 if form.errors or form.form_errors else 200


def _data(form, *names) -> dict:
    return {name: getattr(form, name).data for name in names}


# ---------------------------------------------------------------- people


@bp.route("/people")
@roles_required(Role.PRACTITIONER, Role.ADMIN)
def caseload():
    people = services.view_caseload(current_user.id)
    return render_template("referrals/caseload.html", people=people)


PERSON_FIELDS = ("case_reference", "name", "date_of_birth", "gender", "ethnicity", "religion",
                 "preferred_language", "interpreter_needed", "home_postcode", "commitments")


@bp.route("/people/new", methods=["GET", "POST"])
@roles_required(Role.PRACTITIONER)
def new_person():
    form = forms.PersonForm()
    if form.validate_on_submit():
        try:
            person = services.create_person(_data(form, *PERSON_FIELDS), current_user.id)
        except ValidationError as exc:
            apply_domain_errors(form, exc.errors)
        else:
            flash("Person added to your caseload")
            return redirect(url_for("referrals.person", person_id=person.id))
    return render_template("referrals/person_form.html", form=form, person=None,
                           person_id=None), _status(form)


@bp.route("/people/<person_id>")
@roles_required(Role.PRACTITIONER, Role.ADMIN)
def person(person_id: str):
    record = services.view_person(person_id, current_user.id, purpose="view person")
    return render_template("referrals/person.html", person=record, share_form=forms.ShareForm(),
                           confirm=forms.ConfirmForm())


@bp.route("/people/<person_id>/edit", methods=["GET", "POST"])
@roles_required(Role.PRACTITIONER)
def edit_person(person_id: str):
    if request.method == "GET":
        record = services.view_person(person_id, current_user.id, purpose="change person details")
        form = forms.PersonForm(obj=record, home_postcode=record.home_outcode)
        return render_template("referrals/person_form.html", form=form, person=record,
                               person_id=record.id)
    form = forms.PersonForm()
    if form.validate_on_submit():
        try:
            record = services.update_person(person_id, _data(form, *PERSON_FIELDS), current_user.id)
        except ValidationError as exc:
            apply_domain_errors(form, exc.errors)
        else:
            flash("Details saved")
            return redirect(url_for("referrals.person", person_id=record.id))
    return render_template("referrals/person_form.html", form=form, person=None,
                           person_id=person_id), 400


@bp.route("/people/<person_id>/share", methods=["POST"])
@roles_required(Role.PRACTITIONER)
def share_person(person_id: str):
    form = forms.ShareForm()
    if form.validate_on_submit():
        try:
            services.share_person(person_id, form.email.data, current_user.id)
        except ValidationError as exc:
            apply_domain_errors(form, exc.errors)
        else:
            flash("Case shared")
            return redirect(url_for("referrals.person", person_id=person_id))
    record = services.view_person(person_id, current_user.id, purpose="share case")
    return render_template("referrals/person.html", person=record, share_form=form,
                           confirm=forms.ConfirmForm()), 400


@bp.route("/people/<person_id>/needs/new", methods=["GET", "POST"])
@roles_required(Role.PRACTITIONER)
def add_need(person_id: str):
    form = forms.NeedForm()
    if form.validate_on_submit():
        try:
            services.add_need(person_id, _data(form, "category", "notes", "person_agrees"), current_user.id)
        except ValidationError as exc:
            apply_domain_errors(form, exc.errors)
        else:
            flash("Need recorded")
            return redirect(url_for("referrals.person", person_id=person_id) + "#needs")
    record = services.view_person(person_id, current_user.id, purpose="add need")
    return render_template("referrals/need_form.html", form=form, person=record), _status(form)


@bp.route("/people/<person_id>/needs/<need_id>/agreement", methods=["POST"])
@roles_required(Role.PRACTITIONER)
def need_agreement(person_id: str, need_id: str):
    form = forms.ConfirmForm()
    if not form.validate_on_submit():
        raise ValidationError("Your form has expired. Go back, reload the page and try again.")
    need = services.set_need_agreement(need_id, request.form.get("agrees") == "yes", current_user.id)
    flash("Agreement recorded")
    return redirect(url_for("referrals.person", person_id=need.person_id) + "#needs")


CONSENT_FIELDS = ("data_categories", "organization_ids", "purpose", "lawful_basis", "regime", "how_given",
                  "privacy_notice_version", "given_on", "expires_on")


@bp.route("/people/<person_id>/consents/new", methods=["GET", "POST"])
@roles_required(Role.PRACTITIONER)
def add_consent(person_id: str):
    from navigator.directory.queries import list_organisation_choices

    replaces = request.args.get("replaces") or None
    form = forms.ConsentForm()
    form.organization_ids.choices = list_organisation_choices()
    if form.validate_on_submit():
        try:
            services.record_consent(person_id, _data(form, *CONSENT_FIELDS), current_user.id,
                                    replaces_id=replaces)
        except ValidationError as exc:
            apply_domain_errors(form, exc.errors)
        else:
            flash("Consent recorded" if not replaces else "New version of consent recorded")
            return redirect(url_for("referrals.person", person_id=person_id) + "#consent")
    record = services.view_person(person_id, current_user.id, purpose="record consent")
    previous = next((c for c in record.consents if c.id == replaces), None)
    if request.method == "GET":
        form.privacy_notice_version.data = current_app.config.get("PRIVACY_NOTICE_VERSION", "2025-1")
        if previous is not None:
            form.data_categories.data = previous.data_categories
            form.organization_ids.data = previous.organization_ids
            form.purpose.data = previous.purpose
            form.lawful_basis.data = previous.lawful_basis
            form.regime.data = previous.regime
        elif request.args.get("organisation"):
            form.organization_ids.data = [request.args["organisation"]]
    return render_template("referrals/consent_form.html", form=form, person=record,
                           previous=previous), _status(form)


@bp.route("/people/<person_id>/consents/<consent_id>/withdraw", methods=["GET", "POST"])
@roles_required(Role.PRACTITIONER)
def withdraw_consent(person_id: str, consent_id: str):
    form = forms.NoteForm()
    if form.validate_on_submit():
        try:
            services.withdraw_consent(consent_id, current_user.id, form.note.data)
        except ValidationError as exc:
            apply_domain_errors(form, exc.errors)
        else:
            flash("Consent withdrawn. Nothing more will be shared under it, and each organisation "
                  "has been told.")
            return redirect(url_for("referrals.person", person_id=person_id) + "#consent")
    record = services.view_person(person_id, current_user.id, purpose="withdraw consent")
    consent = next((c for c in record.consents if c.id == consent_id), None)
    if consent is None:
        raise NotFound("Consent not found")
    return render_template("referrals/withdraw_consent.html", form=form, person=record,
                           consent=consent), _status(form)


# ---------------------------------------------------------------- rights (admins)


@bp.route("/people/<person_id>/export")
@roles_required(Role.ADMIN)
def export_person(person_id: str):
    data = services.export_person(person_id, current_user.id)
    return render_template("referrals/export.html", data=data, person_id=person_id)


@bp.route("/people/<person_id>/export.json")
@roles_required(Role.ADMIN)
def export_person_json(person_id: str):
    data = services.export_person(person_id, current_user.id)
    response = jsonify(data)
    response.headers["Content-Disposition"] = f'attachment; filename="subject-access-{person_id}.json"'
    return response


@bp.route("/people/<person_id>/erase", methods=["POST"])
@roles_required(Role.ADMIN)
def erase_person(person_id: str):
    form = forms.ConfirmForm()
    if not form.validate_on_submit():
        raise ValidationError("Your form has expired. Go back, reload the page and try again.")
    services.erase_person(person_id, current_user.id)
    flash("The person's record has been anonymised")
    return redirect(url_for("referrals.retention"))


@bp.route("/admin/retention")
@roles_required(Role.ADMIN)
def retention():
    people = services.list_due_for_erasure(current_user.id)
    return render_template("referrals/retention.html", people=people, confirm=forms.ConfirmForm())


@bp.route("/admin/outbox")
@roles_required(Role.ADMIN)
def outbox():
    return render_template("referrals/outbox.html", messages=services.list_outbox(current_user.id))


# ---------------------------------------------------------------- agreements (navigators)


@bp.route("/agreements", methods=["GET", "POST"])
@roles_required(Role.NAVIGATOR, Role.ADMIN)
def agreements():
    from navigator.directory.queries import list_organisation_choices

    form = forms.AgreementForm()
    form.organization_id.choices = [("", "Select an organisation")] + list_organisation_choices()
    if form.validate_on_submit():
        try:
            services.create_agreement(_data(form, "organization_id", "title", "starts_on", "ends_on"),
                                      current_user.id)
        except ValidationError as exc:
            apply_domain_errors(form, exc.errors)
        else:
            flash("Information-sharing agreement added")
            return redirect(url_for("referrals.agreements"))
    return render_template("referrals/agreements.html", form=form,
                           agreements=services.list_agreements(current_user.id),
                           confirm=forms.ConfirmForm(), today=utcnow().date()), _status(form)


@bp.route("/agreements/<int:isa_id>/end", methods=["POST"])
@roles_required(Role.NAVIGATOR, Role.ADMIN)
def end_agreement(isa_id: int):
    form = forms.ConfirmForm()
    if not form.validate_on_submit():
        raise ValidationError("Your form has expired. Go back, reload the page and try again.")
    services.end_agreement(isa_id, current_user.id)
    flash("Agreement ended: nothing more will be shared under it")
    return redirect(url_for("referrals.agreements"))


# ---------------------------------------------------------------- referral journey (practitioners)


@bp.route("/referrals")
@roles_required(Role.PRACTITIONER)
def my_referrals():
    referrals = services.my_referrals(current_user.id)
    return render_template("referrals/my_referrals.html", referrals=referrals)


@bp.route("/referrals/overdue")
@roles_required(Role.NAVIGATOR, Role.ADMIN)
def overdue():
    return render_template("referrals/overdue.html", referrals=services.overdue_queue(current_user.id))


@bp.route("/referrals/new", methods=["GET", "POST"])
@roles_required(Role.PRACTITIONER)
def new_referral():
    service_id = request.values.get("service_id", "")
    form = forms.ChoosePersonForm()
    if form.validate_on_submit():
        try:
            referral = services.start_referral(service_id, form.person_id.data, current_user.id)
        except ValidationError as exc:
            apply_domain_errors(form, exc.errors)
        else:
            return redirect(url_for("referrals.referral", referral_id=referral.id))
    service, people = services.referral_start_page(service_id, current_user.id)
    form.person_id.choices = [(p.id, f"{p.name} ({p.case_reference})") for p in people]
    return render_template("referrals/new_referral.html", form=form, service=service,
                           people=people), _status(form)


@bp.route("/referrals/<referral_id>")
@roles_required(Role.PRACTITIONER)
def referral(referral_id: str):
    record = services.view_referral(referral_id, current_user.id)
    if record.status == Status.DRAFT:
        return render_template("referrals/task_list.html", referral=record)
    return render_template("referrals/referral.html", referral=record,
                           open_statuses=OPEN, snapshot=record.snapshot)


@bp.route("/referrals/<referral_id>/needs", methods=["GET", "POST"])
@roles_required(Role.PRACTITIONER)
def referral_needs(referral_id: str):
    form = forms.ChooseNeedsForm()
    if form.validate_on_submit():
        try:
            services.set_referral_needs(referral_id, form.need_ids.data, current_user.id)
        except ValidationError as exc:
            apply_domain_errors(form, exc.errors)
        else:
            return redirect(url_for("referrals.referral", referral_id=referral_id))
    draft = services.get_draft(referral_id, current_user.id, purpose="referral choose needs")
    agreed = [n for n in draft.person.needs if n.person_agrees]
    form.need_ids.choices = [(n.id, vocab.NEED_NAMES.get(n.category, n.category)) for n in agreed]
    if request.method == "GET":
        form.need_ids.data = [rn.need_id for rn in draft.needs]
    return render_template("referrals/choose_needs.html", form=form, referral=draft,
                           agreed=agreed), _status(form)


SHARING_FIELDS = ("data_categories", "contact_details", "offence_risk_summary", "message")


@bp.route("/referrals/<referral_id>/sharing", methods=["GET", "POST"])
@roles_required(Role.PRACTITIONER)
def referral_sharing(referral_id: str):
    form = forms.SharingForm()
    if form.validate_on_submit():
        try:
            services.set_referral_sharing(referral_id, _data(form, *SHARING_FIELDS), current_user.id)
        except ValidationError as exc:
            apply_domain_errors(form, exc.errors)
        else:
            return redirect(url_for("referrals.referral", referral_id=referral_id))
    draft = services.get_draft(referral_id, current_user.id, purpose="referral choose sharing")
    if request.method == "GET":
        form.data_categories.data = draft.data_categories
        form.contact_details.data = draft.contact_details
        form.offence_risk_summary.data = draft.offence_risk_summary
        form.message.data = draft.message
    return render_template("referrals/sharing.html", form=form, referral=draft), _status(form)


@bp.route("/referrals/<referral_id>/check")
@roles_required(Role.PRACTITIONER)
def check_answers(referral_id: str):
    draft, snapshot, check = services.review_referral(referral_id, current_user.id)
    return render_template("referrals/check_answers.html", referral=draft, snapshot=snapshot,
                           check=check, confirm=forms.ConfirmForm())


@bp.route("/referrals/<referral_id>/send", methods=["POST"])
@roles_required(Role.PRACTITIONER)
def send(referral_id: str):
    form = forms.ConfirmForm()
    if not form.validate_on_submit():
        raise ValidationError("Your form has expired. Go back, reload the page and try again.")
    try:
        services.send_referral(referral_id, current_user.id)
    except ValidationError:
        # Something changed since the check page (e.g. consent withdrawn): show why, again.
        draft, snapshot, check = services.review_referral(referral_id, current_user.id)
        return render_template("referrals/check_answers.html", referral=draft, snapshot=snapshot,
                               check=check, confirm=forms.ConfirmForm()), 422
    return redirect(url_for("referrals.confirmation", referral_id=referral_id))


@bp.route("/referrals/<referral_id>/signpost", methods=["POST"])
@roles_required(Role.PRACTITIONER)
def signpost(referral_id: str):
    form = forms.ConfirmForm()
    if not form.validate_on_submit():
        raise ValidationError("Your form has expired. Go back, reload the page and try again.")
    services.signpost_referral(referral_id, current_user.id)
    return redirect(url_for("referrals.confirmation", referral_id=referral_id))


@bp.route("/referrals/<referral_id>/confirmation")
@roles_required(Role.PRACTITIONER)
def confirmation(referral_id: str):
    record = services.view_referral(referral_id, current_user.id)
    if record.status == Status.DRAFT:
        # Nothing has been sent yet (a bookmarked or guessed URL): show the task list instead.
        return redirect(url_for("referrals.referral", referral_id=referral_id))
    return render_template("referrals/confirmation.html", referral=record)


@bp.route("/referrals/<referral_id>/cancel", methods=["GET", "POST"])
@roles_required(Role.PRACTITIONER)
def cancel(referral_id: str):
    form = forms.CancelForm()
    if form.validate_on_submit():
        try:
            services.cancel_referral(referral_id, form.reason.data, current_user.id)
        except ValidationError as exc:
            apply_domain_errors(form, exc.errors)
        else:
            flash("Referral cancelled")
            return redirect(url_for("referrals.referral", referral_id=referral_id))
    record = services.view_referral(referral_id, current_user.id)
    if record.status not in OPEN:
        raise Conflict("This referral is closed: it cannot be cancelled")
    return render_template("referrals/cancel.html", form=form, referral=record), _status(form)


@bp.route("/referrals/<referral_id>/feedback", methods=["GET", "POST"])
@roles_required(Role.PRACTITIONER)
def feedback(referral_id: str):
    form = forms.FeedbackForm()
    if form.validate_on_submit():
        try:
            services.record_feedback(referral_id, _data(form, "helpful", "felt_understood", "comment"),
                                     current_user.id)
        except ValidationError as exc:
            apply_domain_errors(form, exc.errors)
        else:
            flash("Thank you: the person's feedback has been recorded")
            return redirect(url_for("referrals.referral", referral_id=referral_id))
    record = services.view_referral(referral_id, current_user.id)
    return render_template("referrals/feedback.html", form=form, referral=record), _status(form)


# ---------------------------------------------------------------- provider inbox


@bp.route("/inbox")
@roles_required(Role.PROVIDER)
def inbox():
    tab = request.args.get("tab", "new")
    referrals, counts = services.list_provider_inbox(current_user.id, tab)
    return render_template("referrals/inbox.html", referrals=referrals, counts=counts, tab=tab)


@bp.route("/inbox/<referral_id>")
@roles_required(Role.PROVIDER)
def provider_referral(referral_id: str):
    record, withdrawn = services.open_referral(referral_id, current_user.id)
    return _provider_page(record, withdrawn, forms.ProviderActionForm())


def _provider_page(record, withdrawn: bool, form, status: int = 200):
    return render_template(
        "referrals/provider_referral.html", referral=record, withdrawn=withdrawn, form=form,
        snapshot=None if withdrawn else record.snapshot,
        actions=[s for s in next_statuses(record.status, Actor.PROVIDER)],
    ), status


@bp.route("/inbox/<referral_id>/status", methods=["POST"])
@roles_required(Role.PROVIDER)
def provider_action(referral_id: str):
    form = forms.ProviderActionForm()
    if form.validate_on_submit():
        try:
            services.update_referral_status(referral_id, form.action.data, current_user.id,
                                            reason_code=form.reason.data, detail=form.detail.data)
        except ValidationError as exc:
            apply_domain_errors(form, exc.errors)
        else:
            flash("Referral updated")
            return redirect(url_for("referrals.provider_referral", referral_id=referral_id))
    record, withdrawn = services.open_referral(referral_id, current_user.id)
    return _provider_page(record, withdrawn, form, 400)
