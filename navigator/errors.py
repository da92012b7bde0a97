"""Domain errors raised by service functions and their mapping to HTTP responses."""
from __future__ import annotations


class DomainError(Exception):
    """Base for the few named errors that services raise."""

    status_code = 400

    def __init__(self, message: str = "", errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class NotFound(DomainError):
    status_code = 404


class NotAuthorized(DomainError):
    status_code = 403


class ValidationError(DomainError):
    status_code = 422


class Conflict(DomainError):
    """Someone else changed the record since it was read (lost-update guard)."""

    status_code = 409


class TooManyAttempts(DomainError):
    status_code = 429
