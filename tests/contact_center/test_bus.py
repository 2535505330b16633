"""The event bus, on memory:// and on Redis Streams: ordered, resumable, never silently lossy."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import redis

from contact_center.bus import Bus, BusEvent, ResumeGap, SubscriberLagged, Subscription, create_bus, id_key
from contact_center.bus.memory import MemoryBus
from contact_center.bus.redis import RedisBus

TIMEOUT = 5.0
MakeBus = Callable[..., Awaitable[Bus]]


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def make_bus(request: pytest.FixtureRequest) -> AsyncIterator[MakeBus]:
    """Build connected buses with custom limits; with Redis they share one private stream."""
    made: list[Bus] = []
    stream = f"cc:test:{uuid.uuid4().hex}"

    async def make(*, connect: bool = True, **options: Any) -> Bus:
        if request.param == "memory":
            bus: Bus = MemoryBus(**options)
        else:
            bus = RedisBus(request.getfixturevalue("redis_url"), stream=stream, **options)
        if connect:
            await bus.connect()
            made.append(bus)
        return bus

    yield make
    for bus in made:
        if isinstance(bus, RedisBus) and bus._redis is not None:
            await bus.client.delete(bus.stream)
        await bus.disconnect()


async def take(events: AsyncIterator[BusEvent], n: int) -> list[BusEvent]:
    return [await asyncio.wait_for(anext(events), TIMEOUT) for _ in range(n)]


def numbers(events: list[BusEvent]) -> list[int]:
    return [e.data["n"] for e in events]


async def publish_numbered(bus: Bus, ns: range) -> list[str]:
    return [await bus.publish({"type": "test", "n": n}) for n in ns]


async def next_is_marker(bus: Bus, events: AsyncIterator[BusEvent]) -> bool:
    """Whether nothing but a freshly published marker is left to read (no extra events)."""
    await bus.publish({"type": "marker", "n": -1})
    return (await take(events, 1))[0].type == "marker"


def stream(subscription: Subscription) -> AsyncIterator[BusEvent]:
    return aiter(subscription)


# -- ids and ordering ----------------------------------------------------------------


async def test_publish_returns_increasing_ids_and_head_is_the_newest(bus: Bus) -> None:
    ids = await publish_numbered(bus, range(20))

    keys = [id_key(i) for i in ids]
    assert keys == sorted(keys)
    assert len(set(ids)) == 20
    assert await bus.head() == ids[-1]
    assert await bus.ping() is True


async def test_a_subscriber_receives_new_events_in_publish_order(bus: Bus) -> None:
    async with bus.subscribe() as subscription:
        events = stream(subscription)
        ids = await publish_numbered(bus, range(100, 150))

        received = await take(events, 50)
        assert await next_is_marker(bus, events)

    assert numbers(received) == list(range(100, 150))
    assert [e.id for e in received] == ids
    assert {e.type for e in received} == {"test"}


async def test_a_new_subscriber_gets_only_events_published_after_it_subscribed(
    bus: Bus, request: pytest.FixtureRequest
) -> None:
    if isinstance(bus, RedisBus):
        # Another node appends an instant before we subscribe; a blocking client makes that
        # instant deterministic: this node's reader cannot run before we are subscribed.
        other_node = redis.Redis.from_url(request.getfixturevalue("redis_url"))
        for n in range(3):
            other_node.xadd(bus.stream, {"d": json.dumps({"type": "test", "n": n})})
        other_node.close()
    else:
        await publish_numbered(bus, range(3))

    async with bus.subscribe() as subscription:
        events = stream(subscription)
        await publish_numbered(bus, range(3, 5))

        assert numbers(await take(events, 2)) == [3, 4]


async def test_every_subscriber_gets_every_event(bus: Bus) -> None:
    async with bus.subscribe() as one, bus.subscribe() as two:
        await publish_numbered(bus, range(10))

        assert numbers(await take(stream(one), 10)) == list(range(10))
        assert numbers(await take(stream(two), 10)) == list(range(10))


# -- resume --------------------------------------------------------------------------


async def test_resume_from_head_of_an_empty_bus_replays_everything_since(bus: Bus) -> None:
    start = await bus.head()
    await publish_numbered(bus, range(5))

    async with bus.subscribe(since=start) as subscription:
        assert numbers(await take(stream(subscription), 5)) == list(range(5))


async def test_resume_replays_exactly_the_missed_events_while_new_ones_keep_coming(bus: Bus) -> None:
    ids = await publish_numbered(bus, range(20))
    last_seen = ids[9]  # a client saw events 0..9, then its connection dropped

    async def keep_publishing() -> None:
        for n in range(20, 220):
            await bus.publish({"type": "test", "n": n})
            await asyncio.sleep(0)

    publisher = asyncio.create_task(keep_publishing())
    await asyncio.sleep(0)
    try:
        async with bus.subscribe(since=last_seen) as subscription:
            events = stream(subscription)
            received = await take(events, 210)
            await asyncio.wait_for(publisher, TIMEOUT)
            assert await next_is_marker(bus, events)
    finally:
        publisher.cancel()

    assert numbers(received) == list(range(10, 220))
    keys = [id_key(e.id) for e in received]
    assert keys == sorted(set(keys))


async def test_resume_from_the_newest_id_waits_for_new_events_only(bus: Bus) -> None:
    ids = await publish_numbered(bus, range(5))

    async with bus.subscribe(since=ids[-1]) as subscription:
        events = stream(subscription)
        await publish_numbered(bus, range(5, 7))
        assert numbers(await take(events, 2)) == [5, 6]


async def test_resume_from_a_trimmed_id_raises_resume_gap(make_bus: MakeBus) -> None:
    bus = await make_bus(keep=5)
    ids = await publish_numbered(bus, range(250))
    if isinstance(bus, RedisBus):
        # XADD trims approximately (whole radix nodes); make the cut exact, as a busy stream's is.
        await bus.client.xtrim(bus.stream, maxlen=5, approximate=False)

    # Resuming from an id that is still kept replays what follows it.
    async with bus.subscribe(since=ids[245]) as subscription:
        assert numbers(await take(stream(subscription), 4)) == [246, 247, 248, 249]
    # Older ones cannot be honoured without silently skipping events: the client must resync.
    for lost in (ids[0], ids[2], ids[200], ids[243]):
        with pytest.raises(ResumeGap):
            async with bus.subscribe(since=lost):
                pass


async def test_resume_from_a_garbage_or_future_id_raises_resume_gap(bus: Bus) -> None:
    ids = await publish_numbered(bus, range(3))
    *prefix, last = ids[-1].split("-")
    future = "-".join([*prefix, str(int(last) + 1000)])  # same format, beyond the newest id

    for since in ("garbage", "", "12-ab", "-", future):
        with pytest.raises(ResumeGap):
            async with bus.subscribe(since=since):
                pass


# -- back-pressure and lifecycle -----------------------------------------------------


async def test_a_subscriber_that_falls_behind_is_told_rather_than_silently_losing_events(
    make_bus: MakeBus,
) -> None:
    bus = await make_bus(max_pending=3)

    async with bus.subscribe() as subscription:
        events = stream(subscription)
        await publish_numbered(bus, range(10))

        received = await take(events, 3)
        with pytest.raises(SubscriberLagged):
            await asyncio.wait_for(anext(events), TIMEOUT)

    assert numbers(received) == [0, 1, 2]


async def test_a_lagging_subscriber_does_not_hold_back_the_others(make_bus: MakeBus) -> None:
    bus = await make_bus(max_pending=3)

    async with bus.subscribe() as slow, bus.subscribe() as fast:
        fast_events = stream(fast)
        for n in range(6):
            await bus.publish({"type": "test", "n": n})
            assert numbers(await take(fast_events, 1)) == [n]

        with pytest.raises(SubscriberLagged):
            await take(stream(slow), 4)


async def test_publishing_before_connect_raises_and_says_so(make_bus: MakeBus) -> None:
    bus = await make_bus(connect=False)

    with pytest.raises(RuntimeError, match=r"connect\(\)"):
        await bus.publish({"type": "test"})


async def test_subscribing_before_connect_raises_and_says_so(make_bus: MakeBus) -> None:
    bus = await make_bus(connect=False)

    with pytest.raises(RuntimeError, match=r"connect\(\)"):
        async with bus.subscribe(since=None):
            pass
    with pytest.raises(RuntimeError, match=r"connect\(\)"):
        async with bus.subscribe(since="1"):
            pass


async def test_reading_the_head_before_connect_raises_and_says_so(make_bus: MakeBus) -> None:
    bus = await make_bus(connect=False)

    with pytest.raises(RuntimeError, match=r"connect\(\)"):
        await bus.head()


async def test_after_disconnect_publishing_raises(make_bus: MakeBus) -> None:
    bus = await make_bus(connect=False)
    await bus.connect()
    await bus.disconnect()

    with pytest.raises(RuntimeError, match=r"connect\(\)"):
        await bus.publish({"type": "test"})


def test_the_backend_is_chosen_by_url_scheme() -> None:
    assert isinstance(create_bus("memory://"), MemoryBus)
    assert isinstance(create_bus("redis://127.0.0.1:6379/0"), RedisBus)
    with pytest.raises(ValueError, match="kafka"):
        create_bus("kafka://broker:9092")


# -- Redis: several nodes on one stream ----------------------------------------------


@pytest.mark.redis
async def test_events_published_on_one_node_reach_subscribers_on_another(redis_url: str) -> None:
    stream_name = f"cc:test:{uuid.uuid4().hex}"
    node_a, node_b = RedisBus(redis_url, stream=stream_name), RedisBus(redis_url, stream=stream_name)
    await node_a.connect()
    await node_b.connect()
    try:
        async with node_b.subscribe() as subscription:
            events = stream(subscription)
            await publish_numbered(node_a, range(5))
            await publish_numbered(node_b, range(5, 8))
            assert numbers(await take(events, 8)) == list(range(8))
    finally:
        await node_a.client.delete(stream_name)
        await node_a.disconnect()
        await node_b.disconnect()


@pytest.mark.redis
async def test_a_malformed_stream_entry_is_skipped_and_fan_out_goes_on(redis_url: str) -> None:
    bus = RedisBus(redis_url, stream=f"cc:test:{uuid.uuid4().hex}")
    await bus.connect()
    try:
        async with bus.subscribe() as subscription:
            events = stream(subscription)
            await bus.client.xadd(bus.stream, {"junk": "x"})
            await bus.client.xadd(bus.stream, {"d": "{not json"})
            await bus.publish({"type": "test", "n": 1})

            assert numbers(await take(events, 1)) == [1]
    finally:
        await bus.client.delete(bus.stream)
        await bus.disconnect()
