"""Session lifetime rules: a fresh session at sign-in, idle and absolute timeouts."""
from __future__ import annotations

import time

from flask import current_app, session
from flask_login import current_user, logout_user

IDLE_SECONDS_DEFAULT = 30 * 60
ABSOLUTE_SECONDS_DEFAULT = 12 * 60 * 60


def start_session() -> None:
    """Throw away whatever the visitor's session held before signing in (no fixation)."""
    session.clear()
    now = int(time.time())
    session["started_at"] = now
    session["seen_at"] = now
    session.permanent = True


def enforce_timeouts() -> bool:
    """Sign the user out when idle or absolute lifetime is exceeded; True if that happened."""
    if not current_user.is_authenticated:
        return False
    now = int(time.time())
    idle = current_app.config.get("SESSION_IDLE_SECONDS", IDLE_SECONDS_DEFAULT)
    absolute = current_app.config.get("SESSION_ABSOLUTE_SECONDS", ABSOLUTE_SECONDS_DEFAULT)
    started = session.get("started_at", 0)
    seen = session.get("seen_at", 0)
    if now - started > absolute or now - seen > idle:
        logout_user()
        session.clear()
        return True
    session["seen_at"] = now
    return False
