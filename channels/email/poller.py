"""One supervised poller per mailbox: take the lease, connect, catch up by UID, IDLE (or poll).

Every node runs a poller for every mailbox, but only the holder of the mailbox's
lease (repository/email/leases.py) connects; the others wait in standby and take
over when the lease expires. The holder renews it every third of its length and
stops at once if a renewal fails, so two nodes never poll one mailbox for longer
than a renewal interval, and even then Message-ID dedupe keeps the CCR exact.

Any failure (a dropped connection, a refused login, a restarted server) ends the
session; the supervisor records it in the mailbox's health and reconnects with
exponential backoff. Each mailbox has its own task, so one bad mailbox never holds
up another. The session itself (catching up by UID, IDLE, saving the sync position)
is channels/email/mailbox_sync.py, which ``MailboxPoller`` extends.
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
from channels.email.imap import Imap
from channels.email.mailbox_sync import MailboxSync
from contact_center.aio import wait_event
from repository.email import leases as email_leases

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine

    from channels.email.inbound import Inbound
    from repository import Database
    from repository.email.models import Mailbox
    from repository.email.secrets import PasswordSealer

log = logging.getLogger(__name__)
LEASE_SECONDS = 30.0


def node_name() -> str:
    """This process as a lease holder: readable in the admin page, unique per start."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(3)}"


class LeaseLost(Exception):
    """Another node holds this mailbox's lease now; stop polling and go back to standby."""


class MailboxPoller(MailboxSync):
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
        super().__init__(db, mailbox, inbound, health, poll_seconds=poll_seconds, idle_seconds=idle_seconds)
        self.sealer = sealer
        self.holder = holder or node_name()
        self.lease_seconds = lease_seconds
        self.max_backoff = max_backoff
        self.task: asyncio.Task[None] | None = None

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

    async def publish_state(self) -> None:
        await self._lease(email_leases.renew)


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
