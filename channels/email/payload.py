"""What the CCR stores for one parsed mail: its external id and its event payload.

Pure functions of the parsed mail (``parsed.py``) and the mailbox, shared by the
poller's batch path (``mail_store.py``) and a human's release from quarantine.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from channels.email.guards import automated_reason
from repository.core.ingest import MAX_BODY_CHARS

if TYPE_CHECKING:
    from channels.email.parsed import ParsedMail
    from repository.email.models import Mailbox

MAX_PAYLOAD_TEXT = 100_000
MAX_HTML = 300_000


def external_id_for(mail: ParsedMail) -> str:
    if mail.message_id and len(mail.message_id) <= 250:
        return mail.message_id
    if mail.message_id:
        return "mid-sha256:" + hashlib.sha256(mail.message_id.encode()).hexdigest()
    # No Message-ID: the content decides, so a re-fetch still finds the stored copy. The
    # Date header is part of it: the same text sent again days later is another mail.
    date = mail.headers.get("date", "")
    if date:
        return "sha256:" + hashlib.sha256(f"{mail.content_hash}\0{date}".encode()).hexdigest()
    return "sha256:" + mail.content_hash


def dedupe_by_window(mail: ParsedMail) -> bool:
    """Neither Message-ID nor Date: only the same copy or one within minutes is a duplicate."""
    return not mail.message_id and not mail.headers.get("date")


def has_files(mail: ParsedMail) -> bool:
    return bool(mail.attachments) or len(mail.text) > MAX_BODY_CHARS


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def payload(mailbox: Mailbox, mail: ParsedMail, files: list[dict[str, Any]]) -> dict[str, Any]:
    html = mail.html
    if html is not None:
        for item in files:
            if item.get("content_id") and item.get("url"):
                html = html.replace(f"cid:{item['content_id']}", item["url"])
        if len(html) > MAX_HTML:
            html = None
    return {
        "mailbox_id": mailbox.id,
        "subject": mail.subject,
        "from": f"{mail.from_name} <{mail.from_addr}>" if mail.from_name else mail.from_addr,
        "from_address": mail.from_addr,
        "reply_to": mail.reply_to,
        "to": mail.to,
        "cc": mail.cc,
        "message_id": mail.message_id,
        "in_reply_to": mail.in_reply_to[:5],
        "references": mail.references[-20:],
        "text": truncate(mail.text, MAX_PAYLOAD_TEXT),
        "quoted": truncate(mail.quoted, MAX_PAYLOAD_TEXT),
        "html": html,
        "attachments": files,
        "truncated": len(mail.text) > MAX_BODY_CHARS,
        "automated": automated_reason(mail),
        "content_hash": mail.content_hash,
        "forwarded": [
            {"headers": f.headers, "text": truncate(f.text, MAX_PAYLOAD_TEXT)} for f in mail.forwarded
        ],
    }
