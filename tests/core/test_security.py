"""Sign-in hardening, session lifetime, the audit log and what never reaches logs."""
from __future__ import annotations

import logging
import time

from sqlalchemy import select

from navigator.audit import AuditEvent
from navigator.extensions import db
from tests.conftest import PASSWORD, AuthActions, csrf_token_from


def test_repeated_failures_lock_the_account_temporarily(client, auth, users):
    email = users["practitioner"]["email"]
    for _ in range(5):
        assert auth.login(email, "wrong password!").status_code == 400
    response = auth.login(email, PASSWORD)
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_throttle_does_not_reveal_which_accounts_exist(client, auth, users):
    for _ in range(5):
        auth.login("ghost@example.org", "wrong password!")
    assert auth.login("ghost@example.org", "wrong password!").status_code == 429
    # a different, real account from the same address is still allowed
    assert auth.login(users["navigator"]["email"]).status_code == 302


def test_idle_session_times_out(app, client, auth, users):
    app.config["SESSION_IDLE_SECONDS"] = 1
    auth.login(users["navigator"]["email"])
    assert client.get("/").status_code == 200
    time.sleep(2.1)
    response = client.get("/")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "session timed out" in page


def test_password_change_ends_other_sessions(app, users):
    first, second = app.test_client(), app.test_client()
    AuthActions(first).login(users["practitioner"]["email"])
    AuthActions(second).login(users["practitioner"]["email"])
    page = first.get("/account/password").get_data(as_text=True)
    response = first.post("/account/password", data={
        "csrf_token": csrf_token_from(page), "current_password": PASSWORD,
        "new_password": "a much longer pass phrase"})
    assert response.status_code == 302
    assert first.get("/").status_code == 200
    assert second.get("/").status_code == 302


def test_common_password_is_refused_with_a_message(client, auth, users):
    auth.login(users["practitioner"]["email"])
    page = client.get("/account/password").get_data(as_text=True)
    response = client.post("/account/password", data={
        "csrf_token": csrf_token_from(page), "current_password": PASSWORD,
        "new_password": "password123"})
    assert response.status_code == 400
    assert "too common" in response.get_data(as_text=True)


def test_disabling_an_account_ends_its_sessions(app, users):
    admin, victim = app.test_client(), app.test_client()
    AuthActions(admin).login(users["admin"]["email"])
    AuthActions(victim).login(users["provider"]["email"])
    assert victim.get("/").status_code == 200
    page = admin.get("/admin/users").get_data(as_text=True)
    admin.post(f"/admin/users/{users['provider']['id']}/active",
               data={"csrf_token": csrf_token_from(page), "active": "0"})
    assert victim.get("/").status_code == 302
    assert AuthActions(victim).login(users["provider"]["email"]).status_code == 400


def test_sign_ins_and_failures_are_in_the_audit_log(app, client, auth, users):
    auth.login(users["navigator"]["email"], "nope nope nope")
    auth.login(users["navigator"]["email"])
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        actions = [e.action for e in events]
        assert "auth.login_failed" in actions and "auth.login" in actions
        assert all(e.ip == "127.0.0.1" for e in events if e.action.startswith("auth."))


def test_admin_can_search_and_export_the_audit_log(client, auth, users):
    auth.login(users["admin"]["email"])
    page = client.get("/admin/audit?action=auth.login").get_data(as_text=True)
    assert "auth.login" in page and users["admin"]["email"] in page
    export = client.get("/admin/audit.csv?action=auth")
    assert export.status_code == 200
    assert export.headers["Content-Type"].startswith("text/csv")
    assert "auth.login" in export.get_data(as_text=True)


def test_bad_audit_filter_dates_get_a_message(client, auth, users):
    auth.login(users["admin"]["email"])
    response = client.get("/admin/audit?from=31/31/2026")
    assert response.status_code == 400
    assert "must be a real date" in response.get_data(as_text=True)


def test_the_audit_log_cannot_be_edited(app, client, auth, users):
    auth.login(users["navigator"]["email"])
    with app.app_context():
        event = db.session.scalars(select(AuditEvent)).first()
        event.action = "tampered"
        try:
            db.session.commit()
            raised = False
        except PermissionError:
            raised = True
            db.session.rollback()
        assert raised


def test_passwords_never_reach_logs_or_audit(app, client, auth, users, caplog):
    secret = "my very secret attempt 123"
    caplog.set_level(logging.DEBUG)
    auth.login(users["navigator"]["email"], secret)
    assert secret not in caplog.text
    with app.app_context():
        details = " ".join((e.detail or "") + (e.target_id or "")
                           for e in db.session.scalars(select(AuditEvent)))
    assert secret not in details
    assert users["navigator"]["email"] not in details
