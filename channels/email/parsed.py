"""The parsed-message model: what :func:`channels.email.mime.parse` hands the CCR.

Plain dataclasses with no parsing logic, so the walker (``parts.py``), the header
readers (``headers.py``) and the consumers (``inbound.py``, ``mail_store.py``, ``guards.py``,
``attachments.py``) can share them without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class MailParseError(Exception):
    """The message cannot be turned into a contact; it goes to quarantine."""


@dataclass
class MailPart:
    filename: str
    content_type: str
    data: bytes
    inline: bool = False
    content_id: str | None = None


@dataclass
class Forwarded:
    """A mail attached whole (``message/rfc822``): its main headers and its text."""

    headers: dict[str, str]
    text: str


@dataclass
class Dsn:
    """What a delivery status notification says about an earlier outbound mail."""

    original_message_ids: list[str]
    failed: bool
    status: str
    diagnostic: str


@dataclass
class ParsedMail:
    message_id: str | None
    in_reply_to: list[str]
    references: list[str]
    subject: str
    from_addr: str
    from_name: str
    reply_to: str | None
    to: list[str]
    cc: list[str]
    text: str
    quoted: str
    html: str | None
    attachments: list[MailPart] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    dsn: Dsn | None = None
    content_hash: str = ""
    # Charsets the sender used (text parts, Subject encoded-words): GB2312 or Big5 tells
    # which Chinese the customer writes (channels/email/language.py).
    charsets: list[str] = field(default_factory=list)
    forwarded: list[Forwarded] = field(default_factory=list)
