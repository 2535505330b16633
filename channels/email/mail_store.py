"""Parsed mail into the CCR: thread it, dedupe it, store it, then index and announce a chunk.

Per chunk: one read plans every mail (duplicate, sender, thread;
repository/email/inbound_plan.py), one write transaction stores them all
(``Hub.store_many``), then every stored Message-ID is indexed in one transaction and
each new contact announced (and acknowledged). A reply to a mail earlier in the same
chunk joins its thread (the chunk remembers the thread keys it assigned). Kept apart
from fetching (channels/email/inbound.py: parsing, bounces, quarantine) because a
released quarantined mail (channels/email/release.py) is stored the same way without
ever being fetched.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from anyio import to_thread

from channels.email import attachments
from channels.email.language import customer_language
from channels.email.mime import MailPart, ParsedMail
from channels.email.payload import dedupe_by_window, external_id_for, has_files, payload, truncate
from repository.core.identity import normalise
from repository.core.ingest import MAX_BODY_CHARS, InboundItem
from repository.email.inbound_plan import PlanRequest, plan_many
from repository.email.threads import record_message_ids, reopen

if TYPE_CHECKING:
    from pathlib import Path

    from channels.email.health import MailboxHealth
    from channels.email.outbound import Outbound
    from contact_center.context import AppContext
    from repository.core.ingest import IngestResult
    from repository.email.inbound_plan import InboundPlan
    from repository.email.models import Mailbox

log = logging.getLogger(__name__)
TOKEN = re.compile(r"\[#(\d{1,10})\]")


@dataclass
class Chunk:
    """What one FETCH chunk stored, waiting to be indexed and announced together."""

    stored: list[tuple[Mailbox, ParsedMail, IngestResult]] = field(default_factory=list)
    index: list[tuple[str, int, int, int | None, str]] = field(default_factory=list)
    # (sender address, Message-ID) -> thread key, so a reply to a mail earlier in the same
    # chunk joins its thread even before either is stored.
    threads: dict[tuple[str, str], str] = field(default_factory=dict)
    # External ids given out in this chunk -> content hash (two copies of one mail, or
    # two mails claiming one Message-ID, in the same chunk).
    ids: dict[str, str] = field(default_factory=dict)


@dataclass
class _Prepared:
    slot: int
    mail: ParsedMail
    message_id: str
    item: InboundItem


class MailStore:
    def __init__(self, ctx: AppContext, outbound: Outbound | None) -> None:
        self.ctx = ctx
        self.db = ctx.db
        self.hub = ctx.hub
        self.outbound = outbound
        self.files_root: Path = ctx.settings.attachment_dir
        self.max_bytes = ctx.settings.email_attachment_max_bytes
        # Our own mailboxes' addresses; the poller refreshes them for every chunk.
        self.own_addresses: set[str] = set()

    async def finish(self, chunk: Chunk, *, acknowledge: bool = True) -> None:
        """Index what a chunk stored, announce it, and acknowledge new threads from people."""
        await self.db.run(record_message_ids, chunk.index)
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

    async def store(
        self,
        mailbox: Mailbox,
        mail: ParsedMail,
        health: MailboxHealth,
        chunk: Chunk,
        position: tuple[int, int] | None,
    ) -> str:
        """Thread and store one parsed mail (``position``: its UIDVALIDITY and UID, if fetched)."""
        return (await self.store_batch(mailbox, [(mail, position)], health, chunk))[0]

    async def store_batch(
        self,
        mailbox: Mailbox,
        mails: list[tuple[ParsedMail, tuple[int, int] | None]],
        health: MailboxHealth,
        chunk: Chunk,
    ) -> list[str]:
        """Thread and store parsed mails in one read and one write transaction; what became of each."""
        requests = [
            PlanRequest(
                external_id_for(mail),
                mail.content_hash,
                normalise("email", mail.from_addr),
                mail.references + mail.in_reply_to,
                int(token.group(1)) if (token := TOKEN.search(mail.subject)) else None,
                (mailbox.id, *position)
                if position and mailbox.id is not None and dedupe_by_window(mail)
                else None,
            )
            for mail, position in mails
        ]
        plans = await self.db.run(plan_many, requests)
        outcomes = ["duplicate"] * len(mails)
        batch: list[_Prepared] = []
        for slot, ((mail, position), request, plan) in enumerate(zip(mails, requests, plans, strict=True)):
            prepared = await self._prepare(mailbox, mail, position, request, plan, chunk)
            if prepared is not None:
                prepared.slot = slot
                batch.append(prepared)
        results = await self.hub.store_many([p.item for p in batch]) if batch else []
        for prepared, result in zip(batch, results, strict=True):
            chunk.index.append(
                (prepared.message_id, result.customer.id, result.interaction.id, result.event.id, "in")  # type: ignore[arg-type]
            )
            if not result.duplicate:
                chunk.stored.append((mailbox, prepared.mail, result))
                health.ingested += 1
                outcomes[prepared.slot] = "ingested"
        return outcomes

    async def _prepare(
        self,
        mailbox: Mailbox,
        mail: ParsedMail,
        position: tuple[int, int] | None,
        request: PlanRequest,
        plan: InboundPlan,
        chunk: Chunk,
    ) -> _Prepared | None:
        """The item to store for one planned mail, or None if it is already stored."""
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
            return None
        external_id = plan.external_id
        if external_id in chunk.ids:
            if chunk.ids[external_id] == mail.content_hash:
                return None  # the same mail twice in one chunk
            external_id = f"{external_id}#{mail.content_hash[:16]}"[:300]
        chunk.ids[external_id] = mail.content_hash
        address = request.address
        # A reply to a mail earlier in this chunk (not indexed yet) is its closest parent.
        local = [
            chunk.threads[(address, ref)] for ref in request.references if (address, ref) in chunk.threads
        ]
        match = plan.match
        if local:
            thread_key = local[-1]
        elif match is not None:
            thread_key = match.thread_key
            if match.status in ("wrapup", "closed"):
                reopened = await self.db.run(reopen, match.interaction_id)
                if reopened is not None:
                    interaction, previous_agent = reopened
                    await self.hub.publish_requeued(interaction, previous_agent or 0, "customer replied")
                    self.ctx.router.wake()
        else:
            thread_key = f"{mailbox.id}:{external_id}"[:300]
        message_id = mail.message_id or external_id
        chunk.threads[(address, message_id)] = thread_key
        files = await to_thread.run_sync(self._save_files, mailbox, mail) if has_files(mail) else []
        for saved in files:
            if saved.get("too_large"):
                log.warning(
                    "mailbox %s: attachment %r of %s (%s bytes) not kept: over the %s-byte limit"
                    " (EMAIL_ATTACHMENT_MAX_BYTES)",
                    mailbox.id,
                    saved["filename"],
                    external_id,
                    saved["size"],
                    saved["limit"],
                )
        data = payload(mailbox, mail, files)
        if position is not None:
            data["imap"] = {"uidvalidity": position[0], "uid": position[1]}
        if mail.from_addr in self.own_addresses:
            # Our own address (or another of our mailboxes) writing to us: a loop, or a
            # forged sender. Kept for a human, flagged, and never answered automatically.
            data["loop"] = True
            data["automated"] = "loop: sent from one of our own mailboxes"
        item = InboundItem(
            channel="email",
            identities=[("email", address)],
            thread_key=thread_key,
            body=truncate(mail.text, MAX_BODY_CHARS),
            external_id=external_id,
            display_name=mail.from_name,
            subject=mail.subject[:300],
            queue_id=mailbox.queue_id,
            payload=data,
        )
        return _Prepared(0, mail, message_id, item)

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
