"""Test data created through the service functions, as the app itself would."""
from __future__ import annotations

from navigator.auth import services as auth_services
from navigator.auth.models import Role
from tests.conftest import PASSWORD


def make_user(role: Role | str, email: str | None = None, organization_id: str | None = None,
              name: str | None = None):
    role = Role(role)
    email = email or f"{role.value}@example.org"
    user = auth_services.create_user(email, name or f"Test {role.value}", role, PASSWORD,
                                     organization_id)
    return user


def make_organisation(name: str = "Test Community Trust", **fields):
    from navigator.directory import services as directory_services

    return directory_services.create_organisation({"name": name, **fields}, actor_id=None)


def users_for_every_role() -> dict[str, dict]:
    """Create one user per role; returns role -> {id, email} (plain values, no ORM objects)."""
    org = make_organisation("Provider Test Organisation")
    out = {}
    for role in Role:
        user = make_user(role, organization_id=org.id if role == Role.PROVIDER else None)
        out[role.value] = {"id": user.id, "email": user.email, "organization_id": user.organization_id}
    return out
