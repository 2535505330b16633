"""Routing honours a queue's tier boosts: through the real hub and router, not the pure planner."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from config import Settings
from contact_center.bus import Bus, create_bus
from contact_center.hub import Hub
from contact_center.router import Router
from repository import Database
from repository.core.models import Customer, Interaction, utcnow
from repository.directory import update_queue
from tests.factories import make_agent, make_queue, queued_chat, reload


@pytest.fixture
async def memory_bus() -> AsyncIterator[Bus]:
    bus = create_bus("memory://")
    await bus.connect()
    yield bus
    await bus.disconnect()


@pytest.fixture
async def router(
    make_settings: Callable[..., Settings], db: Database, memory_bus: Bus
) -> AsyncIterator[Router]:
    router = Router(Hub(make_settings(DATABASE_URL=db.url), db, memory_bus))
    yield router
    await router.stop()


def waiting_pair(db: Database) -> tuple[int, int]:
    """A bronze and a platinum customer queued at the same instant; bronze arrived (id) first."""
    bronze = queued_chat(db, email="bronze@example.com").interaction
    platinum = queued_chat(db, email="platinum@example.com").interaction
    same_time = utcnow()
    with db.write() as session:
        for interaction, tier in ((bronze, "bronze"), (platinum, "platinum")):
            row = session.get(Interaction, interaction.id)
            assert row is not None
            row.queued_at = same_time
            customer = session.get(Customer, row.customer_id)
            assert customer is not None
            customer.tier = tier
            session.add_all([row, customer])
    return bronze.id, platinum.id  # type: ignore[return-value]


async def test_a_platinum_customer_waiting_as_long_as_a_bronze_one_is_offered_first(
    db: Database, router: Router
) -> None:
    queue = make_queue(db, "vip", is_default=True)
    update_queue(db, queue.id, tier_boosts={"platinum": 30, "gold": 15})  # type: ignore[arg-type]
    agent = make_agent(db, capacity={"chat": 1})
    bronze, platinum = waiting_pair(db)

    assert await router.route_once() == 1

    assert (reload(db, platinum).status, reload(db, platinum).agent_id) == ("offered", agent.id)
    assert reload(db, bronze).status == "queued"


async def test_without_boosts_the_same_pair_is_served_in_arrival_order(db: Database, router: Router) -> None:
    make_queue(db, "plain", is_default=True)
    make_agent(db, capacity={"chat": 1})
    bronze, platinum = waiting_pair(db)

    assert await router.route_once() == 1

    assert reload(db, bronze).status == "offered"
    assert reload(db, platinum).status == "queued"
