"""The live feed: recompute the supervisor snapshot when the bus says something changed.

One task per process follows the bus and marks the picture dirty; a second task waits
a short debounce (so a burst of events costs one recompute), reads the CCR once and
hands the result to every connected supervisor. A supervisor therefore sees a change
well within a second, and 100 open pages cost one query and one JSON encoding, not 100.

Each socket has its own ``Mailbox`` holding only the newest snapshot and sends from its
own task, so a slow or dead browser delays nobody else and never queues stale pictures.
The same bus task tells a mailbox when its sign-in ended (``agent.signed_out`` with the
session's ``sid``), so signing out closes that session's monitors as it does desktops.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from anyio import to_thread

from contact_center.aio import raise_if_cancelled, stop_tasks, wait_event
from contact_center.bus.follow import follow
from contact_center.supervision.snapshot import compute
from contact_center.supervision.snapshot_process import SnapshotProcess, in_memory
from contact_center.supervision.status_cache import StatusLineCache
from repository.core.models import utcnow

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from contact_center.bus import BusEvent
    from contact_center.context import AppContext

log = logging.getLogger(__name__)
DEBOUNCE_SECONDS = 0.15
# Waits and time in state grow with the clock alone; refresh even when nothing happens.
REFRESH_SECONDS = 10.0
DUTY_FACTOR = 4.0
RELEVANT = frozenset(
    {"interaction.updated", "offer", "agent.presence", "agent.signed_out", "supervision.changed"}
)


@dataclass(frozen=True)
class Snapshot:
    version: int
    text: str  # the frame, JSON-encoded once for every socket


class Mailbox:
    """One socket's inbox: the newest snapshot only, and whether its sign-in has ended."""

    def __init__(self, sid: str | None) -> None:
        self.sid = sid
        self.signed_out = False
        self._snapshot: Snapshot | None = None
        self._ready = asyncio.Event()

    def put(self, snapshot: Snapshot) -> None:
        self._snapshot = snapshot  # replaces an unsent older one
        self._ready.set()

    def sign_out(self) -> None:
        self.signed_out = True
        self._ready.set()

    async def get(self) -> Snapshot | None:
        """The newest unsent snapshot; None once the session signed out (sign-out wins)."""
        while not self.signed_out:
            await self._ready.wait()
            self._ready.clear()
            if self.signed_out:
                break
            snapshot, self._snapshot = self._snapshot, None
            if snapshot is not None:
                return snapshot
        return None


class SupervisorFeed:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self._listeners: set[Mailbox] = set()
        self._dirty = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._latest_text = ""
        self._latest: dict[str, Any] | None = None
        self.version = 0
        self.computes = 0
        self._last_seconds = 0.0  # how long the last recompute took
        # Status lines kept between recomputes, read forward by event id (status_cache.py).
        self.status = StatusLineCache()
        # A cancelled recompute's thread runs on; the next one must not share the cache with it.
        self._computing = threading.Lock()
        # Where large centres compute it instead: a child process (snapshot_process.py).
        url = ctx.db.url
        use_process = getattr(ctx.settings, "supervisor_snapshot_process", False) and not in_memory(url)
        self._process = SnapshotProcess(url) if use_process else None

    async def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._follow_bus(), name="supervisor-bus"),
            asyncio.create_task(self._recompute_loop(), name="supervisor-feed"),
        ]

    async def stop(self) -> None:
        await stop_tasks(*self._tasks)
        self._tasks = []
        if self._process is not None:
            self._process.close()

    def poke(self) -> None:
        self._dirty.set()

    @asynccontextmanager
    async def listen(self, sid: str | None = None) -> AsyncIterator[Mailbox]:
        """A mailbox for one socket of the sign-in ``sid``; older snapshots are dropped, not queued."""
        if not self._tasks:
            raise RuntimeError("the supervisor feed is not running: did you forget to call start()?")
        mailbox = Mailbox(sid)
        self._listeners.add(mailbox)
        self.poke()  # a fresh picture for the newcomer
        try:
            yield mailbox
        finally:
            self._listeners.discard(mailbox)

    def _signed_out(self, sid: object) -> None:
        if not isinstance(sid, str) or not sid:
            return
        for mailbox in list(self._listeners):
            if mailbox.sid == sid:
                mailbox.sign_out()

    async def _follow_bus(self) -> None:
        def seen(event: BusEvent) -> None:
            if event.type == "agent.signed_out":
                self._signed_out(event.data.get("sid"))
            if event.type in RELEVANT:
                self._dirty.set()

        # Lag: whatever was missed, the next snapshot is read from the CCR anyway.
        await follow(
            self.ctx.hub.dispatcher, "supervisor feed", seen, topics={"supervisors"}, on_lag=self._dirty.set
        )

    async def _recompute_loop(self) -> None:
        while True:
            raise_if_cancelled()
            with suppress(TimeoutError):
                await wait_event(self._dirty, REFRESH_SECONDS)
            if not self._listeners:
                # Nobody watching: forget the change (a newcomer pokes for a fresh
                # picture). Leaving the flag set made this loop spin on a full core.
                self._dirty.clear()
                continue
            # The snapshot reads every live contact and agent, so its cost grows with the
            # centre (about 0.15 s of CPU at 3,000 chats and 1,000 agents, bench/tier_c.py):
            # wait at least DUTY_FACTOR times the last one, so the feed takes at most
            # 1/(1 + DUTY_FACTOR) of a core however busy the centre gets.
            await asyncio.sleep(max(DEBOUNCE_SECONDS, DUTY_FACTOR * self._last_seconds))
            self._dirty.clear()
            try:
                snapshot = await self.recompute()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("supervisor snapshot failed; the next change retries")
                await asyncio.sleep(0.5)
                continue
            # No await here: every mailbox gets the same encoded text at once, and each
            # socket's own task sends it at its own pace.
            for mailbox in list(self._listeners):
                mailbox.put(snapshot)

    async def recompute(self) -> Snapshot:
        capacity = self.ctx.hub.channels.capacity
        if self._process is not None:
            fields, self._last_seconds = await self._process.fields(capacity)
        else:

            def work() -> tuple[str, float]:
                started = time.perf_counter()
                with self._computing:
                    data = compute(self.ctx.db, utcnow(), capacity, self.status)
                text = json.dumps(data, separators=(",", ":"), default=str)
                return text, time.perf_counter() - started

            fields, self._last_seconds = await to_thread.run_sync(work)
        self.version += 1
        self.computes += 1
        # The fields arrive encoded (a non-empty object): the frame is them with its type
        # and version in front, without decoding and encoding them again.
        text = f'{{"type":"snapshot","version":{self.version},{fields[1:]}'
        self._latest_text, self._latest = text, None
        return Snapshot(self.version, text)

    @property
    def latest(self) -> dict[str, Any] | None:
        """The newest snapshot as a dict (decoded on demand: only supervisor actions need it)."""
        if self._latest is None and self._latest_text:
            self._latest = json.loads(self._latest_text)
        return self._latest
