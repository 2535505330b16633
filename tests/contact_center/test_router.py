"""The routing loop against a real store and bus: waiting contacts reach available agents."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from config import Settings
from contact_center.bus import Bus, BusEvent, create_bus
from contact_center.hub import Hub
from contact_center.router import Router
from repository import Database
from repository.core import lifecycle, queries, routing_queries
from tests.factories import (
    active_with,
    age_heartbeat,
    make_agent,
    make_queue,
    make_wrapup_code,
    offered_to,
    queued_chat,
    reload,
    reload_agent,
)

TIMEOUT = 5.0


@pytest.fixture
async def memory_bus() -> AsyncIterator[Bus]:
    bus = create_bus("memory://")
    await bus.connect()
    yield bus
    await bus.disconnect()


@pytest.fixture
def settings(make_settings: Callable[..., Settings], db: Database) -> Settings:
    return make_settings(DATABASE_URL=db.url, RESERVATION_TIMEOUT_SECONDS="30")


@pytest.fixture
def hub(settings: Settings, db: Database, memory_bus: Bus) -> Hub:
    make_queue(db, "support", is_default=True)
    return Hub(settings, db, memory_bus)


@pytest.fixture
async def router(hub: Hub) -> AsyncIterator[Router]:
    router = Router(hub)
    yield router
    await router.stop()


class Listener:
    """Reads the bus the way an agent desktop does, with a timeout on every wait."""

    def __init__(self, events: AsyncIterator[BusEvent]) -> None:
        self.events = events
        self.seen: list[BusEvent] = []

    async def next(self, type_: str, **match: Any) -> BusEvent:
        async def find() -> BusEvent:
            while True:
                event = await anext(self.events)
                self.seen.append(event)
                if event.type == type_ and all(event.data.get(k) == v for k, v in match.items()):
                    return event

        return await asyncio.wait_for(find(), TIMEOUT)


@pytest.fixture
async def listener(memory_bus: Bus) -> AsyncIterator[Listener]:
    async with memory_bus.subscribe() as subscription:
        yield Listener(aiter(subscription))


def offers(listener: Listener) -> list[tuple[int, int]]:
    return [(e.data["interaction"]["id"], e.data["agent_id"]) for e in listener.seen if e.type == "offer"]


async def test_a_queued_contact_is_offered_to_an_available_agent(
    db: Database, router: Router, listener: Listener
) -> None:
    agent = make_agent(db)
    waiting = queued_chat(db, body="Where is my parcel?", email="ann@example.com").interaction

    assert await router.route_once() == 1

    offer = await listener.next("offer")
    assert offer.data["agent_id"] == agent.id
    assert offer.data["interaction"]["id"] == waiting.id
    assert offer.data["interaction"]["status"] == "offered"
    # The bus offer names the interaction only: the desktop reads the customer's context
    # and timeline when the offer reaches it (tests/integration/test_chat_loop.py).
    assert "context" not in offer.data and offer.data["pos"] >= 1
    stored = reload(db, waiting.id)  # type: ignore[arg-type]
    assert (stored.status, stored.agent_id) == ("offered", agent.id)


async def test_nothing_is_offered_to_agents_who_are_away_offline_or_silent(
    db: Database, router: Router, listener: Listener
) -> None:
    make_agent(db, presence="away")
    make_agent(db, presence="offline")
    silent = make_agent(db, presence="available", heartbeat_age=60)
    waiting = queued_chat(db).interaction

    assert await router.route_once() == 0

    assert reload(db, waiting.id).status == "queued"  # type: ignore[arg-type]
    await listener.next("agent.presence", agent_id=silent.id, presence="offline")
    assert reload_agent(db, silent.id).presence == "offline"  # type: ignore[arg-type]
    position = await listener.next("queue.position", interaction_id=waiting.id)
    assert (position.data["position"], position.data["estimated_wait_seconds"]) == (1, -1)
    assert offers(listener) == []


async def test_an_agent_whose_desktop_vanished_loses_their_contacts_to_a_colleague(
    db: Database, router: Router, listener: Listener
) -> None:
    gone = make_agent(db)
    colleague = make_agent(db)
    held = active_with(db, gone)
    age_heartbeat(db, gone.id, seconds=60)  # type: ignore[arg-type]

    assert await router.route_once() == 1

    await listener.next("interaction.updated", reason="agent disconnected")
    offer = await listener.next("offer")
    assert (offer.data["interaction"]["id"], offer.data["agent_id"]) == (held.id, colleague.id)


async def test_an_offer_not_accepted_in_time_goes_to_the_next_agent(
    make_settings: Callable[..., Settings], db: Database, memory_bus: Bus, listener: Listener
) -> None:
    settings = make_settings(
        DATABASE_URL=db.url, RESERVATION_TIMEOUT_SECONDS="0.3", ROUTER_TICK_SECONDS="0.05"
    )
    make_queue(db, "support", is_default=True)
    first = make_agent(db)
    second = make_agent(db)
    waiting = queued_chat(db).interaction
    router = Router(Hub(settings, db, memory_bus))
    await router.start()
    try:
        initial = await listener.next("offer")
        await listener.next("interaction.updated", reason="reservation timed out")
        reoffer = await listener.next("offer")
    finally:
        await router.stop()

    assert initial.data["agent_id"] == first.id
    assert (reoffer.data["interaction"]["id"], reoffer.data["agent_id"]) == (waiting.id, second.id)
    assert reload(db, waiting.id).declined_by == [first.id]  # type: ignore[arg-type]


async def test_a_rejected_offer_goes_to_the_next_agent(
    db: Database, hub: Hub, router: Router, listener: Listener
) -> None:
    first = make_agent(db)
    second = make_agent(db)
    waiting = queued_chat(db).interaction
    await router.route_once()
    assert (await listener.next("offer")).data["agent_id"] == first.id

    await hub.reject(first, waiting.id)  # type: ignore[arg-type]
    await router.route_once()

    assert (await listener.next("offer")).data["agent_id"] == second.id


async def test_a_contact_transferred_to_a_named_agent_is_offered_to_them_only(
    db: Database, hub: Hub, router: Router, listener: Listener
) -> None:
    holder = make_agent(db)
    idle = make_agent(db)  # never assigned: the longest idle, yet not the one named
    named = make_agent(db)
    active = active_with(db, holder)
    await hub.transfer(holder, active.id, to_agent_id=named.id)  # type: ignore[arg-type]

    await router.route_once()

    # active_with() claimed it for the holder first; that offer is on the bus too.
    offer = await listener.next("offer", agent_id=named.id)
    assert (offer.data["interaction"]["id"], offer.data["agent_id"]) == (active.id, named.id)
    assert idle.id not in {a for _, a in offers(listener)}


async def test_a_contact_transferred_to_a_queue_does_not_bounce_back_to_the_transferring_agent(
    db: Database, hub: Hub, router: Router, listener: Listener
) -> None:
    billing = make_queue(db, "billing")
    colleague = make_agent(db)
    holder = make_agent(db)
    active = active_with(db, holder)
    offered_to(db, colleague)  # the colleague was assigned more recently than the holder

    await hub.transfer(holder, active.id, to_queue_id=billing.id)  # type: ignore[arg-type]
    transferred_at = int(await hub.settled())
    await router.route_once()

    offer = await listener.next("offer")
    # The factories' own claims are on the bus too; the offer that counts comes after the transfer.
    while offer.data["interaction"]["id"] != active.id or offer.data["pos"] <= transferred_at:
        offer = await listener.next("offer")
    assert (offer.data["interaction"]["id"], offer.data["agent_id"]) == (active.id, colleague.id)


async def test_a_returning_customer_is_offered_to_the_agent_who_served_them_last(
    db: Database, router: Router, listener: Listener
) -> None:
    code = make_wrapup_code(db)
    familiar = make_agent(db)
    make_agent(db)  # never assigned: the longest-idle choice
    earlier = active_with(db, familiar, visitor="visitor-ann")
    lifecycle.close(db, earlier.id, familiar.id, code)  # type: ignore[arg-type]
    returning = queued_chat(db, visitor="visitor-ann").interaction

    await router.route_once()

    assert (await listener.next("offer")).data["agent_id"] == familiar.id
    assert reload(db, returning.id).agent_id == familiar.id  # type: ignore[arg-type]


async def test_routing_respects_capacity_across_passes(
    db: Database, router: Router, listener: Listener
) -> None:
    agent = make_agent(db, capacity={"chat": 2})
    contacts = [queued_chat(db).interaction for _ in range(4)]

    assert await router.route_once() == 2
    assert await router.route_once() == 0

    statuses = [reload(db, c.id).status for c in contacts]  # type: ignore[arg-type]
    assert statuses == ["offered", "offered", "queued", "queued"]
    assert len(queries.agent_holdings(db, agent.id)) == 2  # type: ignore[arg-type]


async def test_one_contact_whose_claim_fails_does_not_block_the_others(
    db: Database, router: Router, listener: Listener, monkeypatch: pytest.MonkeyPatch
) -> None:
    agent = make_agent(db)
    poisoned = queued_chat(db).interaction  # waited longest: first in line every pass
    healthy = queued_chat(db).interaction
    real_claim = lifecycle.claim

    def claim(db: Database, interaction_id: int, *args: Any, **kwargs: Any) -> Any:
        if interaction_id == poisoned.id:
            raise RuntimeError(f"corrupt row {interaction_id}")
        return real_claim(db, interaction_id, *args, **kwargs)

    monkeypatch.setattr(lifecycle, "claim", claim)

    assert await router.route_once() == 1

    offer = await listener.next("offer")
    assert (offer.data["interaction"]["id"], offer.data["agent_id"]) == (healthy.id, agent.id)
    assert reload(db, poisoned.id).status == "queued"  # type: ignore[arg-type]


async def test_the_loop_keeps_routing_after_a_pass_fails(
    make_settings: Callable[..., Settings],
    db: Database,
    memory_bus: Bus,
    listener: Listener,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = make_settings(DATABASE_URL=db.url, ROUTER_TICK_SECONDS="0.05")
    make_queue(db, "support", is_default=True)
    agent = make_agent(db)
    failures = []
    real_snapshot = routing_queries.routing_snapshot

    def flaky_snapshot(*args: Any, **kwargs: Any) -> Any:
        if len(failures) < 3:
            failures.append(1)
            raise ConnectionError("database went away for a moment")
        return real_snapshot(*args, **kwargs)

    monkeypatch.setattr(routing_queries, "routing_snapshot", flaky_snapshot)
    router = Router(Hub(settings, db, memory_bus))
    await router.start()
    try:
        waiting = queued_chat(db).interaction
        offer = await listener.next("offer")
    finally:
        await router.stop()

    assert len(failures) == 3
    assert (offer.data["interaction"]["id"], offer.data["agent_id"]) == (waiting.id, agent.id)


async def test_a_restarted_router_offers_what_was_waiting_and_what_was_on_offer(
    make_settings: Callable[..., Settings], db: Database
) -> None:
    settings = make_settings(DATABASE_URL=db.url, ROUTER_TICK_SECONDS="0.05")
    make_queue(db, "support", is_default=True)
    first = make_agent(db, capacity={"chat": 1})
    on_offer = offered_to(db, first)
    waiting = [queued_chat(db).interaction for _ in range(2)]
    make_agent(db, capacity={"chat": 3})
    # The node crashes here: its bus and its memory are gone, only the CCR remains.

    node = Database(db.url)
    bus = create_bus("memory://")
    await bus.connect()
    router = Router(Hub(settings, node, bus))
    try:
        async with bus.subscribe() as subscription:
            listener = Listener(aiter(subscription))
            await router.start()
            # The offer committed before the crash is published now too (the outbox).
            expected = {on_offer.id, *(w.id for w in waiting)}
            while not expected <= {i for i, _ in offers(listener)}:
                await listener.next("offer")
    finally:
        await router.stop()
        await bus.disconnect()
        node.dispose()

    offered = {i for i, _ in offers(listener)}
    assert offered == {on_offer.id, *(w.id for w in waiting)}
    for interaction in (on_offer, *waiting):
        assert reload(db, interaction.id).status == "offered"  # type: ignore[arg-type]
