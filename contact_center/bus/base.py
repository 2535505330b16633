"""The event bus: one ordered stream of events with resumable subscriptions.

Every event gets an id that increases along the stream, so a subscriber that lost
its connection can ask for "everything after id N" and miss nothing. See
docs/events.md for the event types and docs/protocol.md for how clients resume.
"""

from __future__ import annotations

import abc
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import AsyncIterator


@dataclass(frozen=True)
class BusEvent:
    """One event. Durable events carry their outbox ``position``; ``id`` is its text form
    once the node's dispatcher hands it out (the transport's own id before that)."""

    id: str
    data: dict[str, Any]
    size: int = 0  # encoded bytes, counted against a receiver's buffer limit

    @property
    def type(self) -> str:
        return str(self.data.get("type", ""))

    @property
    def position(self) -> int | None:
        value = self.data.get("pos")
        return value if isinstance(value, int) else None


class ResumeGap(Exception):
    """The requested resume point is older than what the bus still keeps."""


class SubscriberLagged(Exception):
    """A subscriber fell so far behind that events would have been dropped."""


def id_key(event_id: str) -> tuple[int, ...]:
    """Sort key of an event id ("17" on memory://, "1700000000000-3" on Redis)."""
    try:
        return tuple(int(part) for part in event_id.split("-"))
    except ValueError as exc:
        raise ValueError(f"not an event id: {event_id!r}") from exc


class Subscription(abc.ABC):
    """Events after the resume point, in order, then live ones as they come."""

    @abc.abstractmethod
    def __aiter__(self) -> AsyncIterator[BusEvent]:
        """Iterate over events; raises SubscriberLagged if this reader fell behind."""


class Bus(abc.ABC):
    """One stream of events shared by every node of a deployment."""

    @abc.abstractmethod
    async def connect(self) -> None:
        """Open connections and start background readers."""

    @abc.abstractmethod
    async def disconnect(self) -> None:
        """Stop background readers and close connections."""

    @abc.abstractmethod
    async def publish(self, data: dict[str, Any]) -> str:
        """Append an event and return its id."""

    @abc.abstractmethod
    async def head(self) -> str:
        """The id of the newest event; with none, an id that sorts before every event."""

    @abc.abstractmethod
    def subscribe(self, since: str | None = None) -> AbstractAsyncContextManager[Subscription]:
        """Events after ``since`` (None: only new ones); raises ResumeGap if too old."""

    async def publish_many(self, events: list[dict[str, Any]]) -> None:
        """Append several events in order (the relay's batch); backends may pipeline."""
        for data in events:
            await self.publish(data)

    @abc.abstractmethod
    async def ping(self) -> bool:
        """Whether the bus is reachable."""
