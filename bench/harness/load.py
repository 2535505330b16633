"""Open-loop load: messages leave on a fixed schedule, whatever the server answers."""

from __future__ import annotations

import asyncio
import time
from contextlib import suppress
from typing import Any

from websockets.asyncio.client import ClientConnection


async def drain(ws: ClientConnection) -> None:
    with suppress(Exception):
        async for _ in ws:
            pass


async def open_loop(rate: float, seconds: float, send: Any) -> int:
    """Call ``send(n)`` on a fixed schedule, ``rate`` per second, whatever the answers do."""
    started = time.perf_counter()
    n = 0
    while time.perf_counter() - started < seconds:
        asyncio.ensure_future(send(n))
        n += 1
        await asyncio.sleep(max(0.0, started + n / rate - time.perf_counter()))
    return n
