"""A loop whose cancellation a library swallowed still stops when asked.

redis-py sends every command through ``asyncio.wait_for``, which on Python 3.11 can
return the command's result instead of raising the task's CancelledError (CPython
gh-86296). CI once hung for 15 minutes in a test's teardown on exactly that: the bus
reader's cancel was lost inside XREAD, the reader kept polling Redis, and
``disconnect()`` waited for it forever. These tests swallow the cancel the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import pytest

from contact_center.aio import raise_if_cancelled, stop_tasks
from contact_center.bus.redis import RedisBus


async def swallowing(inner: Any) -> Any:
    """What wait_for does on 3.11 when the cancel lands as ``inner`` completes."""
    task = asyncio.ensure_future(inner)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        return await task


async def test_a_loop_ends_even_when_its_cancel_was_swallowed() -> None:
    rounds = 0

    async def loop() -> None:
        nonlocal rounds
        while True:
            raise_if_cancelled()
            rounds += 1
            await swallowing(asyncio.sleep(0.01))

    task = asyncio.create_task(loop())
    await asyncio.sleep(0.05)
    task.cancel()
    async with asyncio.timeout(2):
        with pytest.raises(asyncio.CancelledError):
            await task
    assert task.cancelled()


async def test_a_timeout_that_expired_is_not_mistaken_for_a_cancel() -> None:
    async def loop() -> int:
        rounds = 0
        for _ in range(3):
            raise_if_cancelled()
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(0.01):
                    await asyncio.Event().wait()
            rounds += 1
        return rounds

    assert await loop() == 3


@pytest.mark.redis
async def test_the_redis_bus_disconnects_though_xread_swallowed_the_cancel(redis_url: str) -> None:
    import uuid

    bus = RedisBus(redis_url, stream=f"cc:test:{uuid.uuid4().hex}")
    await bus.connect()
    real_xread = bus.client.xread

    async def xread_like_redis_py_on_311(*args: Any, **kwargs: Any) -> Any:
        return await swallowing(real_xread(*args, **kwargs))

    bus.client.xread = xread_like_redis_py_on_311  # type: ignore[method-assign]
    await asyncio.sleep(0.2)  # the reader is inside a blocking XREAD now
    async with asyncio.timeout(5):
        await bus.disconnect()


async def test_stop_tasks_ends_a_task_that_swallowed_its_first_cancel_deep_inside() -> None:
    # The dispatcher's shape: a cancel lost in one await, then a wait on a queue that
    # never gets anything. The loop-head check never runs again; only a repeated cancel helps.
    queue: asyncio.Queue[int] = asyncio.Queue()
    entered = asyncio.Event()

    async def reader() -> None:
        entered.set()
        await swallowing(asyncio.sleep(0.05))
        await queue.get()

    task = asyncio.create_task(reader(), name="reader")
    await entered.wait()
    async with asyncio.timeout(5):
        await stop_tasks(task)
    assert task.cancelled()


async def test_stop_tasks_gives_up_on_a_task_that_never_ends_and_names_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    released = asyncio.Event()

    async def stubborn() -> None:
        while not released.is_set():
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.sleep(0.05)

    task = asyncio.create_task(stubborn(), name="stubborn-loop")
    await asyncio.sleep(0)
    with caplog.at_level(logging.ERROR, logger="contact_center.aio"):
        async with asyncio.timeout(5):
            await stop_tasks(task, timeout=0.3)
    assert "stubborn-loop did not stop" in caplog.records[-1].getMessage()
    assert not task.done()
    released.set()
    await task
