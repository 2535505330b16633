"""Which node runs the router. One at a time, under a lease, with standbys.

memory:// has one node, which always leads. With Redis, the leader renews a key
with a TTL; if it dies, the key expires and a standby takes over within a lease.
"""

from __future__ import annotations

import uuid
from typing import Protocol

import redis.asyncio as aioredis

_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""


class Leadership(Protocol):
    async def try_lead(self) -> bool:
        """Acquire or renew the lease; True while this node leads."""

    async def resign(self) -> None:
        """Give the lease up so a standby can take over at once."""


class SoleLeader:
    async def try_lead(self) -> bool:
        return True

    async def resign(self) -> None:
        return None


class RedisLease:
    def __init__(self, url: str, *, key: str = "cc:router:leader", lease_ms: int = 5000) -> None:
        self.node = uuid.uuid4().hex
        self.key = key
        self.lease_ms = lease_ms
        # A bounded pool that waits for a free connection: a burst of publishes queues
        # briefly instead of failing with MaxConnectionsError after the commit.
        self._redis = aioredis.Redis.from_pool(
            aioredis.BlockingConnectionPool.from_url(
                url, decode_responses=True, max_connections=64, timeout=30
            )
        )

    async def try_lead(self) -> bool:
        if await self._redis.set(self.key, self.node, nx=True, px=self.lease_ms):
            return True
        return bool(await self._redis.eval(_RENEW, 1, self.key, self.node, self.lease_ms))

    async def resign(self) -> None:
        if await self._redis.get(self.key) == self.node:
            await self._redis.delete(self.key)
        await self._redis.aclose()


def create_leadership(bus_url: str) -> Leadership:
    if bus_url.startswith(("redis://", "rediss://")):
        return RedisLease(bus_url)
    return SoleLeader()
