"""Mail to people: the links they need, through the SMTP server the settings name.

The standard library's `smtplib` in a worker thread rather than another dependency: Nahbei sends a
few messages a day (setup, invitations, resets), so a thread per message costs nothing that matters.
The login comes from the environment only, never from a command line or a file Nahbei writes.
"""

from __future__ import annotations

import asyncio
import os
import smtplib
from email.message import EmailMessage

import structlog

from backend.config import Settings

log = structlog.get_logger(__name__)
TIMEOUT_S = 20.0


class MailFailed(Exception):
    """The mail server could not be reached or refused the message."""


def mail_configured(settings: Settings) -> bool:
    return bool(settings.smtp_host)


async def send_mail(settings: Settings, to: str, subject: str, text: str) -> None:
    """Send one plain-text message; `MailFailed` if it did not go (the text is never logged)."""
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = to
    message["Subject"] = subject
    message.set_content(text)
    try:
        await asyncio.to_thread(_send, settings, message)
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("mail not sent", error=type(exc).__name__, smtp_host=settings.smtp_host)
        raise MailFailed(str(exc)) from None


def _send(settings: Settings, message: EmailMessage) -> None:
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT_S) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        user, password = os.environ.get("NAHBEI_SMTP_USER"), os.environ.get("NAHBEI_SMTP_PASSWORD")
        if user and password:
            smtp.login(user, password)
        smtp.send_message(message)
