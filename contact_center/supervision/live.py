"""The live feed: recompute the supervisor snapshot when the bus says something changed.

One task per process follows the bus and marks the picture dirty; a second task waits
a short debounce (so a burst of events costs one recompute), reads the CCR once and
hands the result to every connected supervisor. A supervisor therefore sees a change
well within a second, and 100 open pages cost one query, not 100.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager, suppress
from typing import TYPE_CHECKING, Any

from anyio import to_thread

from contact_center.supervision.snapshot import compute
from repository.models import utcnow

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from contact_center.context import AppContext

log = logging.getLogger(__name__)
DEBOUNCE_SECONDS = 0.15
# Waits and time in state grow with the clock alone; refresh even when nothing happens.
REFRESH_SECONDS = 10.0
RELEVANT = frozenset(
    {"interaction.updated", "offer", "agent.presence", "agent.signed_out", "supervision.changed"}
)


class SupervisorFeed:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self._listeners: set[asyncio.Queue[dict[str, Any]]] = set()
        self._dirty = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self.latest: dict[str, Any] | None = None
        self.version = 0
        self.computes = 0

    async def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._follow_bus(), name="supervisor-bus"),
            asyncio.create_task(self._recompute_loop(), name="supervisor-feed"),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    def poke(self) -> None:
        self._dirty.set()

    @asynccontextmanager
    async def listen(self) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
        """A queue that always holds the newest snapshot; older ones are dropped, not queued."""
        if not self._tasks:
            raise RuntimeError("the supervisor feed is not running: did you forget to call start()?")
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=1)
        self._listeners.add(queue)
        self.poke()  # a fresh picture for the newcomer
        try:
            yield queue
        finally:
            self._listeners.discard(queue)

    async def _follow_bus(self) -> None:
        while True:
            try:
                async with self.ctx.bus.subscribe() as subscription:
                    async for event in subscription:
                        if event.type in RELEVANT:
                            self._dirty.set()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("supervisor feed lost the bus; resubscribing")
                self._dirty.set()
                await asyncio.sleep(0.5)

    async def _recompute_loop(self) -> None:
        while True:
            with suppress(TimeoutError):
                await asyncio.wait_for(self._dirty.wait(), REFRESH_SECONDS)
            if not self._listeners:
                # Nobody watching: forget the change (a newcomer pokes for a fresh
                # picture). Leaving the flag set made this loop spin on a full core.
                self._dirty.clear()
                continue
            await asyncio.sleep(DEBOUNCE_SECONDS)
            self._dirty.clear()
            try:
                snapshot = await self.recompute()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("supervisor snapshot failed; the next change retries")
                await asyncio.sleep(0.5)
                continue
            for queue in list(self._listeners):
                if queue.full():
                    with suppress(asyncio.QueueEmpty):
                        queue.get_nowait()
                queue.put_nowait(snapshot)

    async def recompute(self) -> dict[str, Any]:
        settings = self.ctx.settings
        data = await to_thread.run_sync(lambda: compute(self.ctx.db, utcnow(), settings.default_capacity))
        self.version += 1
        self.computes += 1
        self.latest = {"type": "snapshot", "version": self.version, **data}
        return self.latest
