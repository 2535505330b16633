"""One fetched message, from raw bytes to a stored, announced, threaded contact.

Order: parse → (bounce? mark the outbound mail failed) → thread → store → announce →
remember the Message-ID → maybe acknowledge. A message that cannot be parsed, or
that the CCR refuses, is kept raw in quarantine and skipped, so one bad mail never
stops the poller. A database outage is not the message's fault: it propagates, the
poller reconnects, and the UID position (not advanced) makes it try again.
"""

from __future__ import annotations

import hashlib
import logging
import re
from typing import TYPE_CHECKING, Any

from anyio import to_thread
from sqlalchemy.exc import DBAPIError
from sqlmodel import select

from channels.email import attachments
from channels.email.guards import automated_reason
from channels.email.mime import MailParseError, ParsedMail, parse
from repository import email_outbox
from repository.email_threads import (
    customer_for_address,
    find_thread,
    quarantine,
    record_message_id,
    reopen,
)
from repository.errors import ContactCenterError
from repository.identity import normalise
from repository.ingest import MAX_BODY_CHARS, InboundItem
from repository.models import Event

if TYPE_CHECKING:
    from pathlib import Path

    from channels.email.health import MailboxHealth
    from channels.email.outbound import Outbound
    from contact_center.context import AppContext
    from repository.email_models import Mailbox

log = logging.getLogger(__name__)
TOKEN = re.compile(r"\[#(\d{1,10})\]")
MAX_PAYLOAD_TEXT = 100_000
MAX_HTML = 300_000


def external_id_for(mail: ParsedMail) -> str:
    if mail.message_id and len(mail.message_id) <= 250:
        return mail.message_id
    if mail.message_id:
        return "mid-sha256:" + hashlib.sha256(mail.message_id.encode()).hexdigest()
    # No Message-ID: the content decides, so a re-fetch still finds the stored copy.
    return "sha256:" + mail.content_hash


class Inbound:
    def __init__(self, ctx: AppContext, outbound: Outbound) -> None:
        self.ctx = ctx
        self.db = ctx.db
        self.hub = ctx.hub
        self.outbound = outbound
        self.files_root: Path = ctx.settings.attachment_dir
        self.quarantine_root: Path = ctx.settings.data_dir / "email-quarantine"
        self.max_bytes = ctx.settings.attachment_max_bytes

    async def run_db(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        return await to_thread.run_sync(lambda: fn(self.db, *args, **kwargs))

    async def process(
        self, mailbox: Mailbox, uidvalidity: int, uid: int, raw: bytes, health: MailboxHealth
    ) -> str:
        """Handle one message; returns what became of it (for logs, tests and the bench)."""
        try:
            mail = parse(raw)
        except MailParseError as exc:
            return await self._quarantine(mailbox, uidvalidity, uid, raw, str(exc), health)
        try:
            return await self._process(mailbox, mail, health)
        except DBAPIError:
            raise
        except (ContactCenterError, ValueError, LookupError, TypeError, UnicodeError) as exc:
            log.warning("mailbox %s uid %s: refused (%s); quarantined", mailbox.id, uid, exc)
            return await self._quarantine(mailbox, uidvalidity, uid, raw, f"refused: {exc}", health)

    async def _quarantine(
        self, mailbox: Mailbox, uidvalidity: int, uid: int, raw: bytes, reason: str, health: MailboxHealth
    ) -> str:
        digest = hashlib.sha256(raw).hexdigest()
        path = self.quarantine_root / str(mailbox.id) / f"{digest}.eml"

        def write() -> None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(raw)

        await to_thread.run_sync(write)
        if await self.run_db(quarantine, mailbox.id, uidvalidity, uid, digest, len(raw), reason, str(path)):
            health.quarantined += 1
            log.warning("mailbox %s uid %s: quarantined: %s", mailbox.id, uid, reason)
        return "quarantined"

    async def _process(self, mailbox: Mailbox, mail: ParsedMail, health: MailboxHealth) -> str:
        if mail.dsn is not None:
            return await self._bounce(mail)
        address = normalise("email", mail.from_addr)
        external_id, stored = await self.run_db(_free_external_id, external_id_for(mail), mail.content_hash)
        if stored is not None:
            # Already in the CCR (a re-fetch after a crash or a UIDVALIDITY resync): make
            # sure its Message-ID is indexed, which an interrupted first pass may have missed.
            await self.run_db(
                record_message_id,
                mail.message_id or external_id,
                stored.customer_id,
                stored.interaction_id,
                stored.id,
                "in",
            )
            return "duplicate"
        customer_id = await self.run_db(customer_for_address, address)
        thread_key = f"{mailbox.id}:{external_id}"[:300]
        if customer_id is not None:
            token = TOKEN.search(mail.subject)
            match = await self.run_db(
                find_thread,
                customer_id,
                mail.references + mail.in_reply_to,
                int(token.group(1)) if token else None,
            )
            if match is not None:
                thread_key = match.thread_key
                if match.status in ("wrapup", "closed"):
                    reopened = await self.run_db(reopen, match.interaction_id)
                    if reopened is not None:
                        interaction, previous_agent = reopened
                        await self.hub.publish_requeued(interaction, previous_agent or 0, "customer replied")
                        self.ctx.router.wake()
        files = await to_thread.run_sync(self._save_files, mailbox, mail)
        item = InboundItem(
            channel="email",
            identities=[("email", address)],
            thread_key=thread_key,
            body=_truncate(mail.text, MAX_BODY_CHARS),
            external_id=external_id,
            display_name=mail.from_name,
            subject=mail.subject[:300],
            queue_id=mailbox.queue_id,
            payload=_payload(mailbox, mail, files),
        )
        result = await self.hub.store(item)
        await self.hub.announce(result)
        await self.run_db(
            record_message_id,
            mail.message_id or external_id,
            result.customer.id,
            result.interaction.id,
            result.event.id,
            "in",
        )
        if result.duplicate:
            return "duplicate"
        health.ingested += 1
        if mailbox.acknowledge and result.new_interaction:
            reason = automated_reason(mail)
            if reason is None:
                await self.outbound.acknowledge(mailbox, result.interaction, result.event)
            else:
                log.info("mailbox %s: not acknowledging event %s (%s)", mailbox.id, result.event.id, reason)
        return "ingested"

    def _save_files(self, mailbox: Mailbox, mail: ParsedMail) -> list[dict[str, Any]]:
        owner = f"email:{mailbox.id}"
        saved = [
            attachments.save(self.db, self.files_root, owner, part, self.max_bytes)
            for part in mail.attachments
        ]
        if len(mail.text) > MAX_BODY_CHARS:
            from channels.email.mime import MailPart

            full = MailPart("message.txt", "text/plain", mail.text.encode("utf-8"))
            saved.append(
                {**attachments.save(self.db, self.files_root, owner, full, self.max_bytes), "full_text": True}
            )
        return saved

    async def _bounce(self, mail: ParsedMail) -> str:
        assert mail.dsn is not None
        candidates = mail.dsn.original_message_ids + mail.in_reply_to + mail.references
        rows = await self.run_db(email_outbox.by_message_id, candidates)
        if not rows:
            log.info("a delivery report for a message this product did not send (%s)", candidates[:3])
            return "bounce-unmatched"
        if not mail.dsn.failed:
            return "bounce-delayed"
        error = f"bounced: {mail.dsn.status} {mail.dsn.diagnostic}".strip()
        for row in rows:
            await self.run_db(email_outbox.mark_bounced, row.id, error)
            await self.hub.set_delivery(row.event_id, "failed", error)
        return "bounce"


def _free_external_id(db: Any, external_id: str, content_hash: str) -> tuple[str, Event | None]:
    """The id to store this mail under, and the stored event if this exact mail is already in.

    Two different mails that claim the same Message-ID (broken mailers do this) are
    both kept: the second is stored under the id plus its content hash.
    """
    with db.read() as session:
        for candidate in (external_id, f"{external_id}#{content_hash[:16]}"):
            event = session.exec(
                select(Event).where(Event.channel == "email", Event.external_id == candidate[:300])
            ).first()
            if event is None:
                return candidate[:300], None
            if event.payload.get("content_hash") == content_hash:
                return candidate[:300], event
    # Even the content-qualified id is taken by other content: only a hash collision gets here.
    return f"sha256:{content_hash}", None


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _payload(mailbox: Mailbox, mail: ParsedMail, files: list[dict[str, Any]]) -> dict[str, Any]:
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
        "text": _truncate(mail.text, MAX_PAYLOAD_TEXT),
        "quoted": _truncate(mail.quoted, MAX_PAYLOAD_TEXT),
        "html": html,
        "attachments": files,
        "truncated": len(mail.text) > MAX_BODY_CHARS,
        "automated": automated_reason(mail),
        "content_hash": mail.content_hash,
    }
