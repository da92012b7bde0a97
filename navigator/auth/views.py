"""Sign in, sign out and user administration (thin views over auth.services)."""
from __future__ import annotations

import time

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from markupsafe import Markup

from navigator.auth import second_factor, services
from navigator.auth.forms import ChangePasswordForm, CodeForm, LoginForm, UserForm
from navigator.auth.models import Role
from navigator.auth.permissions import public, roles_required
from navigator.auth.sessions import start_session
from navigator.errors import NotAuthorized, TooManyAttempts, ValidationError
from navigator.forms import apply_domain_errors

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str | None:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


@bp.route("/sign-in", methods=["GET", "POST"])
@public
def login():
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data, request.remote_addr)
        except TooManyAttempts as exc:
            form.form_errors.append(exc.message)
            return render_template("auth/login.html", form=form), 429
        except NotAuthorized as exc:
            form.form_errors.append(exc.message)
        else:
            next_url = _safe_next(request.args.get("next"))
            if second_factor.needs_second_factor(user, current_app.config["REQUIRE_SECOND_FACTOR"]):
                session.clear()
                session["pending_2fa"] = {"id": user.id, "v": user.session_version,
                                          "at": int(time.time()), "next": next_url}
                if user.has_second_factor:
                    return redirect(url_for("auth.second_factor_code"))
                return redirect(url_for("auth.second_factor_setup"))
            start_session()
            login_user(user)
            return redirect(next_url or url_for("main.home"))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("auth/login.html", form=form), status


PENDING_SECONDS = 300


def _pending_user():
    """The user who passed the password step in the last few minutes, if any."""
    pending = session.get("pending_2fa")
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    user = services.load_user(f"{pending['id']}:{pending['v']}")
    return user


def _finish_sign_in(user):
    next_url = (session.get("pending_2fa") or {}).get("next")
    start_session()
    login_user(user)
    return redirect(next_url or url_for("main.home"))


@bp.route("/sign-in/code", methods=["GET", "POST"])
@public
def second_factor_code():
    user = _pending_user()
    if user is None or not user.has_second_factor:
        flash("Sign in again to continue")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        try:
            second_factor.verify_second_factor(user.id, form.code.data, request.remote_addr)
        except TooManyAttempts as exc:
            form.form_errors.append(exc.message)
            return render_template("auth/code.html", form=form), 429
        except ValidationError as exc:
            apply_domain_errors(form, exc.errors)
        else:
            return _finish_sign_in(user)
    return render_template("auth/code.html", form=form), 400 if form.errors else 200


@bp.route("/sign-in/set-up-two-step", methods=["GET", "POST"])
@public
def second_factor_setup():
    user = _pending_user()
    if user is None or user.has_second_factor:
        flash("Sign in again to continue")
        return redirect(url_for("auth.login"))
    return _enrolment(user, finish=True)


@bp.route("/account/two-step", methods=["GET", "POST"])
@roles_required()
def two_step():
    user = current_user._get_current_object()
    if user.has_second_factor:
        return render_template("auth/two_step_on.html")
    return _enrolment(user, finish=False)


def _enrolment(user, finish: bool):
    form = CodeForm()
    secret = second_factor.begin_enrolment(user.id)
    if form.validate_on_submit():
        try:
            codes = second_factor.confirm_enrolment(user.id, form.code.data)
        except ValidationError as exc:
            apply_domain_errors(form, exc.errors)
        else:
            if finish:
                _finish_sign_in(user)
            return render_template("auth/recovery_codes.html", codes=codes)
    return render_template("auth/setup_two_step.html", form=form, secret=secret,
                           qr_svg=Markup(second_factor.provisioning_svg(user))), (
        400 if form.errors else 200)

@bp.route("/account/password", methods=["GET", "POST"])
@roles_required()
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            user = services.change_password(current_user.id, form.current_password.data,
                                            form.new_password.data)
        except ValidationError as exc:
            apply_domain_errors(form, exc.errors)
        else:
            # Other sessions are now invalid; keep this one by signing in afresh.
            start_session()
            login_user(user)
            flash("Your password has been changed. You have been signed out everywhere else.")
            return redirect(url_for("main.home"))
    status = 400 if form.errors else 200
    return render_template("auth/change_password.html", form=form), status


@bp.route("/sign-out", methods=["POST"])
@roles_required()
@login_required
def logout():
    services.record_logout(current_user._get_current_object())
    logout_user()
    session.clear()
    flash("You have signed out")
    return redirect(url_for("auth.login"))


@bp.route("/admin/users", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def users():
    from navigator.directory.queries import list_organisation_choices

    form = UserForm()
    form.organization_id.choices = [("", "None")] + list_organisation_choices()
    if form.validate_on_submit():
        try:
            services.create_user(
                form.email.data, form.name.data, form.role.data, form.password.data,
                form.organization_id.data or None, actor_id=current_user.id,
            )
        except ValidationError as exc:
            apply_domain_errors(form, exc.errors)
        else:
            flash(f"User {form.email.data} created")
            return redirect(url_for("auth.users"))
    status = 400 if form.errors else 200
    return render_template("admin/users.html", form=form, users=services.list_users()), status


@bp.route("/admin/users/<int:user_id>/reset-two-step", methods=["POST"])
@roles_required(Role.ADMIN)
def reset_two_step(user_id: int):
    second_factor.reset_second_factor(user_id, current_user.id)
    flash("Two-step verification reset: the user will set it up again at their next sign-in")
    return redirect(url_for("auth.users"))


@bp.route("/admin/users/<int:user_id>/active", methods=["POST"])
@roles_required(Role.ADMIN)
def set_active(user_id: int):
    active = request.form.get("active") == "1"
    user = services.set_user_active(user_id, active, current_user.id)
    flash(f"{user.email} {'enabled' if active else 'disabled'}")
    return redirect(url_for("auth.users"))
