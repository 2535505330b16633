"""Handing a finished mail to the mailbox's SMTP server with aiosmtplib."""

from __future__ import annotations

from typing import TYPE_CHECKING

import aiosmtplib

if TYPE_CHECKING:
    from repository.email.models import Mailbox

TIMEOUT_SECONDS = 30.0


class PermanentFailure(Exception):
    """The server refused the mail for good (5xx); retrying will not help."""


async def send(mailbox: Mailbox, raw: bytes, recipients: list[str], password: str) -> None:
    """Send ``raw``; ``password`` is the mailbox's SMTP password, opened by the caller just now."""
    try:
        await aiosmtplib.send(
            raw,
            sender=mailbox.address,
            recipients=recipients,
            hostname=mailbox.smtp_host,
            port=mailbox.smtp_port,
            username=mailbox.smtp_user or None,
            password=password or None,
            use_tls=mailbox.smtp_security == "tls",
            start_tls=mailbox.smtp_security == "starttls",
            timeout=TIMEOUT_SECONDS,
        )
    except aiosmtplib.SMTPRecipientsRefused as exc:
        codes = [r.code for r in exc.recipients]
        if codes and all(code >= 500 for code in codes):
            raise PermanentFailure("; ".join(f"{r.code} {r.message}" for r in exc.recipients)[:300]) from exc
        raise
    except aiosmtplib.SMTPResponseException as exc:
        if exc.code >= 500 and not isinstance(exc, aiosmtplib.SMTPAuthenticationError):
            raise PermanentFailure(f"{exc.code} {exc.message}"[:300]) from exc
        raise
