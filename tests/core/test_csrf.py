"""Every state-changing route refuses a request without a valid CSRF token."""
from __future__ import annotations

from navigator.auth.models import Role
from navigator.auth.permissions import PUBLIC, access_of
from tests.conftest import AuthActions
from tests.core.routes import app_rules, dummy_url


def _a_role_allowed(access) -> Role:
    if access == PUBLIC:
        return Role.PRACTITIONER
    return sorted(access, key=lambda r: r.value)[0]


def test_every_post_route_rejects_a_missing_csrf_token(app, users):
    failures = []
    post_rules = [r for r in app_rules(app) if "POST" in r.methods]
    assert post_rules, "the app has forms"
    for rule in post_rules:
        if app.view_functions[rule.endpoint].__module__.startswith("navigator.directory.interop.api"):
            continue  # the open API is read-only and never accepts POST
        role = _a_role_allowed(access_of(app.view_functions[rule.endpoint]))
        client = app.test_client()
        AuthActions(client).login(users[role.value]["email"])
        response = client.post(dummy_url(rule), data={"anything": "x"})
        if response.status_code != 400 or "form has expired" not in response.get_data(as_text=True):
            failures.append(f"{rule.rule}: {response.status_code}")
    assert failures == []


def test_sign_in_without_token_is_refused(client, users):
    response = client.post("/sign-in", data={"email": users["admin"]["email"], "password": "x"})
    assert response.status_code == 400
    assert client.get("/").status_code == 302
