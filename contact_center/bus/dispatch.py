"""The node's one reader: bus → positions in order → the sinks registered for each topic.

Every durable event carries a dense ``position`` from the outbox. The reader keeps
``delivered``, the highest position handed out in order. An event arriving after a
gap is held; the gap is filled from the database outbox (every position below a
committed one is already committed, so the rows are there), or, if those rows were
pruned, every sink gets ``resync``. A watchdog compares ``delivered`` with the
database's newest position every ``poll`` seconds, so while Redis is down sockets are
served from the database and nothing committed is missed. Ephemeral events (typing,
viewer, queue position) carry no position and are handed out as they come.

Cost of one event: one dict lookup per topic plus one deque append per receiver,
O(its recipients), not O(connected sockets).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from anyio import to_thread

from contact_center.aio import raise_if_cancelled, stop_tasks
from contact_center.bus.base import BusEvent, ResumeGap
from contact_center.bus.sink import RESYNC, Sink
from repository import json_codec
from repository.events import outbox

if TYPE_CHECKING:
    from contact_center.bus.base import Bus
    from repository import Database

log = logging.getLogger(__name__)
WILDCARD = "*"
GAP_GRACE_SECONDS = 0.05  # another node's relay may still be publishing the missing ones
REPLAY_LIMIT = 5000  # a resume further behind than this gets resync


def as_event(data: dict[str, Any], size: int | None = None) -> BusEvent:
    position = data.get("pos")
    return BusEvent(
        "" if position is None else str(position),
        data,
        size if size is not None else len(json_codec.dumps(data)),
    )


class Dispatcher:
    def __init__(self, db: Database, bus: Bus, *, poll_seconds: float = 1.0) -> None:
        self.db = db
        self.bus = bus
        self.poll_seconds = poll_seconds
        self.delivered = 0
        # The newest position known committed. A fresh receiver's snapshot is read after
        # it, so it starts there even while this reader is still catching up.
        self.known_head = 0
        self.bus_up = False
        self.bus_error = ""
        self._index: dict[str, set[Sink]] = defaultdict(set)
        self._ahead: dict[int, BusEvent] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._fill_lock = asyncio.Lock()
        self._gap_task: asyncio.Task[None] | None = None
        self.started = False

    # -- registration -------------------------------------------------------------
    def add(self, sink: Sink) -> None:
        for topic in sink.topics:
            self._index[topic].add(sink)

    def remove(self, sink: Sink) -> None:
        sink.closed = True
        for topic in sink.topics:
            members = self._index.get(topic)
            if members is not None:
                members.discard(sink)
                if not members:
                    del self._index[topic]

    def subscribe_topic(self, sink: Sink, topic: str) -> None:
        if topic not in sink.topics and not sink.closed:
            sink.topics.add(topic)
            self._index[topic].add(sink)

    def unsubscribe_topic(self, sink: Sink, topic: str) -> None:
        if topic in sink.topics:
            sink.topics.discard(topic)
            members = self._index.get(topic)
            if members is not None:
                members.discard(sink)
                if not members:
                    del self._index[topic]

    async def attach(self, sink: Sink, since: int | None = None) -> int:
        """Register ``sink``; with ``since``, first replay what it missed from the outbox.

        Returns the position the sink is current to. Raises ResumeGap if ``since`` is
        older than what the outbox keeps, or newer than anything it ever held.
        """
        await self.start()
        sink.held = True
        self.add(sink)
        if since is None:
            return max(self.delivered, self.known_head)
        try:
            oldest, head = await to_thread.run_sync(lambda: (outbox.oldest(self.db), outbox.head(self.db)))
            if since > head or (oldest is not None and since < oldest - 1) or head - since > REPLAY_LIMIT:
                raise ResumeGap(f"cannot resume after {since}")
            rows = await to_thread.run_sync(lambda: outbox.after(self.db, since, REPLAY_LIMIT))
        except BaseException:
            self.remove(sink)
            raise
        live = list(sink.pending)
        sink.pending.clear()
        sink.pending_bytes = 0
        seen: set[int] = set()
        for row in rows:
            seen.add(row.position)
            event = as_event(row.as_bus())
            if sink.topics & set(row.topics) or WILDCARD in sink.topics:
                sink.push(event)
        for event in live:
            if event.position is None or event.position not in seen:
                sink.push(event)
        return max([since, *seen])

    # -- the reader ---------------------------------------------------------------
    async def start(self) -> None:
        if self.started:
            return
        self.started = True
        self.delivered = await to_thread.run_sync(outbox.start_point, self.db)
        self.known_head = await to_thread.run_sync(outbox.head, self.db)
        self._tasks = [
            asyncio.create_task(self._read_forever(), name="bus-dispatcher"),
            asyncio.create_task(self._watch_database(), name="bus-watchdog"),
        ]

    async def stop(self) -> None:
        await stop_tasks(*self._tasks, self._gap_task)
        self._tasks = []
        self.started = False

    async def _read_forever(self) -> None:
        failures = 0
        while True:
            raise_if_cancelled()
            try:
                async with self.bus.subscribe() as subscription:
                    self.bus_up, self.bus_error, failures = True, "", 0
                    await self.fill()  # what committed while we were not reading
                    async for event in subscription:
                        self.accept(event)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failures += 1
                if self.bus_up or failures == 1:
                    log.warning(
                        "bus reader: %s: %s; serving from the database until it is back",
                        type(exc).__name__,
                        exc,
                    )
                self.bus_up, self.bus_error = False, f"{type(exc).__name__}: {exc}"[:200]
                # Backoff with jitter, so nodes do not reconnect in lockstep.
                await asyncio.sleep(min(5.0, 0.2 * 2 ** min(failures, 5)) * random.uniform(0.5, 1.0))

    async def _watch_database(self) -> None:
        while True:
            raise_if_cancelled()
            await asyncio.sleep(self.poll_seconds)
            try:
                head = await to_thread.run_sync(outbox.head, self.db)
                self.known_head = max(self.known_head, head)
                if head > self.delivered:
                    # Give the bus a moment (an event in flight), then take it from the database.
                    before = self.delivered
                    await asyncio.sleep(GAP_GRACE_SECONDS * 4 if self.bus_up else 0)
                    if self.delivered == before:
                        await self.fill(head)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("bus watchdog: cannot read the outbox; retrying", exc_info=True)

    def accept(self, raw: BusEvent) -> None:
        event = raw if raw.size else as_event(raw.data)
        position = event.position
        if position is None:
            self._dispatch(event)
            return
        if position <= self.delivered:
            return  # already handed out (from the database, or a republish)
        if position == self.delivered + 1:
            self._dispatch(event)
            self.delivered = position
            self._drain_ahead()
            return
        self._ahead[position] = event
        if self._gap_task is None or self._gap_task.done():
            self._gap_task = asyncio.create_task(self._close_gap())

    def _drain_ahead(self) -> None:
        while self._ahead:
            nxt = self._ahead.pop(self.delivered + 1, None)
            if nxt is None:
                self._ahead = {p: e for p, e in self._ahead.items() if p > self.delivered}
                return
            self._dispatch(nxt)
            self.delivered += 1

    async def _close_gap(self) -> None:
        await asyncio.sleep(GAP_GRACE_SECONDS)
        if self._ahead:
            try:
                await self.fill(max(self._ahead))
            except Exception:
                log.warning(
                    "bus reader: cannot fill a gap from the database; the watchdog retries", exc_info=True
                )

    async def fill(self, upto: int | None = None) -> None:
        """Hand out, in order, every committed position after ``delivered`` (up to ``upto``)."""
        async with self._fill_lock:
            while True:
                start = self.delivered
                if upto is not None and start >= upto:
                    break
                rows = await to_thread.run_sync(outbox.after, self.db, start, 1000, upto)
                if self.delivered != start:
                    continue  # the bus delivered meanwhile; read again from the new point
                if not rows:
                    break
                if rows[0].position != start + 1:
                    self._resync(rows[0].position - 1)
                for row in rows:
                    if row.position == self.delivered + 1:
                        self._dispatch(as_event(row.as_bus()))
                        self.delivered = row.position
                self._drain_ahead()
                if len(rows) < 1000:
                    break

    def _resync(self, position: int) -> None:
        """Positions up to ``position`` are gone from the outbox: nobody can be given them."""
        log.warning(
            "bus reader: positions %s..%s were pruned before this node read them; resync",
            self.delivered + 1,
            position,
        )
        self.delivered = position
        notice = as_event({"type": RESYNC, "pos": None}, 16)
        everyone = {sink for sinks in self._index.values() for sink in sinks}
        for sink in everyone:
            sink.push(notice)

    def _dispatch(self, event: BusEvent) -> None:
        topics = event.data.get("topics") or ()
        targets: set[Sink] = set(self._index.get(WILDCARD, ()))
        for topic in topics:
            members = self._index.get(topic)
            if members:
                targets |= members
        for sink in targets:
            try:
                sink.push(event)
            except Exception:
                log.exception("bus dispatcher: a receiver failed on event %s", event.id)
