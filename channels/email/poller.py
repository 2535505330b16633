"""One supervised poller per mailbox: take the lease, connect, catch up by UID, IDLE (or poll).

Every node runs a poller for every mailbox, but only the holder of the mailbox's
lease (repository/email/leases.py) connects; the others wait in standby and take
over when the lease expires. The holder renews it every third of its length and
stops at once if a renewal fails, so two nodes never poll one mailbox for longer
than a renewal interval, and even then Message-ID dedupe keeps the CCR exact.

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
import os
import secrets
import socket
from contextlib import suppress
from typing import TYPE_CHECKING, Any

from anyio import to_thread

from channels.email.health import MailboxHealth, scrub
from channels.email.imap import FETCH_CHUNK, Imap
from contact_center.aio import wait_event
from repository.email import leases as email_leases
from repository.email.mailboxes import save_sync_position, sync_position

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine

    from channels.email.inbound import Inbound
    from repository import Database
    from repository.email.models import Mailbox
    from repository.email.secrets import PasswordSealer

log = logging.getLogger(__name__)
LEASE_SECONDS = 30.0
# Mails stored per transaction. A FETCH brings 50; storing them 10 at a time lets mail
# that arrives meanwhile jump the rest of the chunk (the latency bound) at a small cost
# in commits.
STORE_SLICE = 10


def node_name() -> str:
    """This process as a lease holder: readable in the admin page, unique per start."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(3)}"


class LeaseLost(Exception):
    """Another node holds this mailbox's lease now; stop polling and go back to standby."""


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
        sealer: PasswordSealer,
        holder: str | None = None,
        lease_seconds: float = LEASE_SECONDS,
        max_backoff: float = 60.0,
    ) -> None:
        self.db = db
        self.mailbox = mailbox
        assert mailbox.id is not None, "a poller is made for a stored mailbox"
        self.mailbox_id: int = mailbox.id
        self.sealer = sealer
        self.holder = holder or node_name()
        self.lease_seconds = lease_seconds
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
            await stop_within(self.task, 15)
            self.task = None

    async def supervise(self) -> None:
        delay = 1.0
        try:
            while not self.stop.is_set():
                if not await self._lease(email_leases.claim):
                    self.health.standby = True
                    self.health.connected = self.health.idle = False
                    await self._pause(self.lease_seconds / 3)
                    continue
                self.health.standby = False
                imap = Imap(self.mailbox, self.sealer)
                try:
                    await self._while_holding(self.session(imap))
                    delay = 1.0
                except asyncio.CancelledError:
                    raise
                except LeaseLost:
                    log.info("mailbox %s: another node took over polling", self.mailbox.id)
                except Exception as exc:
                    self._failed(exc, delay)
                    await self._lease(email_leases.renew)
                    await self._pause(delay)
                    delay = min(delay * 2, self.max_backoff)
                finally:
                    await imap.close()
        finally:
            self.health.connected = False
            self.health.idle = False
            with suppress(Exception):
                await to_thread.run_sync(
                    email_leases.release, self.db, self.mailbox_id, self.holder, self.health.as_dict()
                )

    def _failed(self, exc: Exception, delay: float) -> None:
        password = self.sealer.open_or_blank(self.mailbox.imap_password)
        message = scrub(f"{type(exc).__name__}: {exc}", password)
        self.health.failed(message)
        self.health.reconnects += 1
        log.warning(
            "mailbox %s (%s): %s; reconnecting in %.0fs",
            self.mailbox.id,
            self.mailbox.address,
            message,
            delay,
        )

    async def _pause(self, seconds: float) -> None:
        with suppress(TimeoutError):
            await wait_event(self.stop, seconds)

    async def _lease(self, step: Callable[..., object]) -> bool:
        """Claim or renew the lease (writing our health with it); False if not ours."""
        health = self.health.as_dict()
        try:
            return bool(
                await to_thread.run_sync(
                    lambda: step(self.db, self.mailbox_id, self.holder, self.lease_seconds, health)
                )
            )
        except Exception as exc:
            # No database, no lease: polling without one could double-poll, so wait.
            log.warning("mailbox %s: cannot reach the lease (%s)", self.mailbox.id, type(exc).__name__)
            return False

    async def _while_holding(self, work: Coroutine[Any, Any, None]) -> None:
        """Run ``work`` while renewing the lease; cancel it and raise LeaseLost if renewal fails."""
        task = asyncio.ensure_future(work)
        try:
            while True:
                done, _ = await asyncio.wait({task}, timeout=self.lease_seconds / 3)
                if done:
                    task.result()
                    return
                if self.stop.is_set():
                    continue  # the session sees stop and ends by itself
                if not await self._lease(email_leases.renew):
                    raise LeaseLost
        finally:
            if not task.done():
                await stop_within(task, 0)

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
            for start in range(0, len(fetched), STORE_SLICE):
                if start and imap.arrived.is_set():
                    # New mail goes first: the rest of this chunk is fetched again later.
                    batches[-1][0:0] = [uid for uid, _ in fetched[start:]]
                    break
                await self._store(uidvalidity, fetched[start : start + STORE_SLICE])
                handled += len(fetched[start : start + STORE_SLICE])
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
            await self._lease(email_leases.renew)  # show the new state on every node now
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


async def stop_within(task: asyncio.Task[Any] | asyncio.Future[Any], seconds: float) -> None:
    """Let ``task`` finish for ``seconds``, then cancel it and wait a bounded time.

    Never an unbounded wait: an IMAP library that swallows a cancellation in the middle
    of IDLE must not hang the app's shutdown (``asyncio.wait_for`` waits for the
    cancelled task to finish, however long that takes).
    """
    if seconds > 0:
        await asyncio.wait({task}, timeout=seconds)
    if not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=5)
    if task.done() and not task.cancelled():
        task.exception()  # retrieved, so asyncio does not log "exception never retrieved"
