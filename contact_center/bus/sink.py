"""One receiver's mailbox on this node: the events of the topics it registered, bounded.

The dispatcher calls ``push`` synchronously (no await), so handing an event to a
socket costs a deque append. The socket's own writer drains it. A sink whose
unsent events pass ``limit_bytes`` is *overflowed*: its buffer is dropped and its
owner is told once (a socket closes with 4408, a follow() loop replays from the
database), so a reader that stopped reading can never hold unbounded memory.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from contact_center.bus.base import BusEvent

# Delivered to every sink when the node could not recover what it missed (docs/protocol.md).
RESYNC = "resync"


class Sink:
    __slots__ = (
        "topics",
        "pending",
        "pending_bytes",
        "limit_bytes",
        "notify",
        "hook",
        "overflowed",
        "closed",
        "held",
    )

    def __init__(
        self,
        topics: Iterable[str],
        *,
        limit_bytes: int,
        notify: Callable[[], None],
        hook: Callable[[BusEvent], None] | None = None,
    ) -> None:
        self.topics: set[str] = set(topics)
        self.pending: deque[BusEvent] = deque()
        self.pending_bytes = 0
        self.limit_bytes = limit_bytes
        # Called (synchronously) when there is something to take: start or wake the writer.
        self.notify = notify
        # Runs at dispatch time, in stream order: lets a desk start following an
        # interaction the moment its offer passes, before any later event of it.
        self.hook = hook
        self.overflowed = False
        self.closed = False
        # While a snapshot or replay is prepared the owner holds notifications back.
        self.held = False

    def push(self, event: BusEvent) -> None:
        if self.closed or self.overflowed:
            return
        if self.hook is not None:
            self.hook(event)
        self.pending.append(event)
        self.pending_bytes += event.size
        if self.pending_bytes > self.limit_bytes:
            self.overflowed = True
            self.pending.clear()
            self.pending_bytes = 0
        if not self.held:
            self.notify()

    def take(self) -> BusEvent | None:
        if not self.pending:
            return None
        event = self.pending.popleft()
        self.pending_bytes -= event.size
        return event

    def release(self) -> None:
        self.held = False
        if self.pending or self.overflowed:
            self.notify()
