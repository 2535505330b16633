"""Which node runs the router. One at a time, under a lease, with standbys.

memory:// has one node, which always leads. With Redis, the leader renews a key
with a TTL; if it dies, the key expires and a standby takes over within a lease.
Each acquisition draws a fencing token that the claim checks (repository/routing/fencing.py),
so a leader that was paused past its lease cannot assign anything when it resumes.
"""

from __future__ import annotations

import os
import socket
import uuid
from typing import Protocol

import redis.asyncio as aioredis

# Take a free lease and, in the same step, draw the next fencing token.
_ACQUIRE = """
if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return redis.call('incr', KEYS[2])
end
return 0
"""

_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""


class Leadership(Protocol):
    # The fencing token of the current lease (None: a single node needs none). It grows
    # with every acquisition; claims carry it (repository/routing/fencing.py).
    token: int | None
    # How often to renew while leading, and to try while standing by.
    renew_seconds: float

    async def try_lead(self) -> bool:
        """Acquire or renew the lease; True while this node leads."""

    async def resign(self) -> None:
        """Give the lease up so a standby can take over at once."""


class SoleLeader:
    token: int | None = None
    renew_seconds = 3600.0

    async def try_lead(self) -> bool:
        return True

    async def resign(self) -> None:
        return None


class RedisLease:
    def __init__(self, url: str, *, key: str = "cc:router:leader", lease_ms: int = 5000) -> None:
        # Host and pid first, so an operator (or a test) can tell which process leads.
        self.node = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.key = key
        self.lease_ms = lease_ms
        self.token: int | None = None
        # Renew four times a lease: a leader survives a stall of up to 3/4 of a lease.
        self.renew_seconds = lease_ms / 4000
        # A bounded pool that waits for a free connection: a burst of publishes queues
        # briefly instead of failing with MaxConnectionsError after the commit.
        self._redis = aioredis.Redis.from_pool(
            aioredis.BlockingConnectionPool.from_url(
                url, decode_responses=True, max_connections=64, timeout=30
            )
        )

    async def try_lead(self) -> bool:
        token = int(
            await self._redis.eval(_ACQUIRE, 2, self.key, self.key + ":fence", self.node, self.lease_ms)
        )
        if token:
            self.token = token
            return True
        return bool(await self._redis.eval(_RENEW, 1, self.key, self.node, self.lease_ms))

    async def resign(self) -> None:
        if await self._redis.get(self.key) == self.node:
            await self._redis.delete(self.key)
        await self._redis.aclose()


def create_leadership(bus_url: str, lease_seconds: float = 5.0) -> Leadership:
    if bus_url.startswith(("redis://", "rediss://")):
        return RedisLease(bus_url, lease_ms=int(lease_seconds * 1000))
    return SoleLeader()
