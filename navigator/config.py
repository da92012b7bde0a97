"""Configuration read from the environment only; secrets never live in the repository."""
from __future__ import annotations

import os

DEFAULT_SECRET_KEY = "dev-only-not-secret"


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def instance_path_from_env() -> str | None:
    path = os.environ.get("NAVIGATOR_INSTANCE")
    return os.path.abspath(path) if path else None


def load_config(instance_path: str) -> dict:
    """Build the config mapping from NAVIGATOR_* environment variables."""
    database_url = os.environ.get("NAVIGATOR_DATABASE_URL") or (
        "sqlite:///" + os.path.join(instance_path, "navigator.sqlite3")
    )
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgres://"):]
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://"):]
    return {
        "ENV_NAME": os.environ.get("NAVIGATOR_ENV", "development"),
        "SECRET_KEY": os.environ.get("NAVIGATOR_SECRET_KEY", DEFAULT_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SESSION_COOKIE_SECURE": _bool("NAVIGATOR_SECURE_COOKIES", False),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "MAX_CONTENT_LENGTH": _int("NAVIGATOR_MAX_UPLOAD_BYTES", 20 * 1024 * 1024),
        "WTF_CSRF_TIME_LIMIT": None,
        "PERMANENT_SESSION_LIFETIME": 12 * 60 * 60,
        "SESSION_IDLE_SECONDS": _int("NAVIGATOR_SESSION_IDLE_SECONDS", 30 * 60),
        "SESSION_ABSOLUTE_SECONDS": _int("NAVIGATOR_SESSION_ABSOLUTE_SECONDS", 12 * 60 * 60),
        "VERIFICATION_PERIOD_DAYS": _int("NAVIGATOR_VERIFICATION_DAYS", 182),
        "GEOCODER_ONLINE": _bool("NAVIGATOR_GEOCODER_ONLINE", False),
        "POSTCODES_IO_URL": os.environ.get("NAVIGATOR_POSTCODES_IO_URL", "https://api.postcodes.io"),
        "NOMINATIM_DOMAIN": os.environ.get("NAVIGATOR_NOMINATIM_DOMAIN", ""),
        "NOMINATIM_USER_AGENT": os.environ.get(
            "NAVIGATOR_NOMINATIM_USER_AGENT", "navigator-probation-directory/0.1"
        ),
        "SEARCH_BACKEND": os.environ.get("NAVIGATOR_SEARCH_BACKEND", "whoosh"),
        "SEARCH_INDEX_DIR": os.environ.get(
            "NAVIGATOR_SEARCH_INDEX_DIR", os.path.join(instance_path, "search-index")
        ),
        "MAP_TILE_URL": os.environ.get("NAVIGATOR_MAP_TILE_URL", ""),
        "MAP_TILE_ATTRIBUTION": os.environ.get("NAVIGATOR_MAP_TILE_ATTRIBUTION", ""),
        "DEMO_PASSWORD": os.environ.get("NAVIGATOR_DEMO_PASSWORD", ""),
        "REFERRAL_ACK_WORKING_DAYS": _int("NAVIGATOR_REFERRAL_ACK_DAYS", 5),
        # TOTP is required for practitioners, providers and admins; on by default in production.
        "REQUIRE_SECOND_FACTOR": _bool(
            "NAVIGATOR_REQUIRE_2FA", os.environ.get("NAVIGATOR_ENV", "development") == "production"
        ),
        # Folder holding node_modules (govuk-frontend, leaflet) when the package is installed elsewhere.
        "VENDOR_ROOT": os.environ.get("NAVIGATOR_VENDOR_ROOT", ""),
        "LOG_LEVEL": os.environ.get("NAVIGATOR_LOG_LEVEL", "INFO"),
        "BASE_URL": os.environ.get("NAVIGATOR_BASE_URL", "http://127.0.0.1:5000"),
        "NOMINATIM_MIN_DELAY_SECONDS": float(os.environ.get("NAVIGATOR_NOMINATIM_MIN_DELAY", "1") or 1),
        "PRIVACY_NOTICE_VERSION": os.environ.get("NAVIGATOR_PRIVACY_NOTICE_VERSION", "2025-1"),
        "PERSON_RETENTION_YEARS": _int("NAVIGATOR_PERSON_RETENTION_YEARS", 7),
        "REPORT_SUPPRESSION_THRESHOLD": _int("NAVIGATOR_REPORT_SUPPRESSION_THRESHOLD", 10),
        # Notifications go to the outbox table unless an SMTP host is configured.
        "SMTP_HOST": os.environ.get("NAVIGATOR_SMTP_HOST", ""),
        "SMTP_PORT": _int("NAVIGATOR_SMTP_PORT", 587),
        "SMTP_SENDER": os.environ.get("NAVIGATOR_SMTP_SENDER", "navigator@localhost"),
        "SMTP_USERNAME": os.environ.get("NAVIGATOR_SMTP_USERNAME", ""),
        "SMTP_PASSWORD": os.environ.get("NAVIGATOR_SMTP_PASSWORD", ""),
        "SMTP_STARTTLS": _bool("NAVIGATOR_SMTP_STARTTLS", True),
        "PASSWORD_HASH": os.environ.get("NAVIGATOR_PASSWORD_HASH", "argon2id"),
    }
