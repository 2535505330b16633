"""Turning raw RFC 5322 bytes into what the CCR stores, with the standard library.

``email`` with ``policy.default`` (each header value parsed once, ``headers.PARSE_POLICY``)
decodes RFC 2047 headers and RFC 2231 filenames;
``headers.py`` decodes mislabelled charsets and reads headers leniently,
``parts.py`` walks the MIME tree, ``parsed.py`` holds the result's dataclasses.
Anything that raises while parsing becomes :class:`MailParseError`, and the caller
quarantines the raw bytes instead of stopping.
"""

from __future__ import annotations

import hashlib
from email import message_from_bytes
from email.message import EmailMessage, Message

from channels.email.header_words import decoded_addresses, decoded_header
from channels.email.headers import (
    PARSE_POLICY,
    encoded_word_charsets,
    format_address,
    header_text,
    message_ids,
    valid_address,
)
from channels.email.htmltext import html_to_text, sanitize_html
from channels.email.parsed import Dsn, Forwarded, MailParseError, MailPart, ParsedMail
from channels.email.parts import Walker, read_dsn
from channels.email.quoting import split_quoted

__all__ = ["Dsn", "Forwarded", "MailParseError", "MailPart", "ParsedMail", "parse"]

# RFC 5322's line limit, used as the cap on a stored (and echoed) subject: a 1 MB
# Subject would otherwise be stored whole and sent back in an acknowledgement.
MAX_SUBJECT = 998

# Headers kept for the automated-mail guards, language detection and (Date) the dedupe
# of mail without a Message-ID.
_KEPT_HEADERS = (
    "Date",
    "Auto-Submitted",
    "Precedence",
    "X-Autoreply",
    "X-Autorespond",
    "List-Id",
    "Return-Path",
    "Content-Language",
)


def parse(raw: bytes, sender: tuple[str, str] | None = None) -> ParsedMail:
    """``sender`` (name, address) replaces From: a human releasing a quarantined mail chose it."""
    try:
        msg = message_from_bytes(raw, policy=PARSE_POLICY)
        return _parse(msg, raw, sender)
    except MailParseError:
        raise
    except (RecursionError, Exception) as exc:
        raise MailParseError(f"{type(exc).__name__}: {exc}"[:300]) from exc


def _parse(msg: EmailMessage | Message, raw: bytes, sender: tuple[str, str] | None = None) -> ParsedMail:
    walker = Walker()
    walker.walk(msg)
    # Header text without a charset of its own is read like the body: as declared.
    declared = msg.get_content_charset() or next(iter(walker.charsets), None)

    def people(name: str) -> list[tuple[str, str]]:
        pairs = decoded_addresses(msg, name, declared)
        return [(n, a.strip().lower()) for n, a in pairs if valid_address(a.strip())]

    dsn = read_dsn(walker.reports)
    senders = [sender] if sender else people("From") or people("Sender")
    if senders:
        from_name, from_addr = senders[0]
    elif dsn is not None:
        # A bounce (From: <>, or a daemon without an address) is recognised before it
        # could be refused for its sender; the inbound side matches it to what was sent.
        from_name, from_addr = "", ""
    else:
        raise MailParseError("no usable sender address in From")
    text = "\n".join(t for t in walker.texts if t).strip("\n")
    html_source = "\n".join(walker.htmls)
    html: str | None = None
    quoted = ""
    if text:
        text, quoted = split_quoted(text)
    elif html_source.strip():
        html = sanitize_html(html_source)
        text, quoted = split_quoted(html_to_text(html_source))
    elif walker.forwarded:
        # Only a forwarded mail: its text is what the customer wants read.
        text = walker.forwarded[0].text
    reply_to = people("Reply-To")
    mid = message_ids(header_text(msg, "Message-ID"))
    head, _, body = raw.partition(b"\r\n\r\n") if b"\r\n\r\n" in raw else raw.partition(b"\n\n")
    subject = decoded_header(msg, "Subject", declared)[:MAX_SUBJECT]
    digest = hashlib.sha256(from_addr.encode() + b"\0" + subject.encode() + b"\0" + body).hexdigest()
    headers = {
        name.lower(): decoded_header(msg, name, declared)[:300]
        for name in _KEPT_HEADERS
        if name in msg  # not msg.get(): that parses the header only to test it is there
    }
    return ParsedMail(
        message_id=mid[0] if mid else None,
        in_reply_to=message_ids(header_text(msg, "In-Reply-To")),
        references=message_ids(header_text(msg, "References")),
        subject=subject,
        from_addr=from_addr,
        from_name=from_name,
        reply_to=reply_to[0][1] if reply_to else None,
        to=[format_address(n, a) for n, a in people("To")],
        cc=[format_address(n, a) for n, a in people("Cc")],
        text=text,
        quoted=quoted,
        html=html,
        attachments=walker.attachments,
        headers=headers,
        dsn=dsn,
        content_hash=digest,
        charsets=[*walker.charsets, *encoded_word_charsets(head)],
        forwarded=walker.forwarded,
    )
