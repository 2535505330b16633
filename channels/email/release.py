"""Releasing a quarantined mail: store it anyway, under a sender a human chose.

The raw file is parsed again with that sender in place of From (the usual reason for
quarantine is that no usable sender could be read). If the structure itself defeats
the parser (nesting, part count), the mail is stored as its raw text under its
Subject, so nothing a human chose to keep is lost. Threading, dedupe and the
announcement are the poller's own (``MailStore.store`` and ``MailStore.finish``); no
acknowledgement is sent, since the mail may be days old and its sender is a guess.
"""

from __future__ import annotations

import hashlib
from email import message_from_bytes, policy
from email.utils import getaddresses
from typing import TYPE_CHECKING, Any

from anyio import to_thread

from channels.email.header_words import decoded_header
from channels.email.headers import decode_bytes, valid_address
from channels.email.health import MailboxHealth
from channels.email.mail_store import Chunk, MailStore
from channels.email.mime import MAX_SUBJECT, MailParseError, ParsedMail, parse
from repository.email import quarantine as email_quarantine
from repository.email.mailboxes import get_mailbox
from repository.errors import Conflict, InvalidInput

if TYPE_CHECKING:
    from contact_center.context import AppContext

MAX_RAW_TEXT = 100_000
_SHOWN = ("From", "Reply-To", "Sender", "To", "Date", "Subject", "Message-ID")


def checked_sender(address: str, name: str = "") -> tuple[str, str]:
    address = address.strip().lower()
    if len(address) > 320 or not valid_address(address):
        raise InvalidInput("enter the sender's email address, such as name@example.com", field="sender")
    return " ".join(name.split())[:200], address


def _raw_mail(raw: bytes, sender: tuple[str, str]) -> ParsedMail:
    """The mail as its raw text, for structures the parser gives up on."""
    try:
        subject = decoded_header(message_from_bytes(raw, policy=policy.compat32), "Subject")[:MAX_SUBJECT]
    except Exception:
        subject = ""
    _, _, body = raw.partition(b"\r\n\r\n") if b"\r\n\r\n" in raw else raw.partition(b"\n\n")
    text = decode_bytes(body[:MAX_RAW_TEXT], None).replace("\r\n", "\n").strip()
    return ParsedMail(
        message_id=None,
        in_reply_to=[],
        references=[],
        subject=subject,
        from_addr=sender[1],
        from_name=sender[0],
        reply_to=None,
        to=[],
        cc=[],
        text=text,
        quoted="",
        html=None,
        content_hash=hashlib.sha256(raw).hexdigest(),
    )


def preview(raw: bytes) -> dict[str, Any]:
    """What a reviewer needs to decide: main headers, the text, and a sender to suggest."""
    try:
        msg = message_from_bytes(raw, policy=policy.compat32)
        headers = {name.lower(): decoded_header(msg, name)[:MAX_SUBJECT] for name in _SHOWN}
    except Exception:
        headers = {}
    try:
        mail = parse(raw)
        text, suggested = mail.text or mail.quoted, (mail.from_name, mail.from_addr)
    except MailParseError:
        _, _, body = raw.partition(b"\r\n\r\n") if b"\r\n\r\n" in raw else raw.partition(b"\n\n")
        text = decode_bytes(body[:MAX_RAW_TEXT], None).replace("\r\n", "\n").strip()
        suggested = _suggested_sender(headers)
    return {
        "headers": {k: v for k, v in headers.items() if v},
        "text": text[:MAX_RAW_TEXT],
        "sender": suggested,
    }


def _suggested_sender(headers: dict[str, str]) -> tuple[str, str]:
    for value in (headers.get("from", ""), headers.get("reply-to", ""), headers.get("sender", "")):
        for name, address in getaddresses([value]):
            if valid_address(address.strip()):
                return name, address.strip().lower()
    return "", ""


async def release(ctx: AppContext, quarantine_id: int, sender: tuple[str, str], agent_id: int | None) -> int:
    """Store the quarantined mail as from ``sender`` (name, address); returns the event id."""
    row, _ = await to_thread.run_sync(email_quarantine.get, ctx.db, quarantine_id)
    if row.resolved:
        raise Conflict("this quarantined mail was already released or deleted")
    raw = await to_thread.run_sync(email_quarantine.read_raw, row)
    try:
        mail = parse(raw, sender=sender)
    except MailParseError:
        mail = _raw_mail(raw, sender)
    mailbox = await to_thread.run_sync(get_mailbox, ctx.db, row.mailbox_id)
    store = MailStore(ctx, None)
    chunk = Chunk()
    await store.store(mailbox, mail, MailboxHealth(mailbox.id or 0, mailbox.address), chunk, None)
    await store.finish(chunk, acknowledge=False)
    event_id = chunk.index[-1][3] if chunk.index else None
    await to_thread.run_sync(email_quarantine.decide, ctx.db, quarantine_id, "released", agent_id, event_id)
    return event_id or 0
