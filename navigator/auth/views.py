"""Sign in, sign out and user administration (thin views over auth.services)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from navigator.auth import services
from navigator.auth.forms import ChangePasswordForm, LoginForm, UserForm
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
            start_session()
            login_user(user)
            return redirect(_safe_next(request.args.get("next")) or url_for("main.home"))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("auth/login.html", form=form), status


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


@bp.route("/admin/users/<int:user_id>/active", methods=["POST"])
@roles_required(Role.ADMIN)
def set_active(user_id: int):
    active = request.form.get("active") == "1"
    user = services.set_user_active(user_id, active, current_user.id)
    flash(f"{user.email} {'enabled' if active else 'disabled'}")
    return redirect(url_for("auth.users"))
