"""One supervised poller per mailbox: connect, catch up by UID, IDLE (or poll), repeat.

Any failure (a dropped connection, a refused login, a restarted server) ends the
session; the supervisor records it in the mailbox's health and reconnects with
exponential backoff. Each mailbox has its own task, so one bad mailbox never holds
up another. The sync position is saved after every fetched chunk, only after each
message in it was stored; a crash in between means a re-fetch, which the Message-ID
dedupe turns into a no-op.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from anyio import to_thread

from channels.email.health import MailboxHealth, scrub
from channels.email.imap import FETCH_CHUNK, Imap
from repository.email_mailboxes import save_sync_position, sync_position

if TYPE_CHECKING:
    from channels.email.inbound import Inbound
    from repository import Database
    from repository.email_models import Mailbox

log = logging.getLogger(__name__)


class MailboxPoller:
    def __init__(
        self,
        db: Database,
        mailbox: Mailbox,
        inbound: Inbound,
        health: MailboxHealth,
        *,
        poll_seconds: float,
        idle_seconds: float,
        max_backoff: float = 60.0,
    ) -> None:
        self.db = db
        self.mailbox = mailbox
        self.inbound = inbound
        self.health = health
        self.poll_seconds = poll_seconds
        self.idle_seconds = idle_seconds
        self.max_backoff = max_backoff
        self.stop = asyncio.Event()
        self.task: asyncio.Task[None] | None = None
        self.synced = asyncio.Event()  # set after each completed sync; tests and the bench wait on it

    def start(self) -> None:
        self.task = asyncio.create_task(self.supervise(), name=f"email-mailbox-{self.mailbox.id}")

    async def close(self) -> None:
        self.stop.set()
        if self.task is not None:
            try:
                await asyncio.wait_for(self.task, 15)
            except TimeoutError:
                self.task.cancel()
            self.task = None

    async def supervise(self) -> None:
        delay = 1.0
        while not self.stop.is_set():
            imap = Imap(self.mailbox)
            try:
                await self.session(imap)
                delay = 1.0
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                message = scrub(f"{type(exc).__name__}: {exc}", self.mailbox.imap_password)
                self.health.failed(message)
                self.health.reconnects += 1
                log.warning(
                    "mailbox %s (%s): %s; reconnecting in %.0fs",
                    self.mailbox.id,
                    self.mailbox.address,
                    message,
                    delay,
                )
                try:
                    await asyncio.wait_for(self.stop.wait(), delay)
                except TimeoutError:
                    pass
                delay = min(delay * 2, self.max_backoff)
            finally:
                await imap.close()
        self.health.connected = False
        self.health.idle = False

    async def session(self, imap: Imap) -> None:
        await imap.connect()
        uidvalidity, _ = await imap.select(self.mailbox.imap_folder)
        self.health.last_error = None
        await self.sync(imap, uidvalidity)
        while not self.stop.is_set():
            if imap.supports_idle and self.idle_seconds > 0:
                self.health.idle = True
                await imap.wait_for_change(self.idle_seconds, self.stop)
            else:
                try:
                    await asyncio.wait_for(self.stop.wait(), self.poll_seconds)
                except TimeoutError:
                    pass
                await imap.noop()
            if not self.stop.is_set():
                await self.sync(imap, uidvalidity)

    async def sync(self, imap: Imap, uidvalidity: int) -> int:
        """Fetch and store everything above the last stored UID; returns how many were handled."""
        box = self.mailbox
        stored_validity, last_uid = await to_thread.run_sync(sync_position, self.db, box.id, box.imap_folder)
        if stored_validity != uidvalidity:
            if stored_validity:
                # The folder was rebuilt: UIDs mean nothing any more. Fetch it all again;
                # messages already stored are recognised by Message-ID (or content hash).
                log.warning(
                    "mailbox %s: UIDVALIDITY %s -> %s, resyncing", box.id, stored_validity, uidvalidity
                )
            last_uid = 0
            await to_thread.run_sync(save_sync_position, self.db, box.id, box.imap_folder, uidvalidity, 0)
        uids = await imap.new_uids(last_uid)
        handled = 0
        for start in range(0, len(uids), FETCH_CHUNK):
            async for uid, raw in imap.fetch(uids[start : start + FETCH_CHUNK]):
                try:
                    await self.inbound.process(box, uidvalidity, uid, raw, self.health)
                except Exception:
                    log.exception("mailbox %s uid %s: not stored; will retry after reconnecting", box.id, uid)
                    raise
                last_uid = max(last_uid, uid)
                handled += 1
            await to_thread.run_sync(
                save_sync_position, self.db, box.id, box.imap_folder, uidvalidity, last_uid
            )
        self.health.synced()
        self.synced.set()
        return handled
