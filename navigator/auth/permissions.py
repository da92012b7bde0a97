"""Deny-by-default access control: every view declares who may use it.

A view without a declaration is refused for everyone (403), so a forgotten decorator
fails closed. The access-matrix test walks the URL map and checks each declaration.
"""
from __future__ import annotations

from collections.abc import Callable

from navigator.auth.models import Role

ALL_ROLES = frozenset(Role)
PUBLIC = "public"


def roles_required(*roles: Role) -> Callable:
    """Allow signed-in users with any of the given roles (all roles if none given)."""
    allowed = frozenset(roles) if roles else ALL_ROLES

    def decorate(view):
        view.navigator_access = allowed
        return view

    return decorate


def public(view):
    """Allow anyone, signed in or not (sign-in page, health check, open API)."""
    view.navigator_access = PUBLIC
    return view


def access_of(view) -> frozenset[Role] | str | None:
    return getattr(view, "navigator_access", None)


def can(user, view) -> bool:
    """Whether this user may call this view function (used by navigation, too)."""
    access = access_of(view)
    if access == PUBLIC:
        return True
    if access is None or user is None or not getattr(user, "is_authenticated", False):
        return False
    return user.role in access
