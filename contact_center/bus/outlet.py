"""A websocket's end of the pipeline: its topics, its bounded buffer, its one writer.

- **Exactly once**: the writer remembers the highest position it sent and never sends
  that position or an older one again, whether it came from a replay, a snapshot
  boundary or the live stream.
- **Slow consumer**: when unsent events pass ``limit_bytes`` the buffer is dropped,
  the reason is logged and the socket is closed with 4408 (docs/protocol.md).
- **Memory**: an idle socket has no writer task and an empty deque; a writer task
  exists only while there is something to send.
- **resync**: if this node could not recover events it missed (pruned from the
  outbox), the client is sent ``{"type": "resync"}`` and reloads its snapshot.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from contextlib import suppress
from typing import TYPE_CHECKING, Any

from contact_center.aio import stop_tasks
from contact_center.bus.sink import RESYNC, Sink
from contact_center.frames import send_frame

if TYPE_CHECKING:
    from starlette.websockets import WebSocket

    from contact_center.bus.base import BusEvent
    from contact_center.bus.dispatch import Dispatcher

log = logging.getLogger(__name__)
SLOW_CONSUMER_CODE = 4408
Translate = Callable[["BusEvent"], Awaitable[dict[str, Any] | None]]


class Outlet:
    __slots__ = ("ws", "dispatcher", "sink", "translate", "label", "sent_upto", "_writer", "_closing")

    def __init__(
        self,
        ws: WebSocket,
        dispatcher: Dispatcher,
        topics: Iterable[str],
        translate: Translate,
        *,
        limit_bytes: int,
        label: str,
        hook: Callable[[BusEvent], None] | None = None,
    ) -> None:
        self.ws = ws
        self.dispatcher = dispatcher
        self.translate = translate
        self.label = label
        self.sink = Sink(topics, limit_bytes=limit_bytes, notify=self._notify, hook=hook)
        self.sent_upto = 0
        self._writer: asyncio.Task[None] | None = None
        self._closing = False

    async def open(self, since: int | None = None) -> int:
        """Start receiving (held until ``start``); with ``since``, replay what was missed."""
        current = await self.dispatcher.attach(self.sink, since)
        self.sent_upto = since if since is not None else current
        return current

    def start(self) -> None:
        """The snapshot or ``resumed`` frame is out: let events flow."""
        self.sink.release()

    def follow(self, topic: str) -> None:
        self.dispatcher.subscribe_topic(self.sink, topic)

    def unfollow(self, topic: str) -> None:
        self.dispatcher.unsubscribe_topic(self.sink, topic)

    @property
    def idle(self) -> bool:
        return not self.sink.pending and (self._writer is None or self._writer.done())

    def resume_point(self) -> int:
        """The newest position this client may safely resume after."""
        return max(self.sent_upto, self.dispatcher.delivered) if self.idle else self.sent_upto

    async def close(self) -> None:
        self.dispatcher.remove(self.sink)
        if self._writer is not None and self._writer is not asyncio.current_task():
            await stop_tasks(self._writer)

    def _notify(self) -> None:
        if self.sink.overflowed:
            if not self._closing:
                self._closing = True
                asyncio.get_running_loop().create_task(self._close_slow())
            return
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(self._drain())

    async def _drain(self) -> None:
        while not self.sink.overflowed:
            event = self.sink.take()
            if event is None:
                return
            if event.type == RESYNC:
                if not await send_frame(self.ws, {"type": "resync", "reason": "events were missed"}):
                    return
                continue
            position = event.position
            if position is not None and position <= self.sent_upto:
                continue  # sent already: exactly once on the wire
            try:
                frame = await self.translate(event)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("%s: cannot translate event %s", self.label, event.id)
                frame = None
            if frame is not None:
                if position is not None:
                    frame["event_id"] = str(position)
                if not await send_frame(self.ws, frame):
                    return
            if position is not None:
                self.sent_upto = position

    async def _close_slow(self) -> None:
        log.warning(
            "%s stopped reading: more than %s bytes of events unsent; closing with %s",
            self.label,
            self.sink.limit_bytes,
            SLOW_CONSUMER_CODE,
        )
        await self.close()
        with suppress(Exception):
            async with asyncio.timeout(2):
                await self.ws.close(code=SLOW_CONSUMER_CODE, reason="too slow: events were dropped")
