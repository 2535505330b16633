"""Fetched messages, from raw bytes to stored, announced, threaded contacts.

Per FETCH chunk: parse each message (a bounce marks the outbound mail failed); one
read that dedupes, finds the senders and the threads of every message; one write
transaction that stores them all (``Hub.store_many`` → ``repository.core.ingest.ingest_many``,
the same per-item steps as a single ingest); index every stored Message-ID in one
transaction; announce what was stored; then (in the poller) save the UID position.
A reply to a mail earlier in the same chunk joins its thread (the chunk remembers the
thread keys it assigned). Announcing after the chunk means the router, which
re-reads every queued contact on each wake-up, runs about once per chunk instead of
once per new thread (bench/README.md, "Email ingestion").

Parsing, bounces and quarantine are here; threading and storing the parsed mails is
channels/email/mail_store.py (``MailStore``).

A message that cannot be parsed, or that the CCR refuses, is kept raw in quarantine
and skipped, so one bad mail never stops the poller. A database outage is not the
message's fault: it propagates, the poller reconnects, and the UID position (not
advanced) makes it try again; what was already stored is then a duplicate.
"""

from __future__ import annotations

import hashlib
import logging
from typing import TYPE_CHECKING

from anyio import to_thread
from sqlalchemy.exc import DBAPIError

from channels.email.mail_store import Chunk, MailStore
from channels.email.mime import MailParseError, ParsedMail, parse
from repository.core.models import stored_id
from repository.email import outbox as email_outbox
from repository.email.mailboxes import mailbox_addresses
from repository.email.quarantine import quarantine
from repository.errors import ContactCenterError

if TYPE_CHECKING:
    from pathlib import Path

    from channels.email.health import MailboxHealth
    from channels.email.outbound import Outbound
    from contact_center.context import AppContext
    from repository.email.models import Mailbox

log = logging.getLogger(__name__)
# What the CCR refuses for one mail (it is quarantined); a database error is not one of them.
REFUSED = (ContactCenterError, ValueError, LookupError, TypeError, UnicodeError)


class Inbound:
    def __init__(self, ctx: AppContext, outbound: Outbound | None) -> None:
        self.ctx = ctx
        self.db = ctx.db
        self.hub = ctx.hub
        self.mails = MailStore(ctx, outbound)
        self.quarantine_root: Path = ctx.settings.data_dir / "email-quarantine"

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
        self.mails.own_addresses = await self.db.run(mailbox_addresses)
        outcomes: list[str] = []
        mails: list[tuple[int, bytes, ParsedMail]] = []
        for uid, raw in fetched:
            outcome, mail = await self._triage(mailbox, uidvalidity, uid, raw, health)
            outcomes.append(outcome)
            if mail is not None:
                mails.append((uid, raw, mail))
        if mails:
            snapshot = (dict(chunk.threads), dict(chunk.ids))
            try:
                stored = await self.mails.store_batch(
                    mailbox, [(mail, (uidvalidity, uid)) for uid, _, mail in mails], health, chunk
                )
            except DBAPIError:
                raise
            except REFUSED:
                # One mail spoils the shared transaction: store them one by one, so only
                # the refused one is quarantined.
                chunk.threads, chunk.ids = snapshot
                stored = [
                    await self._one(mailbox, uidvalidity, uid, raw, mail, health, chunk)
                    for uid, raw, mail in mails
                ]
            slots = iter(stored)
            outcomes = [next(slots) if outcome == "" else outcome for outcome in outcomes]
        await self.mails.finish(chunk)
        return outcomes

    async def _triage(
        self, mailbox: Mailbox, uidvalidity: int, uid: int, raw: bytes, health: MailboxHealth
    ) -> tuple[str, ParsedMail | None]:
        """Parse; handle bounces and unparsable mail here. ("", mail) means: store it."""
        try:
            mail = parse(raw)
        except MailParseError as exc:
            return await self._quarantine(mailbox, uidvalidity, uid, raw, str(exc), health), None
        if mail.dsn is not None:
            # Bounces first, before anything could refuse them for their sender (From: <>).
            outcome = await self._bounce(mail)
            if outcome == "bounce-unmatched":
                reason = "bounce for unknown message"
                return await self._quarantine(mailbox, uidvalidity, uid, raw, reason, health), None
            return outcome, None
        return "", mail

    async def _one(
        self,
        mailbox: Mailbox,
        uidvalidity: int,
        uid: int,
        raw: bytes,
        mail: ParsedMail,
        health: MailboxHealth,
        chunk: Chunk,
    ) -> str:
        try:
            return await self.mails.store(mailbox, mail, health, chunk, (uidvalidity, uid))
        except DBAPIError:
            raise
        except REFUSED as exc:
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
        if await self.db.run(
            quarantine, stored_id(mailbox), uidvalidity, uid, digest, len(raw), reason, str(path)
        ):
            health.quarantined += 1
            log.warning("mailbox %s uid %s: quarantined: %s", mailbox.id, uid, reason)
        return "quarantined"

    async def _bounce(self, mail: ParsedMail) -> str:
        assert mail.dsn is not None
        candidates = mail.dsn.original_message_ids + mail.in_reply_to + mail.references
        rows = await self.db.run(email_outbox.by_message_id, candidates)
        if not rows:
            return "bounce-unmatched"  # quarantined by the caller, so a human sees it
        if not mail.dsn.failed:
            return "bounce-delayed"
        error = f"bounced: {mail.dsn.status} {mail.dsn.diagnostic}".strip()
        for row in rows:
            await self.db.run(email_outbox.mark_bounced, stored_id(row), error)
            await self.hub.set_delivery(row.event_id, "failed", error)
        return "bounce"
