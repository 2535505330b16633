"""Fetched messages, from raw bytes to stored, announced, threaded contacts.

Per message: parse → (bounce? mark the outbound mail failed) → one read that
dedupes, finds the sender and the thread → store. Per FETCH chunk: index every
stored Message-ID in one transaction, then announce what was stored, then (in the
poller) save the UID position. Announcing after the chunk, not after each message,
means the router, which re-reads every queued contact on each wake-up, runs about
once per chunk instead of once per new thread (bench/README.md, "Email ingestion").

A message that cannot be parsed, or that the CCR refuses, is kept raw in quarantine
and skipped, so one bad mail never stops the poller. A database outage is not the
message's fault: it propagates, the poller reconnects, and the UID position (not
advanced) makes it try again; what was already stored is then a duplicate.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from anyio import to_thread
from sqlalchemy.exc import DBAPIError

from channels.email import attachments
from channels.email.guards import automated_reason
from channels.email.language import customer_language
from channels.email.mime import MailParseError, MailPart, ParsedMail, parse
from repository import email_outbox
from repository.email_mailboxes import mailbox_addresses
from repository.email_threads import ThreadMatch, plan_inbound, quarantine, record_message_ids, reopen
from repository.errors import ContactCenterError
from repository.identity import normalise
from repository.ingest import MAX_BODY_CHARS, InboundItem

if TYPE_CHECKING:
    from pathlib import Path

    from channels.email.health import MailboxHealth
    from channels.email.outbound import Outbound
    from contact_center.context import AppContext
    from repository.email_models import Mailbox
    from repository.ingest import IngestResult

log = logging.getLogger(__name__)
TOKEN = re.compile(r"\[#(\d{1,10})\]")
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


@dataclass
class Chunk:
    """What one FETCH chunk stored, waiting to be indexed and announced together."""

    stored: list[tuple[Mailbox, ParsedMail, IngestResult]] = field(default_factory=list)
    index: list[tuple[str, int, int, int | None, str]] = field(default_factory=list)
    # (customer id, Message-ID) -> thread, so a reply to a mail earlier in the same chunk threads.
    threads: dict[tuple[int, str], ThreadMatch] = field(default_factory=dict)


class Inbound:
    def __init__(self, ctx: AppContext, outbound: Outbound | None) -> None:
        self.ctx = ctx
        self.db = ctx.db
        self.hub = ctx.hub
        self.outbound = outbound
        self.files_root: Path = ctx.settings.attachment_dir
        self.quarantine_root: Path = ctx.settings.data_dir / "email-quarantine"
        self.max_bytes = ctx.settings.email_attachment_max_bytes
        self.own_addresses: set[str] = set()

    async def run_db(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        return await to_thread.run_sync(lambda: fn(self.db, *args, **kwargs))

    async def process(
        self, mailbox: Mailbox, uidvalidity: int, uid: int, raw: bytes, health: MailboxHealth
    ) -> str:
        """Handle one message on its own; returns what became of it."""
        return (await self.process_chunk(mailbox, uidvalidity, [(uid, raw)], health))[0]

    async def process_chunk(
        self, mailbox: Mailbox, uidvalidity: int, fetched: list[tuple[int, bytes]], health: MailboxHealth
    ) -> list[str]:
        """Handle one FETCH response's messages, in UID order; returns what became of each."""
        chunk = Chunk()
        self.own_addresses = await self.run_db(mailbox_addresses)
        outcomes = [await self._one(mailbox, uidvalidity, uid, raw, health, chunk) for uid, raw in fetched]
        await self.finish(chunk)
        return outcomes

    async def finish(self, chunk: Chunk, *, acknowledge: bool = True) -> None:
        """Index what a chunk stored, announce it, and acknowledge new threads from people."""
        await self.run_db(record_message_ids, chunk.index)
        for box, mail, result in chunk.stored:
            await self.hub.announce(result)
            if acknowledge and self.outbound is not None and box.acknowledge and result.new_interaction:
                reason = result.event.payload.get("automated")
                if reason is None:
                    language = customer_language(
                        mail.headers.get("content-language", ""), mail.charsets, box.language
                    )
                    await self.outbound.acknowledge(box, result.interaction, result.event, language)
                else:
                    log.info("mailbox %s: not acknowledging event %s (%s)", box.id, result.event.id, reason)

    async def _one(
        self, mailbox: Mailbox, uidvalidity: int, uid: int, raw: bytes, health: MailboxHealth, chunk: Chunk
    ) -> str:
        try:
            mail = parse(raw)
        except MailParseError as exc:
            return await self._quarantine(mailbox, uidvalidity, uid, raw, str(exc), health)
        if mail.dsn is not None:
            # Bounces first, before anything could refuse them for their sender (From: <>).
            outcome = await self._bounce(mail)
            if outcome == "bounce-unmatched":
                return await self._quarantine(
                    mailbox, uidvalidity, uid, raw, "bounce for unknown message", health
                )
            return outcome
        try:
            return await self.store(mailbox, mail, health, chunk, (uidvalidity, uid))
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

    async def store(
        self,
        mailbox: Mailbox,
        mail: ParsedMail,
        health: MailboxHealth,
        chunk: Chunk,
        position: tuple[int, int] | None,
    ) -> str:
        """Thread and store one parsed mail (``position``: its UIDVALIDITY and UID, if fetched)."""
        address = normalise("email", mail.from_addr)
        token = TOKEN.search(mail.subject)
        references = mail.references + mail.in_reply_to
        plan = await self.run_db(
            plan_inbound,
            external_id_for(mail),
            mail.content_hash,
            address,
            references,
            int(token.group(1)) if token else None,
            copy=(mailbox.id, *position) if position and dedupe_by_window(mail) else None,
        )
        if plan.stored is not None:
            # Already in the CCR (a re-fetch after a crash or a UIDVALIDITY resync): make
            # sure its Message-ID is indexed, which an interrupted first pass may have missed.
            stored = plan.stored
            chunk.index.append(
                (
                    mail.message_id or plan.external_id,
                    stored.customer_id,
                    stored.interaction_id,
                    stored.id,
                    "in",
                )
            )
            return "duplicate"
        match = plan.match
        if plan.customer_id is not None:
            # A reply to a mail stored earlier in this chunk (not indexed yet) is its closest parent.
            local = [
                chunk.threads[(plan.customer_id, ref)]
                for ref in references
                if (plan.customer_id, ref) in chunk.threads
            ]
            match = local[-1] if local else match
        thread_key = f"{mailbox.id}:{plan.external_id}"[:300]
        if match is not None:
            thread_key = match.thread_key
            if match.status in ("wrapup", "closed"):
                reopened = await self.run_db(reopen, match.interaction_id)
                if reopened is not None:
                    interaction, previous_agent = reopened
                    await self.hub.publish_requeued(interaction, previous_agent or 0, "customer replied")
                    self.ctx.router.wake()
        files = await to_thread.run_sync(self._save_files, mailbox, mail) if _has_files(mail) else []
        for saved in files:
            if saved.get("too_large"):
                log.warning(
                    "mailbox %s: attachment %r of %s (%s bytes) not kept: over the %s-byte limit"
                    " (EMAIL_ATTACHMENT_MAX_BYTES)",
                    mailbox.id,
                    saved["filename"],
                    plan.external_id,
                    saved["size"],
                    saved["limit"],
                )
        payload = _payload(mailbox, mail, files)
        if position is not None:
            payload["imap"] = {"uidvalidity": position[0], "uid": position[1]}
        if mail.from_addr in self.own_addresses:
            # Our own address (or another of our mailboxes) writing to us: a loop, or a
            # forged sender. Kept for a human, flagged, and never answered automatically.
            payload["loop"] = True
            payload["automated"] = "loop: sent from one of our own mailboxes"
        item = InboundItem(
            channel="email",
            identities=[("email", address)],
            thread_key=thread_key,
            body=_truncate(mail.text, MAX_BODY_CHARS),
            external_id=plan.external_id,
            display_name=mail.from_name,
            subject=mail.subject[:300],
            queue_id=mailbox.queue_id,
            payload=payload,
        )
        result = await self.hub.store(item)
        interaction = result.interaction
        assert interaction.id is not None  # stored
        message_id = mail.message_id or plan.external_id
        chunk.index.append((message_id, result.customer.id, interaction.id, result.event.id, "in"))  # type: ignore[arg-type]
        chunk.threads[(result.customer.id, message_id)] = ThreadMatch(  # type: ignore[index]
            interaction.id,
            interaction.thread_key,
            interaction.status,
            "chunk",
        )
        if result.duplicate:
            return "duplicate"
        chunk.stored.append((mailbox, mail, result))
        health.ingested += 1
        return "ingested"

    def _save_files(self, mailbox: Mailbox, mail: ParsedMail) -> list[dict[str, Any]]:
        owner = f"email:{mailbox.id}"
        saved = [
            attachments.save(self.db, self.files_root, owner, part, self.max_bytes)
            for part in mail.attachments
        ]
        if len(mail.text) > MAX_BODY_CHARS:
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
            return "bounce-unmatched"  # quarantined by the caller, so a human sees it
        if not mail.dsn.failed:
            return "bounce-delayed"
        error = f"bounced: {mail.dsn.status} {mail.dsn.diagnostic}".strip()
        for row in rows:
            await self.run_db(email_outbox.mark_bounced, row.id, error)
            await self.hub.set_delivery(row.event_id, "failed", error)
        return "bounce"


def _has_files(mail: ParsedMail) -> bool:
    return bool(mail.attachments) or len(mail.text) > MAX_BODY_CHARS


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
        "forwarded": [
            {"headers": f.headers, "text": _truncate(f.text, MAX_PAYLOAD_TEXT)} for f in mail.forwarded
        ],
    }
