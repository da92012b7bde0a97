"""Role × route access matrix, generated from the URL map: deny by default, every route."""
from __future__ import annotations

import pytest

from navigator.auth.models import Role
from navigator.auth.permissions import PUBLIC, access_of
from tests.conftest import AuthActions, csrf_token_from
from tests.core.routes import app_rules, dummy_url

SIGN_OUT = "auth.logout"


def test_every_route_declares_who_may_use_it(app):
    undeclared = [r.endpoint for r in app_rules(app) if access_of(app.view_functions[r.endpoint]) is None]
    assert undeclared == [], "views without @roles_required/@public are refused to everyone"


def _request(client, rule, url, token):
    if "GET" in rule.methods:
        return client.get(url)
    return client.post(url, data={"csrf_token": token})


def test_role_by_route_matrix(app, users):
    clients = {}
    for role in Role:
        client = app.test_client()
        AuthActions(client).login(users[role.value]["email"])
        token = csrf_token_from(client.get("/").get_data(as_text=True))
        clients[role] = (client, token)
    failures = []
    for rule in app_rules(app):
        if rule.endpoint == SIGN_OUT:
            continue
        access = access_of(app.view_functions[rule.endpoint])
        url = dummy_url(rule)
        for role, (client, token) in clients.items():
            response = _request(client, rule, url, token)
            allowed = access == PUBLIC or role in access
            if response.status_code >= 500:
                failures.append(f"{role.value} {url}: {response.status_code}")
            elif not allowed and response.status_code != 403:
                failures.append(f"{role.value} {url}: expected 403, got {response.status_code}")
            elif allowed and response.status_code == 403:
                failures.append(f"{role.value} {url}: allowed role refused")
    assert failures == []


def test_anonymous_visitors_are_sent_to_sign_in(app):
    client = app.test_client()
    failures = []
    for rule in app_rules(app):
        access = access_of(app.view_functions[rule.endpoint])
        if access == PUBLIC:
            continue
        url = dummy_url(rule)
        response = client.get(url) if "GET" in rule.methods else client.post(url)
        if "GET" in rule.methods and not (
            response.status_code == 302 and "/sign-in" in response.headers["Location"]
        ):
            failures.append(f"{url}: {response.status_code}")
        if "GET" not in rule.methods and response.status_code not in (302, 400):
            failures.append(f"POST {url}: {response.status_code}")
    assert failures == []


@pytest.mark.parametrize("role", [Role.COMMISSIONER, Role.PROVIDER])
def test_refusals_are_audited(app, users, role):
    from sqlalchemy import select

    from navigator.audit import AuditEvent
    from navigator.extensions import db

    client = app.test_client()
    AuthActions(client).login(users[role.value]["email"])
    assert client.get("/admin/users").status_code == 403
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.actor_id == users[role.value]["id"])
        ).all()
    assert "access.refused" in actions
