"""A leader that lost its lease while paused assigns nothing when it resumes (fencing token).

Two routers share one store and one Redis lease. The first leads, then stops renewing
(as a process frozen by SIGSTOP would); the second takes the lease with a newer token
and writes it to the store. When the first resumes with the plan it had, every claim
it makes is refused in the claim's own transaction.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable

import pytest

from config import Settings
from contact_center.bus import create_bus
from contact_center.coordination import RedisLease
from contact_center.hub import Hub
from contact_center.router import Router
from repository import Database
from repository.core import lifecycle
from repository.directory import set_presence
from repository.routing import fencing
from tests.factories import make_agent, make_queue, queued_chat, reload

LEASE_MS = 300


@pytest.fixture
async def two_routers(
    make_settings: Callable[..., Settings], db: Database, redis_url: str
) -> AsyncIterator[tuple[Router, Router]]:
    make_queue(db, "support", is_default=True)
    settings = make_settings(DATABASE_URL=db.url)
    key = f"cc:test:leader:{uuid.uuid4().hex}"
    routers, buses = [], []
    for _ in range(2):
        bus = create_bus("memory://")
        await bus.connect()
        buses.append(bus)
        routers.append(Router(Hub(settings, db, bus), RedisLease(redis_url, key=key, lease_ms=LEASE_MS)))
    yield routers[0], routers[1]
    for router in routers:
        await router.stop()
    for bus in buses:
        await bus.disconnect()


async def lead(router: Router) -> None:
    async def poll() -> None:
        while not await router.leadership.try_lead():
            await asyncio.sleep(LEASE_MS / 10_000)

    await asyncio.wait_for(poll(), 5)
    router._new_lead = True  # what the lease loop does on a new lease


@pytest.mark.redis
async def test_a_resumed_old_leader_claims_nothing_once_a_new_leader_holds_the_lease(
    db: Database, two_routers: tuple[Router, Router]
) -> None:
    old, new = two_routers
    agent = make_agent(db, presence="away")
    waiting = queued_chat(db).interaction
    await lead(old)
    assert await old.route_once() == 0  # leads (nobody available yet): its token is the store's
    # Frozen: it stops renewing. The standby takes over after the lease and writes its token.
    await lead(new)
    assert new.leadership.token > old.leadership.token  # type: ignore[operator]
    assert await new.route_once() == 0
    set_presence(db, agent.id, "available")  # type: ignore[arg-type]
    for router in (old, new):
        router.state.built = False  # both learn it (from the bus, in a running node)

    # Resumed, the old leader still believes it leads and routes with its old token.
    assert await old.route_once() == 0

    assert reload(db, waiting.id).status == "queued"  # type: ignore[arg-type]
    assert await new.route_once() == 1
    assert reload(db, waiting.id).agent_id == agent.id  # type: ignore[arg-type]


def test_a_claim_with_a_superseded_token_is_refused_and_the_newest_token_wins(db: Database) -> None:
    make_queue(db, "support", is_default=True)
    agent = make_agent(db)
    waiting = queued_chat(db).interaction
    assert fencing.advance(db, 7) == 7
    assert fencing.advance(db, 5) == 7  # a token never goes back

    stale = lifecycle.claim(db, waiting.id, agent.id, reserve_seconds=30, defaults={}, fence=6)  # type: ignore[arg-type]
    current = lifecycle.claim(db, waiting.id, agent.id, reserve_seconds=30, defaults={}, fence=7)  # type: ignore[arg-type]

    assert stale is None
    assert current is not None and current.agent_id == agent.id
