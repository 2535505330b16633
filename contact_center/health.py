"""The node's own health for /healthz, answered within a second whatever is down.

A frozen Redis (SIGSTOP) or a database that stopped answering must not hang the
health check: each probe gets ``PROBE_SECONDS`` and counts as down when it runs out,
so a load balancer hears 503, naming the part, within a second.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from anyio import to_thread

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from contact_center.bus import Bus
    from repository import Database

log = logging.getLogger(__name__)
PROBE_SECONDS = 0.7


async def bounded(probe: Callable[[], Awaitable[Any]], default: Any) -> Any:
    """``probe()``, or ``default`` if it raises or takes longer than PROBE_SECONDS."""
    try:
        async with asyncio.timeout(PROBE_SECONDS):
            return await probe()
    except Exception:
        return default


async def node_checks(db: Database, bus: Bus) -> dict[str, bool]:
    """{"database": ok, "bus": ok}, probed concurrently, each bounded."""

    async def database() -> bool:
        # A thread cannot be interrupted; abandoning it lets the answer go out on time.
        return bool(await to_thread.run_sync(_db_ok, db, abandon_on_cancel=True))

    async def ping() -> bool:
        return bool(await bus.ping())

    db_ok, bus_ok = await asyncio.gather(bounded(database, False), bounded(ping, False))
    return {"database": db_ok, "bus": bus_ok}


def _db_ok(db: Database) -> bool:
    from sqlalchemy import text

    try:
        with db.read() as session:
            session.exec(text("SELECT 1"))  # type: ignore[call-overload]
        return True
    except Exception:
        log.exception("health check: database unreachable")
        return False
