"""Router coordination: with Redis exactly one node leads at a time; a standby takes over."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable

import pytest

from contact_center.coordination import RedisLease, SoleLeader, create_leadership

TIMEOUT = 5.0
LEASE_MS = 300


@pytest.fixture
async def make_lease(redis_url: str) -> AsyncIterator[Callable[[], RedisLease]]:
    key = f"cc:test:leader:{uuid.uuid4().hex}"
    leases: list[RedisLease] = []

    def make() -> RedisLease:
        lease = RedisLease(redis_url, key=key, lease_ms=LEASE_MS)
        leases.append(lease)
        return lease

    yield make
    for lease in leases:
        await lease.resign()  # idempotent; closes the lease's connection


async def until_leads(lease: RedisLease) -> None:
    async def poll() -> None:
        while not await lease.try_lead():
            await asyncio.sleep(LEASE_MS / 10_000)

    await asyncio.wait_for(poll(), TIMEOUT)


@pytest.mark.redis
async def test_only_one_of_two_nodes_leads(make_lease: Callable[[], RedisLease]) -> None:
    first, second = make_lease(), make_lease()

    assert await first.try_lead() is True
    assert await second.try_lead() is False
    # Renewing keeps the lead; the standby keeps standing by.
    for _ in range(3):
        assert await first.try_lead() is True
        assert await second.try_lead() is False


@pytest.mark.redis
async def test_when_many_nodes_race_for_a_free_lease_exactly_one_wins(
    make_lease: Callable[[], RedisLease],
) -> None:
    nodes = [make_lease() for _ in range(8)]

    results = await asyncio.gather(*(node.try_lead() for node in nodes))

    assert results.count(True) == 1


@pytest.mark.redis
async def test_after_the_leader_resigns_the_standby_takes_over_at_once(
    make_lease: Callable[[], RedisLease],
) -> None:
    leader, standby = make_lease(), make_lease()
    assert await leader.try_lead()

    await leader.resign()

    assert await standby.try_lead() is True


@pytest.mark.redis
async def test_when_the_leader_stops_renewing_the_standby_takes_over_after_the_ttl(
    make_lease: Callable[[], RedisLease],
) -> None:
    crashed, standby = make_lease(), make_lease()
    assert await crashed.try_lead()
    assert await standby.try_lead() is False

    loop = asyncio.get_running_loop()
    started = loop.time()
    await until_leads(standby)  # the "crashed" node never renews again

    assert loop.time() - started >= LEASE_MS / 1000 * 0.5
    # The old leader, coming back, finds the lease taken and does not lead.
    assert await crashed.try_lead() is False
    assert await standby.try_lead() is True


@pytest.mark.redis
async def test_resigning_a_lease_one_does_not_hold_leaves_the_leader_alone(
    make_lease: Callable[[], RedisLease],
) -> None:
    leader, standby, observer = make_lease(), make_lease(), make_lease()
    assert await leader.try_lead()

    await standby.resign()

    assert await observer.try_lead() is False
    assert await leader.try_lead() is True


async def test_a_single_node_always_leads() -> None:
    sole = SoleLeader()

    assert [await sole.try_lead() for _ in range(3)] == [True, True, True]
    await sole.resign()
    assert await sole.try_lead() is True


@pytest.mark.redis
async def test_the_bus_url_decides_how_leadership_works(redis_url: str) -> None:
    assert isinstance(create_leadership("memory://"), SoleLeader)
    lease = create_leadership(redis_url)
    assert isinstance(lease, RedisLease)
    await lease.resign()
