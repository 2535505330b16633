"""Turning raw RFC 5322 bytes into what the CCR stores, with the standard library.

``email`` with ``policy.default`` decodes RFC 2047 headers and RFC 2231 filenames;
``headers.py`` decodes mislabelled charsets and reads headers leniently,
``parts.py`` walks the MIME tree, ``parsed.py`` holds the result's dataclasses.
Anything that raises while parsing becomes :class:`MailParseError`, and the caller
quarantines the raw bytes instead of stopping.
"""

from __future__ import annotations

import hashlib
from email import message_from_bytes, policy
from email.message import EmailMessage, Message

from channels.email.headers import addresses, encoded_word_charsets, format_address, header_text, message_ids
from channels.email.htmltext import html_to_text, sanitize_html
from channels.email.parsed import Dsn, MailParseError, MailPart, ParsedMail
from channels.email.parts import Walker, read_dsn
from channels.email.quoting import split_quoted

__all__ = ["Dsn", "MailParseError", "MailPart", "ParsedMail", "parse"]

# Headers kept for the automated-mail guards and language detection.
_KEPT_HEADERS = (
    "Auto-Submitted",
    "Precedence",
    "X-Autoreply",
    "X-Autorespond",
    "List-Id",
    "Return-Path",
    "Content-Language",
)


def parse(raw: bytes) -> ParsedMail:
    try:
        msg = message_from_bytes(raw, policy=policy.default)
        return _parse(msg, raw)
    except MailParseError:
        raise
    except (RecursionError, Exception) as exc:
        raise MailParseError(f"{type(exc).__name__}: {exc}"[:300]) from exc


def _parse(msg: EmailMessage | Message, raw: bytes) -> ParsedMail:
    senders = addresses(msg, "From") or addresses(msg, "Sender")
    if not senders:
        raise MailParseError("no usable sender address in From")
    from_name, from_addr = senders[0]
    walker = Walker()
    walker.walk(msg)
    text = "\n".join(t for t in walker.texts if t).strip("\n")
    html_source = "\n".join(walker.htmls)
    html: str | None = None
    quoted = ""
    if text:
        text, quoted = split_quoted(text)
    elif html_source.strip():
        html = sanitize_html(html_source)
        text, quoted = split_quoted(html_to_text(html_source))
    reply_to = addresses(msg, "Reply-To")
    mid = message_ids(header_text(msg, "Message-ID"))
    head, _, body = raw.partition(b"\r\n\r\n") if b"\r\n\r\n" in raw else raw.partition(b"\n\n")
    subject = header_text(msg, "Subject")
    digest = hashlib.sha256(from_addr.encode() + b"\0" + subject.encode() + b"\0" + body).hexdigest()
    headers = {
        name.lower(): header_text(msg, name)[:300] for name in _KEPT_HEADERS if msg.get(name) is not None
    }
    return ParsedMail(
        message_id=mid[0] if mid else None,
        in_reply_to=message_ids(header_text(msg, "In-Reply-To")),
        references=message_ids(header_text(msg, "References")),
        subject=subject,
        from_addr=from_addr,
        from_name=from_name,
        reply_to=reply_to[0][1] if reply_to else None,
        to=[format_address(n, a) for n, a in addresses(msg, "To")],
        cc=[format_address(n, a) for n, a in addresses(msg, "Cc")],
        text=text,
        quoted=quoted,
        html=html,
        attachments=walker.attachments,
        headers=headers,
        dsn=read_dsn(walker.reports),
        content_hash=digest,
        charsets=[*walker.charsets, *encoded_word_charsets(head)],
    )
