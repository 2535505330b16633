"""The relay: committed outbox rows → dense positions → the bus, in order.

Woken at once by this node's own commits (``wake()``), and every ``poll`` seconds
regardless, which covers rows another node committed and then died before
publishing. Each pass handles everything committed so far in one transaction
(marking what earlier passes published in that same transaction, at most once per
poll), so throughput does not pay one extra transaction per event. Rows given a position but not published
within ``republish_after`` seconds (bus down, relay killed) are published again;
readers drop positions they already have. If the bus is down the positions are
still assigned, so every node's dispatcher serves them from the database meanwhile.

``FAULT_EXIT_AFTER_ASSIGN`` (tests only) kills the process right after a position
commit, before the publish: the crash the outbox exists for.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import random
import time
from contextlib import suppress
from typing import TYPE_CHECKING

from anyio import to_thread

from contact_center import metrics
from contact_center.aio import raise_if_cancelled, stop_tasks, wait_event
from repository.events import outbox

if TYPE_CHECKING:
    from contact_center.bus.base import Bus
    from repository import Database

log = logging.getLogger(__name__)


class Relay:
    def __init__(
        self,
        db: Database,
        bus: Bus,
        *,
        poll_seconds: float = 1.0,
        republish_after: float = 5.0,
        keep_seconds: float = 3600.0,
        fault_exit_after_assign: bool = False,
    ) -> None:
        self.db = db
        self.bus = bus
        self.poll_seconds = poll_seconds
        self.republish_after = republish_after
        self.keep_seconds = keep_seconds
        self.fault_exit_after_assign = fault_exit_after_assign
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._published: list[int] = []
        self._lock = asyncio.Lock()
        self._pruned_at = time.monotonic()
        # Stale rows (positioned, never published: a relay died) are looked for at most
        # once per poll (or per republish_after, if shorter), not on every commit's
        # wake-up: they wait republish_after anyway.
        self._stale_checked_at = 0.0
        self._marked_at = 0.0
        self.published_total = 0

    def wake(self) -> None:
        """A commit on this node: publish now. Starts the relay on first use."""
        self._wake.set()
        if self._task is None:
            try:
                self._task = asyncio.get_running_loop().create_task(self._run(), name="outbox-relay")
            except RuntimeError:
                pass  # no loop (a worker thread); the poll picks it up

    def start(self) -> None:
        self.wake()

    async def stop(self) -> None:
        if self._task is not None:
            await stop_tasks(self._task)
            self._task = None
        # Mark what this relay published; otherwise the next start republishes it (harmless).
        with suppress(Exception):
            await to_thread.run_sync(outbox.mark_published, self.db, self._published)
        self._published = []

    async def _run(self) -> None:
        failures = 0
        while True:
            raise_if_cancelled()
            woken = True
            try:
                await wait_event(self._wake, self.poll_seconds)
            except TimeoutError:
                woken = False
            self._wake.clear()
            try:
                # On a wake the previous batch is marked with the next one (or at the
                # next tick): a burst of commits costs one transaction per batch.
                await self.pump(mark_idle=not woken)
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failures += 1
                if failures == 1:
                    log.warning("outbox relay: %s: %s; retrying", type(exc).__name__, exc)
                await asyncio.sleep(min(5.0, 0.1 * 2 ** min(failures, 6)) * random.uniform(0.5, 1.0))
                self._wake.set()

    async def flush(self) -> None:
        """Publish everything committed so far, now, from the caller's task."""
        await self.pump(mark_idle=False)

    async def pump(self, *, mark_idle: bool = True) -> int:
        """Publish everything committed so far; returns how many events went out."""
        async with self._lock:
            return await self._pump(mark_idle)

    async def _pump(self, mark_idle: bool) -> int:
        sent = 0
        # Woken by a commit of this node there is work: skip the read that asks, a
        # thread hop and two queries per burst. An idle poll still asks first.
        ask = mark_idle
        while True:
            if (
                ask
                and (not self._published or not mark_idle)
                and not await to_thread.run_sync(outbox.has_work, self.db, self.republish_after)
            ):
                break
            ask = True
            now = time.monotonic()
            look_for_stale = now - self._stale_checked_at >= min(self.poll_seconds, self.republish_after)
            if look_for_stale:
                self._stale_checked_at = now
            # Published rows are marked at most once per poll (or on an idle pass, or in
            # bulk), not in every commit's pass: an UPDATE per message otherwise. A mark
            # only stops a republish, which waits republish_after (> poll) anyway.
            marking = (
                mark_idle
                or now - self._marked_at >= min(self.poll_seconds, self.republish_after / 2)
                or len(self._published) >= outbox.ASSIGN_LIMIT
            )
            rows = await to_thread.run_sync(
                functools.partial(
                    outbox.assign,
                    self.db,
                    published=self._published if marking else [],
                    republish_after=self.republish_after,
                    look_for_stale=look_for_stale,
                )
            )
            if marking:
                self._published, self._marked_at = [], now
            if not rows:
                break
            if self.fault_exit_after_assign:
                os._exit(86)  # test-only: die between the position commit and the publish
            await self.bus.publish_many([row.as_bus() for row in rows])
            self._published += [row.row_id for row in rows]
            sent += len(rows)
            for row in rows:
                metrics.BUS_EVENTS.labels(type=row.type).inc()
            if len(rows) < outbox.ASSIGN_LIMIT:
                break  # everything committed before this pass is out; a later commit wakes us
        self.published_total += sent
        if time.monotonic() - self._pruned_at > 60:
            self._pruned_at = time.monotonic()
            await to_thread.run_sync(outbox.prune, self.db, self.keep_seconds)
        return sent
