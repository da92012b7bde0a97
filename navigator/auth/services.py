"""Creating users and signing in. Services take plain values and own the commit."""
from __future__ import annotations

import hashlib
import re

from sqlalchemy import func, select

from navigator import audit
from navigator.auth import throttle
from navigator.auth.models import Role, User
from navigator.auth.passwords import DUMMY_HASH, hash_password, verify_password
from navigator.errors import NotAuthorized, NotFound, TooManyAttempts, ValidationError
from navigator.extensions import db
from navigator.times import utcnow

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
COMMON_PASSWORDS = frozenset(
    """password password1 password123 12345678 123456789 1234567890 qwerty123 qwertyuiop
    iloveyou letmein1 welcome1 admin123 abc12345 football monkey123 sunshine princess
    passw0rd trustno1 11111111 00000000 baseball superman dragon123 changeme""".split()
)


def validate_password(password: str) -> list[str]:
    """Return problems with a new password (empty when it is acceptable)."""
    problems = []
    if len(password) < 8:
        problems.append("Password must be 8 characters or more (15 or more is better)")
    if len(password) > 256:
        problems.append("Password must be 256 characters or fewer")
    if password.lower() in COMMON_PASSWORDS:
        problems.append("Password is too common; choose a longer, less guessable one")
    return problems


def create_user(
    email: str,
    name: str,
    role: Role | str,
    password: str,
    organization_id: str | None = None,
    actor_id: int | None = None,
) -> User:
    """Create a user account. Raises ValidationError for bad or duplicate input."""
    errors: dict[str, list[str]] = {}
    email = (email or "").strip().lower()
    if not EMAIL_RE.match(email) or len(email) > 254:
        errors["email"] = ["Enter an email address in the correct format, like name@example.org"]
    try:
        role = Role(role)
    except ValueError:
        errors["role"] = ["Select a role"]
    if not (name or "").strip():
        errors["name"] = ["Enter the person's name"]
    if problems := validate_password(password or ""):
        errors["password"] = problems
    if role == Role.PROVIDER and not organization_id:
        errors["organization_id"] = ["Select the provider's organisation"]
    if not errors and db.session.scalar(select(func.count()).where(User.email == email)):
        errors["email"] = ["A user with this email address already exists"]
    if errors:
        raise ValidationError("There is a problem", errors)
    user = User(
        email=email,
        name=name.strip(),
        role=role,
        password_hash=hash_password(password),
        organization_id=organization_id if role == Role.PROVIDER else None,
    )
    db.session.add(user)
    db.session.flush()
    audit.record(db.session, actor_id, "user.create", "user", user.id, role=role.value)
    db.session.commit()
    return user


def account_key(email: str) -> str:
    """A stable, non-reversible key for an attempted email (no addresses in the audit log)."""
    digest = hashlib.sha256((email or "").strip().lower().encode("utf-8")).hexdigest()
    return "acct-" + digest[:32]


def authenticate(email: str, password: str, ip: str | None = None) -> User:
    """Return the user for these credentials.

    Raises NotAuthorized with a generic message for wrong credentials, and TooManyAttempts
    when this account or address has failed too often recently.
    """
    email = (email or "").strip().lower()
    key = account_key(email)
    if throttle.is_throttled(key, ip):
        audit.record(db.session, None, "auth.login_throttled", "account", key)
        db.session.commit()
        raise TooManyAttempts("Too many attempts. Wait 15 minutes and try again.")
    user = db.session.scalar(select(User).where(User.email == email)) if email else None
    if user is None:
        verify_password(DUMMY_HASH, password or "")
        audit.record(db.session, None, "auth.login_failed", "account", key)
        db.session.commit()
        raise NotAuthorized("Enter a correct email address and password")
    if not verify_password(user.password_hash, password or "") or not user.active:
        audit.record(db.session, user.id, "auth.login_failed", "account", key)
        db.session.commit()
        raise NotAuthorized("Enter a correct email address and password")
    user.last_login_at = utcnow()
    audit.record(db.session, user.id, "auth.login", "user", user.id)
    db.session.commit()
    return user


def record_logout(user: User) -> None:
    """End every session of this user by moving their session version on."""
    user.session_version = (user.session_version or 1) + 1
    audit.record(db.session, user.id, "auth.logout", "user", user.id)
    db.session.commit()


def set_user_active(user_id: int, active: bool, actor_id: int) -> User:
    """Enable or disable an account; disabling ends its sessions. Raises NotFound."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("No such user")
    user.active = active
    if not active:
        user.session_version = (user.session_version or 1) + 1
    audit.record(db.session, actor_id, "user.enable" if active else "user.disable", "user", user.id)
    db.session.commit()
    return user


def load_user(user_key: str) -> User | None:
    """Flask-Login loader: the key carries the session version so old sessions fail."""
    try:
        user_id, version = (int(part) for part in str(user_key).split(":", 1))
    except ValueError:
        return None
    user = db.session.get(User, user_id)
    if user is None or user.session_version != version or not user.active:
        return None
    return user


def list_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.role, User.email)))


def change_password(user_id: int, current: str, new: str) -> User:
    """Change a user's own password; ends every other session. Raises ValidationError."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("No such user")
    errors: dict[str, list[str]] = {}
    if not verify_password(user.password_hash, current or ""):
        errors["current_password"] = ["Your current password is not correct"]
    if problems := validate_password(new or ""):
        errors["new_password"] = problems
    if errors:
        raise ValidationError("There is a problem", errors)
    user.password_hash = hash_password(new)
    user.session_version = (user.session_version or 1) + 1
    audit.record(db.session, user.id, "auth.password_changed", "user", user.id)
    db.session.commit()
    return user
