"""In-process bus for a single box and for fast tests."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from contact_center.bus.base import Bus, BusEvent, ResumeGap, SubscriberLagged, Subscription

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

_LAGGED = object()


class _MemorySubscription(Subscription):
    def __init__(self, backlog: list[BusEvent], max_pending: int) -> None:
        self.queue: asyncio.Queue[BusEvent | object] = asyncio.Queue()
        for event in backlog:
            self.queue.put_nowait(event)
        self.max_pending = max_pending
        self.lagged = False

    def offer(self, event: BusEvent) -> None:
        if self.lagged:
            return
        if self.queue.qsize() >= self.max_pending:
            self.lagged = True
            self.queue.put_nowait(_LAGGED)
            return
        self.queue.put_nowait(event)

    async def __aiter__(self) -> AsyncIterator[BusEvent]:
        while True:
            item = await self.queue.get()
            if item is _LAGGED:
                raise SubscriberLagged("subscriber fell behind")
            assert isinstance(item, BusEvent)
            yield item


class MemoryBus(Bus):
    def __init__(self, url: str = "memory://", *, keep: int = 10_000, max_pending: int = 10_000) -> None:
        self._buffer: deque[tuple[int, BusEvent]] = deque(maxlen=keep)
        self._next = 1
        self._subscribers: set[_MemorySubscription] = set()
        self._max_pending = max_pending
        self._connected = False
        # Ids are "<boot>-<n>": a client resuming with an id from before a restart of
        # this process must get ResumeGap, not a replay from an unrelated point.
        self._boot = str(time.time_ns() // 1_000_000)

    async def connect(self) -> None:
        self._connected = True

    async def disconnect(self) -> None:
        self._connected = False

    def _check(self) -> None:
        if not self._connected:
            raise RuntimeError("MemoryBus is not connected; did you forget to call connect()?")

    async def publish(self, data: dict[str, Any]) -> str:
        self._check()
        number = self._next
        self._next += 1
        event = BusEvent(f"{self._boot}-{number}", data)
        self._buffer.append((number, event))
        for subscriber in list(self._subscribers):
            subscriber.offer(event)
        return event.id

    async def head(self) -> str:
        self._check()
        return f"{self._boot}-{self._next - 1}"

    @asynccontextmanager
    async def subscribe(self, since: str | None = None) -> AsyncIterator[Subscription]:
        self._check()
        backlog: list[BusEvent] = []
        if since is not None:
            boot, _, number = since.partition("-")
            if boot != self._boot or not number.isdigit():
                raise ResumeGap(f"cannot resume after {since!r}: not an id of this process")
            after = int(number)
            oldest = self._buffer[0][0] if self._buffer else self._next
            if after < oldest - 1 or after >= self._next:
                # Either trimmed away, or an id from before a restart of this process.
                raise ResumeGap(f"cannot resume after {since}")
            backlog = [event for number, event in self._buffer if number > after]
        # No await between reading the backlog and registering: nothing can slip between.
        subscription = _MemorySubscription(backlog, self._max_pending)
        self._subscribers.add(subscription)
        try:
            yield subscription
        finally:
            self._subscribers.discard(subscription)

    async def ping(self) -> bool:
        return self._connected
