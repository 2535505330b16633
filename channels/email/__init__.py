"""The email channel: IMAP in (IDLE or polling, by UID), SMTP out (threaded, retried).

See docs/email.md. Each mailbox has one supervised poller; replies leave through a
persistent outbox.
"""

from __future__ import annotations

from channels.email.channel import EmailChannel
from channels.email.mime import MailParseError, ParsedMail, parse

__all__ = ["EmailChannel", "MailParseError", "ParsedMail", "parse"]
