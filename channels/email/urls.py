"""Reading ``EMAIL_IMAP_URL`` / ``EMAIL_SMTP_URL`` into mailbox settings.

``imap://user:pass@host:143/INBOX`` (plain), ``imaps://…:993/Folder`` (TLS),
``smtp://user:pass@host:25``, ``smtps://…:465`` (TLS) or ``smtp://…:587?starttls=1``.
User names and passwords are percent-decoded, so ``support%40example.com`` works.
A bad URL fails at start-up with a message that names the variable, not the secret.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

_IMAP = {"imap": ("plain", 143), "imaps": ("tls", 993)}
_SMTP = {"smtp": ("plain", 25), "smtps": ("tls", 465)}


class MailboxUrlError(ValueError):
    pass


def _split(url: str, schemes: dict[str, tuple[str, int]], name: str) -> tuple[Any, str, int]:
    parts = urlsplit(url)
    if parts.scheme not in schemes:
        raise MailboxUrlError(f"{name} must start with {' or '.join(s + '://' for s in schemes)}")
    if not parts.hostname:
        raise MailboxUrlError(f"{name} has no host")
    security, default_port = schemes[parts.scheme]
    try:
        port = parts.port or default_port
    except ValueError as exc:
        raise MailboxUrlError(f"{name} has an invalid port") from exc
    query = parse_qs(parts.query)
    if query.get("starttls", ["0"])[0].lower() in ("1", "true", "yes"):
        security = "starttls"
    return parts, security, port


def imap_settings(url: str) -> dict[str, Any]:
    parts, security, port = _split(url, _IMAP, "EMAIL_IMAP_URL")
    if not parts.username:
        raise MailboxUrlError("EMAIL_IMAP_URL needs a user name")
    folder = unquote(parts.path.lstrip("/")) or "INBOX"
    return {
        "imap_host": parts.hostname,
        "imap_port": port,
        "imap_security": security,
        "imap_user": unquote(parts.username),
        "imap_password": unquote(parts.password or ""),
        "imap_folder": folder,
    }


def smtp_settings(url: str) -> dict[str, Any]:
    parts, security, port = _split(url, _SMTP, "EMAIL_SMTP_URL")
    return {
        "smtp_host": parts.hostname,
        "smtp_port": port,
        "smtp_security": security,
        "smtp_user": unquote(parts.username or ""),
        "smtp_password": unquote(parts.password or ""),
    }
