"""One mailbox's IMAP session: catch up by UID, then IDLE (or poll) and sync again on new mail.

The sync position is saved after every fetched chunk, only after each message in it
was stored; a crash in between means a re-fetch, which the Message-ID dedupe turns
into a no-op. New mail that arrives during a long catch-up jumps the backlog. This is
the work a poller does while it holds the mailbox's lease; the lease, the standby and
the reconnect backoff around it are channels/email/poller.py (``MailboxPoller``
extends ``MailboxSync``).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from anyio import to_thread

from channels.email.imap import FETCH_CHUNK, Imap
from contact_center.aio import raise_if_cancelled
from repository.email.mailboxes import save_sync_position, sync_position

if TYPE_CHECKING:
    from channels.email.health import MailboxHealth
    from channels.email.inbound import Inbound
    from repository import Database
    from repository.email.models import Mailbox

log = logging.getLogger(__name__)
# Mails stored per transaction: at most STORE_SLICE of them and SLICE_BYTES of raw mail
# (one larger mail is a slice of its own). Between slices, mail that arrived meanwhile
# jumps the rest of the FETCH chunk: the latency bound, which is about time, so bytes
# bound a slice (half a MiB is tens of milliseconds of parsing and storing; real mail,
# tens of KiB each, comes about ten to a slice). Each slice costs a planning read, an
# ingest commit, an index commit and a router pass: once the per-mail ingest cost fell
# (Core batch path), slices of 10 small mails held the channel at ~490 mails/s, 25 at
# ~690, 50 at ~780 on this box (bench/README.md, "Email ingestion").
STORE_SLICE = 50
SLICE_BYTES = 512 * 1024


def store_slices(fetched: list[tuple[int, bytes]]) -> list[tuple[int, int]]:
    """``fetched`` cut into (start, end) slices of at most STORE_SLICE mails and SLICE_BYTES."""
    slices: list[tuple[int, int]] = []
    start = 0
    while start < len(fetched):
        end, size = start + 1, len(fetched[start][1])
        while end < len(fetched) and end - start < STORE_SLICE and size + len(fetched[end][1]) <= SLICE_BYTES:
            size += len(fetched[end][1])
            end += 1
        slices.append((start, end))
        start = end
    return slices


class MailboxSync:
    def __init__(
        self,
        db: Database,
        mailbox: Mailbox,
        inbound: Inbound,
        health: MailboxHealth,
        *,
        poll_seconds: float,
        idle_seconds: float,
    ) -> None:
        self.db = db
        self.mailbox = mailbox
        assert mailbox.id is not None, "a poller is made for a stored mailbox"
        self.mailbox_id: int = mailbox.id
        self.inbound = inbound
        self.health = health
        self.poll_seconds = poll_seconds
        self.idle_seconds = idle_seconds
        self.stop = asyncio.Event()
        self.synced = asyncio.Event()  # set after each completed sync; tests and the bench wait on it

    async def publish_state(self) -> None:
        """Show the new state (health) on every node; the poller writes it with its lease."""

    async def session(self, imap: Imap) -> None:
        await imap.connect()
        uidvalidity, _ = await imap.select(self.mailbox.imap_folder)
        self.health.last_error = None
        await self.sync(imap, uidvalidity)
        while not self.stop.is_set():
            if imap.arrived.is_set():
                pass  # an EXISTS came after the last search: look again before waiting
            elif imap.supports_idle and self.idle_seconds > 0:
                self.health.idle = True
                await imap.wait_for_change(self.idle_seconds, self.stop)
            else:
                await self._poll_wait(imap)
            if not self.stop.is_set():
                await self.sync(imap, uidvalidity)

    async def _poll_wait(self, imap: Imap) -> None:
        waits = [asyncio.ensure_future(event.wait()) for event in (self.stop, imap.arrived)]
        try:
            await asyncio.wait(waits, timeout=self.poll_seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in waits:
                task.cancel()
        if not self.stop.is_set():
            await imap.noop()  # servers without IDLE report new mail in answer to a command

    async def sync(self, imap: Imap, uidvalidity: int) -> int:
        """Fetch and store everything above the last stored UID; returns how many were handled.

        Mail that arrives during the sync goes first: each EXISTS the server sends meanwhile
        (``imap.arrived``) triggers a search above the highest UID seen, and the newest
        search's UIDs are fetched before anything found earlier, so a new mail waits for
        the chunk in progress, not for the whole backlog. When everything is stored the
        folder is searched once more before the caller goes back to IDLE. The saved position is the highest UID below
        which everything is stored, so fetching out of order never skips a mail.
        """
        box = self.mailbox
        stored_validity, last_uid = await to_thread.run_sync(
            sync_position, self.db, self.mailbox_id, box.imap_folder
        )
        if stored_validity != uidvalidity:
            if stored_validity:
                # The folder was rebuilt: UIDs mean nothing any more. Fetch it all again;
                # messages already stored are recognised by Message-ID (or content hash).
                log.warning(
                    "mailbox %s: UIDVALIDITY %s -> %s, resyncing", box.id, stored_validity, uidvalidity
                )
            last_uid = 0
            await to_thread.run_sync(
                save_sync_position, self.db, self.mailbox_id, box.imap_folder, uidvalidity, 0
            )
        imap.arrived.clear()
        # Newest search result last; the newest is fetched first (see the docstring).
        batches = [await imap.new_uids(last_uid)]
        seen = max(batches[0], default=last_uid)
        handled = 0
        just_searched = True
        while True:
            raise_if_cancelled()
            while batches and not batches[-1]:
                batches.pop()
            if imap.arrived.is_set() or not (batches or just_searched):
                imap.arrived.clear()
                more = await imap.new_uids(seen)
                if more:
                    batches.append(more)
                    seen = more[-1]
                just_searched = True
                continue
            if not batches:
                break
            uids = batches[-1][:FETCH_CHUNK]
            del batches[-1][:FETCH_CHUNK]
            just_searched = False
            fetched = [item async for item in imap.fetch(uids)]
            for start, end in store_slices(fetched):
                if start and imap.arrived.is_set():
                    # New mail goes first: the rest of this chunk is fetched again later.
                    batches[-1][0:0] = [uid for uid, _ in fetched[start:]]
                    break
                await self._store(uidvalidity, fetched[start:end])
                handled += end - start
            pending = [uid for batch in batches for uid in batch[:1]]
            done_below = min(pending) - 1 if pending else seen
            if done_below > last_uid:
                last_uid = done_below
                await to_thread.run_sync(
                    save_sync_position, self.db, self.mailbox_id, box.imap_folder, uidvalidity, last_uid
                )
        first = self.health.last_sync is None or not self.health.connected
        self.health.synced()
        self.synced.set()
        if first or handled:
            await self.publish_state()  # show the new state on every node now
        return handled

    async def _store(self, uidvalidity: int, fetched: list[tuple[int, bytes]]) -> None:
        try:
            await self.inbound.process_chunk(self.mailbox, uidvalidity, fetched, self.health)
        except Exception:
            log.exception(
                "mailbox %s uids %s-%s: not all stored; will retry after reconnecting",
                self.mailbox.id,
                fetched[0][0],
                fetched[-1][0],
            )
            raise
