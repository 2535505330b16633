"""Redis Streams bus: every node appends to and reads from one stream.

Each node runs a single reader (XREAD BLOCK) and fans out to its local subscribers,
so a thousand websockets cost one Redis connection, not a thousand. A resuming
subscriber first registers for live events, then reads the backlog with XRANGE,
and drops live events it already got from the backlog: no gap, no duplicate.
"""

from __future__ import annotations

import asyncio
import json
import logging
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, cast

import redis.asyncio as aioredis

from contact_center.aio import raise_if_cancelled, stop_tasks
from contact_center.bus.base import Bus, BusEvent, ResumeGap, SubscriberLagged, Subscription, id_key

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

log = logging.getLogger(__name__)
# Stream entries as this client returns them (decode_responses=True); redis-py's annotations
# cannot tell str from bytes replies, so the reads below name the shape they get.
Entries = list[tuple[str, dict[str, str]]]
_LAGGED = object()
_BROKEN = object()
# A frozen Redis (SIGSTOP, a dead link) must fail a call within seconds, not hang it:
# the relay retries, /healthz answers, and the dispatcher serves from the database.
SOCKET_TIMEOUT_SECONDS = 3.0


class _RedisSubscription(Subscription):
    def __init__(self, max_pending: int) -> None:
        self.queue: asyncio.Queue[BusEvent | object] = asyncio.Queue()
        self.max_pending = max_pending
        self.lagged = False
        self.floor: tuple[int, ...] = (0, 0)
        # While the backlog is read, live events wait here so they cannot overtake it.
        self.held: list[BusEvent] | None = None

    def offer(self, event: BusEvent) -> None:
        if self.held is not None:
            self.held.append(event)
            return
        self._enqueue(event)

    def _enqueue(self, event: BusEvent) -> None:
        if self.lagged or id_key(event.id) <= self.floor:
            return
        if self.queue.qsize() >= self.max_pending:
            self.lagged = True
            self.queue.put_nowait(_LAGGED)
            return
        self.floor = id_key(event.id)
        self.queue.put_nowait(event)

    async def __aiter__(self) -> AsyncIterator[BusEvent]:
        while True:
            item = await self.queue.get()
            if item is _LAGGED:
                raise SubscriberLagged("subscriber fell behind")
            if item is _BROKEN:
                raise ConnectionError("the bus connection failed")
            assert isinstance(item, BusEvent)
            yield item


class RedisBus(Bus):
    def __init__(
        self, url: str, *, stream: str = "cc:events", keep: int = 100_000, max_pending: int = 10_000
    ) -> None:
        self.url = url
        self.stream = stream
        self.keep = keep
        self._max_pending = max_pending
        self._redis: aioredis.Redis | None = None
        self._reader: asyncio.Task[None] | None = None
        self._subscribers: set[_RedisSubscription] = set()

    @property
    def client(self) -> aioredis.Redis:
        if self._redis is None:
            raise RuntimeError("RedisBus is not connected; did you forget to call connect()?")
        return self._redis

    async def connect(self) -> None:
        # A bounded pool that waits for a free connection: a burst of publishes queues
        # briefly instead of failing with MaxConnectionsError after the commit.
        self._redis = aioredis.Redis.from_pool(
            aioredis.BlockingConnectionPool.from_url(
                self.url,
                decode_responses=True,
                max_connections=64,
                timeout=SOCKET_TIMEOUT_SECONDS,
                socket_timeout=SOCKET_TIMEOUT_SECONDS,
                socket_connect_timeout=1.0,
            )
        )
        await self._redis.ping()
        self._reader = asyncio.create_task(self._read_forever(await self.head()), name="redis-bus-reader")

    async def disconnect(self) -> None:
        await stop_tasks(self._reader)
        if self._redis is not None:
            await self._redis.aclose()
        self._redis = None

    async def publish(self, data: dict[str, Any]) -> str:
        event_id = await self.client.xadd(
            self.stream, {"d": json.dumps(data, separators=(",", ":"))}, maxlen=self.keep, approximate=True
        )
        return str(event_id)

    async def publish_many(self, events: list[dict[str, Any]]) -> None:
        # One round trip for the relay's whole batch; order within it is kept.
        async with self.client.pipeline(transaction=False) as pipe:
            for data in events:
                pipe.xadd(
                    self.stream,
                    {"d": json.dumps(data, separators=(",", ":"), default=str)},
                    maxlen=self.keep,
                    approximate=True,
                )
            await pipe.execute()

    async def head(self) -> str:
        entries = await self.client.xrevrange(self.stream, count=1)
        return str(entries[0][0]) if entries else "0-0"

    async def _read_forever(self, last_id: str) -> None:
        # One bad entry or a Redis hiccup must not end fan-out for the whole node.
        failing = False
        while True:
            raise_if_cancelled()
            try:
                reply = cast(
                    "list[tuple[str, Entries]]",
                    await self.client.xread({self.stream: last_id}, block=1000, count=500),
                )
                if failing:
                    # Redis may have come back empty: a stream that restarted has ids below ours.
                    latest = await self.client.xrevrange(self.stream, count=1)
                    if not latest or id_key(str(latest[0][0])) < id_key(last_id):
                        last_id = "0-0"
                    failing = False
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if not failing:
                    log.warning("bus reader: XREAD failed (%s); retrying", exc)
                failing = True
                # Subscribers learn the link broke; they resubscribe and catch up themselves.
                for subscriber in list(self._subscribers):
                    subscriber.queue.put_nowait(_BROKEN)
                await asyncio.sleep(0.5)
                continue
            for _stream, entries in reply or []:
                for entry_id, fields in entries:
                    last_id = entry_id
                    event = _decode(entry_id, fields)
                    if event is None:
                        continue
                    for subscriber in list(self._subscribers):
                        subscriber.offer(event)

    @asynccontextmanager
    async def subscribe(self, since: str | None = None) -> AsyncIterator[Subscription]:
        client = self.client  # fails loudly before connect(), like publish does
        subscription = _RedisSubscription(self._max_pending)
        subscription.held = []
        self._subscribers.add(subscription)
        try:
            if since is not None:
                await self._replay(subscription, since)
            else:
                # The reader may still be fanning out entries older than this call;
                # "only new events" means after the head as of now.
                latest = await client.xrevrange(self.stream, count=1)
                subscription.floor = id_key(str(latest[0][0])) if latest else (0, 0)
                self._release_held(subscription)
            yield subscription
        finally:
            self._subscribers.discard(subscription)

    async def _replay(self, subscription: _RedisSubscription, since: str) -> None:
        try:
            after = id_key(since)
        except ValueError as exc:
            raise ResumeGap(str(exc)) from exc
        info = await self.client.xinfo_stream(self.stream) if await self.client.exists(self.stream) else {}
        last = str(info.get("last-generated-id") or "0-0")
        first_entry = info.get("first-entry")
        trimmed = int(info.get("entries-added") or 0) > int(info.get("length") or 0)
        # MAXLEN trimming leaves no record of what it dropped, so once anything was
        # trimmed a resume point older than the oldest kept entry may hide a gap.
        older_than_kept = first_entry is not None and after < id_key(str(first_entry[0]))
        if (trimmed and older_than_kept) or after > id_key(last):
            raise ResumeGap(f"cannot resume after {since}")
        subscription.floor = after
        cursor = "(" + since
        while True:
            entries = cast(Entries, await self.client.xrange(self.stream, min=cursor, count=1000))
            for entry_id, fields in entries:
                event = _decode(entry_id, fields)
                if event is not None:
                    subscription._enqueue(event)
            if len(entries) < 1000:
                break
            cursor = "(" + entries[-1][0]
        self._release_held(subscription)

    @staticmethod
    def _release_held(subscription: _RedisSubscription) -> None:
        held, subscription.held = subscription.held or [], None
        for event in held:
            subscription._enqueue(event)  # those already delivered fall below the floor

    async def ping(self) -> bool:
        try:
            return bool(await self.client.ping())
        except Exception:
            return False


def _decode(entry_id: str, fields: dict[str, str]) -> BusEvent | None:
    try:
        return BusEvent(str(entry_id), json.loads(fields["d"]))
    except (KeyError, ValueError):
        log.warning("bus: skipping malformed stream entry %s", entry_id)
        return None
