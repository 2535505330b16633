"""Small asyncio helpers the long-running loops share.

``wait_event`` replaces ``asyncio.wait_for(event.wait(), timeout)``. On Python 3.11,
``wait_for`` can swallow a cancellation that arrives just as the awaited future
completes (CPython gh-86296, fixed in 3.12): the task then keeps looping while its
owner waits for it to end, and shutdown hangs forever. ``asyncio.timeout`` does not
have that flaw.
"""

from __future__ import annotations

import asyncio


async def wait_event(event: asyncio.Event, timeout: float) -> None:
    """Wait until ``event`` is set; raise TimeoutError after ``timeout`` seconds."""
    async with asyncio.timeout(timeout):
        await event.wait()
