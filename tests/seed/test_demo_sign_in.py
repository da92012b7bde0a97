"""The demo logins: created by `navigator seed`, printed once, and able to sign in."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from navigator.auth.models import User
from navigator.demo import directory as seed
from navigator.extensions import db
from tests.conftest import PASSWORD

DEMO_LOGINS = {
    "navigator": "navigator@example.org",
    "practitioner": "practitioner@example.org",
    "provider": "provider@example.org",
    "commissioner": "commissioner@example.org",
    "admin": "admin@example.org",
}


@pytest.fixture
def seeded(app):
    with app.app_context():
        return seed.load_demo(PASSWORD)


def test_seed_creates_one_demo_login_per_role(seeded):
    assert sorted(seeded["users_created"]) == sorted((email, role) for role, email in DEMO_LOGINS.items())


@pytest.mark.parametrize("role", list(DEMO_LOGINS))
def test_each_demo_user_can_sign_in_with_the_demo_password(client, auth, seeded, role):
    response = auth.login(DEMO_LOGINS[role], PASSWORD)
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert f"Demo {role.capitalize()} ({role.capitalize()})" in page


def test_demo_provider_belongs_to_a_fictional_demo_organisation(app, seeded):
    with app.app_context():
        provider = db.session.scalar(select(User).where(User.email == DEMO_LOGINS["provider"]))
        assert provider.organisation is not None
        assert seed.FICTIONAL_MARK in provider.organisation.description
        assert provider.organisation.services, "the provider's organisation should have services to refer to"


def test_seed_command_prints_the_demo_logins_and_password(runner):
    result = runner.invoke(args=["seed", "--no-caseload", "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    assert "services" in result.output and "postcode districts" in result.output
    assert f"password: {PASSWORD}" in result.output
    for role, email in DEMO_LOGINS.items():
        assert any(role in line and email in line for line in result.output.splitlines()), email


def test_seed_command_run_again_does_not_reset_passwords(runner, client, auth):
    runner.invoke(args=["seed", "--no-caseload", "--password", PASSWORD])
    result = runner.invoke(args=["seed", "--no-caseload", "--password", "a different password entirely"])
    assert result.exit_code == 0, result.output
    assert "already exist" in result.output
    assert "practitioner@example.org" not in result.output
    assert auth.login(DEMO_LOGINS["practitioner"], PASSWORD).status_code == 302


def test_seed_command_without_a_password_generates_and_prints_one(runner, client, auth, monkeypatch):
    monkeypatch.delenv("NAVIGATOR_DEMO_PASSWORD", raising=False)
    result = runner.invoke(args=["seed", "--no-caseload"])
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if "password:" in line)
    password = line.split("password:", 1)[1].strip().rstrip("):").strip()
    assert len(password) >= 12
    assert auth.login(DEMO_LOGINS["admin"], password).status_code == 302
