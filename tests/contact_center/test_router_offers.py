"""Offers nobody answers and offers rejected, through the real Hub and Router on both stores.

An agent who lets offers time out again and again is set Away with a notice, and the
customer is told honestly that nobody is available; a rejected chat is not offered
straight back to the agent who rejected it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import pytest

from config import Settings
from contact_center import routing
from contact_center.bus import Bus, BusEvent, create_bus
from contact_center.hub import Hub
from contact_center.router import Router
from repository import Database
from repository.core.models import Interaction, utcnow
from tests.contact_center.test_router import Listener, offers
from tests.factories import make_agent, make_queue, queued_chat, reload, reload_agent

BACK_OFF = 0.3


@pytest.fixture
async def memory_bus() -> AsyncIterator[Bus]:
    bus = create_bus("memory://")
    await bus.connect()
    yield bus
    await bus.disconnect()


@pytest.fixture
def hub(make_settings: Callable[..., Settings], db: Database, memory_bus: Bus) -> Hub:
    make_queue(db, "support", is_default=True)
    return Hub(make_settings(DATABASE_URL=db.url), db, memory_bus)


@pytest.fixture
async def router(hub: Hub) -> AsyncIterator[Router]:
    router = Router(hub)
    yield router
    await router.stop()


@pytest.fixture
async def listener(memory_bus: Bus) -> AsyncIterator[Listener]:
    async with memory_bus.subscribe() as subscription:
        events: AsyncIterator[BusEvent] = aiter(subscription)
        yield Listener(events)


@pytest.fixture(autouse=True)
def short_back_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(routing, "REOFFER_COOLDOWN_SECONDS", BACK_OFF)


async def test_an_agent_who_misses_two_offers_in_a_row_is_set_away_and_the_customer_told(
    make_settings: Callable[..., Settings], db: Database, memory_bus: Bus, listener: Listener
) -> None:
    settings = make_settings(
        DATABASE_URL=db.url,
        RESERVATION_TIMEOUT_SECONDS="0.3",
        ROUTER_TICK_SECONDS="0.05",
        MISSED_OFFERS_BEFORE_AWAY="2",
    )
    make_queue(db, "support", is_default=True)
    ignoring = make_agent(db)
    waiting = queued_chat(db).interaction
    router = Router(Hub(settings, db, memory_bus))
    await router.start()
    try:
        for _ in range(2):
            assert (await listener.next("offer")).data["agent_id"] == ignoring.id
            await listener.next("interaction.updated", reason="reservation timed out")
        await listener.next("agent.presence", agent_id=ignoring.id, presence="away")
        notice = await listener.next("agent.notice", agent_id=ignoring.id)
        told = await listener.next("queue.position", interaction_id=waiting.id, estimated_wait_seconds=-1)
    finally:
        await router.stop()

    assert (notice.data["code"], notice.data["count"]) == ("missed_offers", 2)
    assert told.data["position"] == 1
    assert reload_agent(db, ignoring.id).presence == "away"  # type: ignore[arg-type]
    assert reload(db, waiting.id).status == "queued"  # type: ignore[arg-type]
    assert len(offers(listener)) == 2


async def test_an_accepted_offer_resets_the_count(
    make_settings: Callable[..., Settings], db: Database, memory_bus: Bus, listener: Listener
) -> None:
    settings = make_settings(
        DATABASE_URL=db.url, RESERVATION_TIMEOUT_SECONDS="0.3", ROUTER_TICK_SECONDS="0.05"
    )
    make_queue(db, "support", is_default=True)
    agent = make_agent(db, capacity={"chat": 2})
    first = queued_chat(db).interaction
    hub = Hub(settings, db, memory_bus)
    router = Router(hub)
    await router.start()
    try:
        await listener.next("offer")
        await listener.next("interaction.updated", reason="reservation timed out")
        await listener.next("offer")
        await hub.accept(agent, first.id)  # type: ignore[arg-type]
        second = queued_chat(db).interaction
        router.wake()
        await listener.next("offer")
        await listener.next("interaction.updated", reason="reservation timed out")
        assert (await listener.next("offer")).data["interaction"]["id"] == second.id
    finally:
        await router.stop()

    # One miss since the accept: still available.
    assert reload_agent(db, agent.id).presence == "available"  # type: ignore[arg-type]
    assert not [e for e in listener.seen if e.type == "agent.notice"]


async def test_a_rejected_chat_is_not_offered_straight_back_to_the_only_agent(
    db: Database, hub: Hub, router: Router, listener: Listener
) -> None:
    only = make_agent(db)
    waiting = queued_chat(db).interaction
    assert await router.route_once() == 1
    # She looked at it for a while: by the last offer alone the back-off has long passed.
    with db.write() as session:
        row = session.get(Interaction, waiting.id)
        assert row is not None
        row.offered_at = utcnow() - timedelta(seconds=10 * BACK_OFF)
        session.add(row)

    await hub.reject(only, waiting.id)  # type: ignore[arg-type]

    assert await router.route_once() == 0
    assert reload(db, waiting.id).status == "queued"  # type: ignore[arg-type]
    await asyncio.sleep(BACK_OFF + 0.1)
    assert await router.route_once() == 1
    assert reload(db, waiting.id).agent_id == only.id  # type: ignore[arg-type]
