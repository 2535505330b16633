"""Small asyncio helpers the long-running loops share.

``wait_event`` replaces ``asyncio.wait_for(event.wait(), timeout)``. On Python 3.11,
``wait_for`` can swallow a cancellation that arrives just as the awaited future
completes (CPython gh-86296, fixed in 3.12): the task then keeps looping while its
owner waits for it to end, and shutdown hangs forever. ``asyncio.timeout`` does not
have that flaw.

Libraries still use ``wait_for`` inside (redis-py sends every command through it), so a
loop that calls them can lose its cancellation the same way. Every long-running loop
therefore starts each round with ``raise_if_cancelled()``: a task whose cancel was
swallowed still counts it (``Task.cancelling()``), and the loop ends as it was asked to.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger(__name__)
CANCEL_REPEAT_SECONDS = 0.5


def raise_if_cancelled() -> None:
    """Raise CancelledError if this task was asked to stop, even if a library swallowed it."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


async def stop_tasks(*tasks: asyncio.Task[Any] | None, timeout: float = 10.0) -> None:
    """Cancel ``tasks`` and wait until each has ended; the one way loops are stopped.

    A cancel can be lost on its way into a task: ``asyncio.wait_for`` on 3.11 (above),
    or a wait for a worker thread that is shielded from cancellation. The task then
    runs on while its owner waits forever (a CI run hung 15 minutes in a test teardown
    on the bus dispatcher this way). So the cancel is repeated until the task ends;
    after ``timeout`` it is left running, with an error naming it.
    """
    pending = {task for task in tasks if task is not None and not task.done()}
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while pending:
        remaining = deadline - loop.time()
        if remaining <= 0:
            log.error(
                "shutdown: %s did not stop in %.0f s", ", ".join(t.get_name() for t in pending), timeout
            )
            return
        for running in pending:
            running.cancel()
        _, pending = await asyncio.wait(pending, timeout=min(CANCEL_REPEAT_SECONDS, remaining))
    for ended in tasks:
        if ended is not None and ended.done() and not ended.cancelled() and ended.exception() is not None:
            log.warning("%s had failed before it was stopped: %r", ended.get_name(), ended.exception())


async def wait_event(event: asyncio.Event, timeout: float) -> None:
    """Wait until ``event`` is set; raise TimeoutError after ``timeout`` seconds."""
    async with asyncio.timeout(timeout):
        await event.wait()


async def bounded_stop(name: str, stop: Callable[[], Awaitable[object]], timeout: float = 10.0) -> None:
    """Run one shutdown step, but never let it hold shutdown forever.

    A step that overruns is abandoned with an error naming it and the stacks of the
    tasks still running, so the stuck loop can be found from the log instead of a
    node (or a test run) that never exits.
    """
    try:
        async with asyncio.timeout(timeout):
            await stop()
    except TimeoutError:
        stacks = []
        for task in asyncio.all_tasks():
            if task is asyncio.current_task() or task.done():
                continue
            frames = task.get_stack(limit=6)
            where = " <- ".join(f"{f.f_code.co_name}:{f.f_lineno}" for f in reversed(frames))
            stacks.append(f"{task.get_name()}: {where}")
        log.error(
            "shutdown: %s did not finish in %.0f s; going on without it. Tasks still running:\n%s",
            name,
            timeout,
            "\n".join(stacks) or "(none)",
        )
    except Exception:
        log.exception("shutdown: %s failed; going on", name)
