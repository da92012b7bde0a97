"""Notifications about referrals and consent: a reference and a link, never personal data.

`Notifier` is the interface. The default `OutboxNotifier` writes OutboxMessage rows in
the caller's transaction (admins read them at /admin/outbox); `SmtpNotifier` also sends
them when NAVIGATOR_SMTP_HOST is configured. Tests swap in any object with `send`.
"""
from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from typing import Protocol

from flask import current_app

from navigator.referrals.models import OutboxMessage
from navigator.times import utcnow

log = logging.getLogger("navigator.notifications")


class Notifier(Protocol):
    def send(self, session, recipient: str, subject: str, reference: str, link: str,
             organization_id: str | None = None) -> None: ...


def compose_body(subject: str, reference: str, link: str) -> str:
    """The only body any notification has: what happened, the reference, where to look."""
    return (
        f"{subject}\n\nReference: {reference}\n\n"
        f"Sign in to Navigator to see the details: {link}\n\n"
        "This message deliberately contains no personal information."
    )


class OutboxNotifier:
    """Writes each message to the outbox table, committed with the change it reports."""

    def send(self, session, recipient, subject, reference, link, organization_id=None):
        session.add(OutboxMessage(
            recipient=recipient, organization_id=organization_id, subject=subject,
            body=compose_body(subject, reference, link), reference=reference,
        ))


class SmtpNotifier(OutboxNotifier):
    """Outbox row plus an SMTP send; a failed send is logged on the row, never raised."""

    def __init__(self, host: str, port: int = 25, sender: str = "navigator@localhost",
                 username: str | None = None, password: str | None = None, starttls: bool = True):
        self.host, self.port, self.sender = host, port, sender
        self.username, self.password, self.starttls = username, password, starttls

    def send(self, session, recipient, subject, reference, link, organization_id=None):
        message = OutboxMessage(
            recipient=recipient, organization_id=organization_id, subject=subject,
            body=compose_body(subject, reference, link), reference=reference,
        )
        session.add(message)
        email = EmailMessage()
        email["From"], email["To"], email["Subject"] = self.sender, recipient, subject
        email.set_content(message.body)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=10) as smtp:
                if self.starttls:
                    smtp.starttls()
                if self.username:
                    smtp.login(self.username, self.password or "")
                smtp.send_message(email)
            message.sent_at = utcnow()
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("notification not sent reference=%s: %s", reference, type(exc).__name__)
            message.error = type(exc).__name__


def get_notifier() -> Notifier:
    """The configured notifier: app.extensions override, SMTP when configured, else outbox."""
    override = current_app.extensions.get("navigator_notifier")
    if override is not None:
        return override
    host = current_app.config.get("SMTP_HOST") or ""
    if host:
        return SmtpNotifier(
            host, int(current_app.config.get("SMTP_PORT") or 587),
            current_app.config.get("SMTP_SENDER") or "navigator@localhost",
            current_app.config.get("SMTP_USERNAME"), current_app.config.get("SMTP_PASSWORD"),
            bool(current_app.config.get("SMTP_STARTTLS", True)),
        )
    return OutboxNotifier()
