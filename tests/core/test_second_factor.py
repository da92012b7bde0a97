"""TOTP second factor: required where configured, codes single-use, recovery codes work once."""
from __future__ import annotations

import re

import pyotp
import pytest

from navigator.auth.models import User
from navigator.extensions import db
from tests.conftest import AuthActions, csrf_token_from


@pytest.fixture
def strict_app(app):
    app.config["REQUIRE_SECOND_FACTOR"] = True
    return app


def _enrol(client, email):
    response = AuthActions(client).login(email)
    assert response.headers["Location"].endswith("/sign-in/set-up-two-step")
    page = client.get("/sign-in/set-up-two-step").get_data(as_text=True)
    assert "<svg" in page
    secret = re.search(r'class="app-secret">([A-Z2-7]+)<', page).group(1)
    done = client.post("/sign-in/set-up-two-step", data={
        "csrf_token": csrf_token_from(page), "code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    codes = re.findall(r"<code>([0-9a-f]{6}-[0-9a-f]{6})</code>", done.get_data(as_text=True))
    return secret, codes


def test_practitioner_must_set_up_two_step_before_reaching_any_page(strict_app, users):
    client = strict_app.test_client()
    AuthActions(client).login(users["practitioner"]["email"])
    assert client.get("/").status_code == 302  # not signed in yet
    client2 = strict_app.test_client()
    _, codes = _enrol(client2, users["practitioner"]["email"])
    assert len(codes) == 10
    assert client2.get("/").status_code == 200


def test_commissioner_is_not_forced_to_use_two_step(strict_app, users):
    client = strict_app.test_client()
    AuthActions(client).login(users["commissioner"]["email"])
    assert client.get("/").status_code == 200


def test_code_is_needed_at_next_sign_in_and_cannot_be_replayed(strict_app, users):
    email = users["admin"]["email"]
    secret, _ = _enrol(strict_app.test_client(), email)
    client = strict_app.test_client()
    response = AuthActions(client).login(email)
    assert response.headers["Location"].endswith("/sign-in/code")
    page = client.get("/sign-in/code").get_data(as_text=True)
    wrong = client.post("/sign-in/code", data={"csrf_token": csrf_token_from(page), "code": "000000"})
    assert wrong.status_code == 400
    assert "not correct" in wrong.get_data(as_text=True)
    with strict_app.app_context():
        used_step = db.session.get(User, users["admin"]["id"]).totp_last_step
    # The code used at enrolment is already spent; the next step's code works.
    code = pyotp.TOTP(secret).at((used_step + 1) * 30)
    ok = client.post("/sign-in/code", data={"csrf_token": csrf_token_from(page), "code": code})
    assert ok.status_code == 302
    assert client.get("/").status_code == 200
    other = strict_app.test_client()
    AuthActions(other).login(email)
    page = other.get("/sign-in/code").get_data(as_text=True)
    replay = other.post("/sign-in/code", data={"csrf_token": csrf_token_from(page), "code": code})
    assert replay.status_code == 400


def test_recovery_code_works_once(strict_app, users):
    email = users["provider"]["email"]
    _, codes = _enrol(strict_app.test_client(), email)
    for expected in (302, 400):
        client = strict_app.test_client()
        AuthActions(client).login(email)
        page = client.get("/sign-in/code").get_data(as_text=True)
        response = client.post("/sign-in/code", data={"csrf_token": csrf_token_from(page),
                                                       "code": codes[0]})
        assert response.status_code == expected


def test_admin_can_reset_someones_two_step(strict_app, users):
    _enrol(strict_app.test_client(), users["practitioner"]["email"])
    admin = strict_app.test_client()
    _enrol(admin, users["admin"]["email"])
    page = admin.get("/admin/users").get_data(as_text=True)
    assert "Reset two-step" in page
    admin.post(f"/admin/users/{users['practitioner']['id']}/reset-two-step",
               data={"csrf_token": csrf_token_from(page)})
    client = strict_app.test_client()
    response = AuthActions(client).login(users["practitioner"]["email"])
    assert response.headers["Location"].endswith("/sign-in/set-up-two-step")


def test_code_page_without_a_password_step_sends_you_to_sign_in(client):
    response = client.get("/sign-in/code")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/sign-in")
