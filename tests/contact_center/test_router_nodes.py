"""Several nodes: a contact that arrives on a standby node is routed by the leader at once."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable

import pytest

from config import Settings
from contact_center.bus.redis import RedisBus
from contact_center.coordination import RedisLease
from contact_center.hub import Hub
from contact_center.router import Router
from repository import Database
from repository.core.models import Interaction
from tests.factories import chat_item, make_agent, make_queue

# Far longer than the test may take: only a wake-up can explain a quick offer.
TICK_SECONDS = "30"


@pytest.fixture
async def two_nodes(
    make_settings: Callable[..., Settings], db: Database, redis_url: str
) -> AsyncIterator[tuple[Hub, Hub]]:
    make_queue(db, "support", is_default=True)
    settings = make_settings(DATABASE_URL=db.url, ROUTER_TICK_SECONDS=TICK_SECONDS)
    stream, key = f"cc:test:{uuid.uuid4().hex}", f"cc:test:leader:{uuid.uuid4().hex}"
    hubs, routers, buses = [], [], []
    for _ in range(2):
        bus = RedisBus(redis_url, stream=stream)
        await bus.connect()
        hub = Hub(settings, db, bus)
        router = Router(hub, RedisLease(redis_url, key=key, lease_ms=30_000))
        buses.append(bus)
        hubs.append(hub)
        routers.append(router)
    # The first node takes the lease before the second starts, so the second stands by.
    assert await routers[0].leadership.try_lead()
    for router in routers:
        await router.start()
    yield hubs[0], hubs[1]
    for router in routers:
        await router.stop()
    await buses[0].client.delete(stream)
    for bus in buses:
        await bus.disconnect()


@pytest.mark.redis
async def test_a_contact_stored_on_the_standby_is_offered_by_the_leader_without_waiting_a_tick(
    db: Database, two_nodes: tuple[Hub, Hub]
) -> None:
    _leader, standby = two_nodes
    agent = make_agent(db)
    await asyncio.sleep(0.2)  # let the leader's first pass (which finds nothing) finish

    started = time.monotonic()
    result = await standby.store(chat_item(body="Hello from the other node"))
    await standby.announce(result)

    async def offered() -> None:
        while True:
            with db.read() as session:
                row = session.get(Interaction, result.interaction.id)
                if row is not None and row.status == "offered":
                    return
            await asyncio.sleep(0.05)

    await asyncio.wait_for(offered(), timeout=5)
    with db.read() as session:
        assert session.get(Interaction, result.interaction.id).agent_id == agent.id  # type: ignore[union-attr]
    assert time.monotonic() - started < 5
