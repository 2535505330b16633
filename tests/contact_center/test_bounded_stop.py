"""A shutdown step that never ends is abandoned, named in the log, and shutdown goes on."""

from __future__ import annotations

import asyncio
import logging

import pytest

from contact_center.aio import bounded_stop


async def test_a_stuck_step_is_abandoned_and_named(caplog: pytest.LogCaptureFixture) -> None:
    stuck = asyncio.Event()

    async def stop_that_hangs() -> None:
        await stuck.wait()  # nobody sets it: the bug a bounded stop must survive

    async def loop_that_ignores_cancel() -> None:
        await asyncio.Event().wait()

    bystander = asyncio.create_task(loop_that_ignores_cancel(), name="stuck-loop")
    with caplog.at_level(logging.ERROR, logger="contact_center.aio"):
        async with asyncio.timeout(5):
            await bounded_stop("router", stop_that_hangs, timeout=0.2)
    bystander.cancel()
    message = caplog.records[-1].getMessage()
    assert "router did not finish" in message
    assert "stuck-loop" in message


async def test_a_prompt_step_logs_nothing(caplog: pytest.LogCaptureFixture) -> None:
    done: list[str] = []

    async def stop() -> None:
        done.append("stopped")

    with caplog.at_level(logging.ERROR, logger="contact_center.aio"):
        await bounded_stop("hub", stop, timeout=1)
    assert done == ["stopped"]
    assert not caplog.records
