"""TOTP second factor (RFC 6238) with single-use recovery codes.

Required for practitioners, providers and admins when REQUIRE_SECOND_FACTOR is on;
anyone may turn it on for themselves. Codes are accepted within one 30-second step of
drift and never twice; failures are audited and throttled like passwords.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import time

import pyotp
import segno
from sqlalchemy import select

from navigator import audit
from navigator.auth import throttle
from navigator.auth.models import RecoveryCode, Role, User
from navigator.errors import NotFound, TooManyAttempts, ValidationError
from navigator.extensions import db
from navigator.times import utcnow

ROLES_REQUIRING_2FA = frozenset({Role.PRACTITIONER, Role.PROVIDER, Role.ADMIN})
ISSUER = "Navigator"
RECOVERY_CODES = 10


def needs_second_factor(user: User, required: bool) -> bool:
    """Whether this user must pass a second factor to finish signing in."""
    return user.has_second_factor or (required and user.role in ROLES_REQUIRING_2FA)


def _user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("No such user")
    return user


def begin_enrolment(user_id: int) -> str:
    """Give the user a new, unconfirmed secret (replacing any unconfirmed one)."""
    user = _user(user_id)
    if user.has_second_factor:
        raise ValidationError("Two-step verification is already set up")
    if not user.totp_secret:
        user.totp_secret = pyotp.random_base32()
        db.session.commit()
    return user.totp_secret


def provisioning_svg(user: User) -> str:
    """The otpauth:// URI as an SVG QR code for authenticator apps."""
    uri = pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    return segno.make(uri, error="m").svg_inline(scale=4, dark="#0b0c0c", light="#ffffff")


def _check_totp(user: User, code: str) -> bool:
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    if len(code) != 6 or not user.totp_secret:
        return False
    totp = pyotp.TOTP(user.totp_secret)
    now = time.time()
    for offset in (-1, 0, 1):
        step = int(now // totp.interval) + offset
        if user.totp_last_step is not None and step <= user.totp_last_step:
            continue
        if hmac.compare_digest(totp.at(step * totp.interval), code):
            user.totp_last_step = step
            return True
    return False


def _hash_recovery(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").strip().lower().encode()).hexdigest()


def confirm_enrolment(user_id: int, code: str) -> list[str]:
    """Confirm the authenticator with a code; returns recovery codes to show once."""
    user = _user(user_id)
    if not user.totp_secret or user.has_second_factor:
        raise ValidationError("Start setting up two-step verification again")
    if not _check_totp(user, code):
        db.session.rollback()
        raise ValidationError("There is a problem", {"code": ["Enter the 6-digit code shown in your app"]})
    user.totp_confirmed_at = utcnow()
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
    for code_text in codes:
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_hash_recovery(code_text)))
    audit.record(db.session, user.id, "auth.2fa_enabled", "user", user.id)
    db.session.commit()
    return codes


def verify_second_factor(user_id: int, code: str, ip: str | None = None) -> User:
    """Check a TOTP or recovery code at sign-in. Raises ValidationError or TooManyAttempts."""
    user = _user(user_id)
    key = f"2fa-{user.id}"
    if throttle.is_throttled(key, None):
        raise TooManyAttempts("Too many attempts. Wait 15 minutes and try again.")
    if _check_totp(user, code):
        audit.record(db.session, user.id, "auth.2fa_passed", "user", user.id)
        db.session.commit()
        return user
    recovery = db.session.scalar(select(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None),
        RecoveryCode.code_hash == _hash_recovery(code or "")))
    if recovery is not None:
        recovery.used_at = utcnow()
        audit.record(db.session, user.id, "auth.recovery_code_used", "user", user.id)
        db.session.commit()
        return user
    db.session.rollback()
    audit.record(db.session, user.id, "auth.login_failed", "account", key, step="second factor")
    db.session.commit()
    raise ValidationError("There is a problem", {"code": ["The code is not correct or has expired"]})


def reset_second_factor(user_id: int, actor_id: int) -> None:
    """Admin action when someone loses their authenticator and recovery codes."""
    user = _user(user_id)
    user.totp_secret = None
    user.totp_confirmed_at = None
    user.totp_last_step = None
    for code in db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id)):
        db.session.delete(code)
    user.session_version = (user.session_version or 1) + 1
    audit.record(db.session, actor_id, "user.2fa_reset", "user", user.id)
    db.session.commit()
