"""Wakes pending and snoozed conversations: when the customer answers or the snooze ends.

Every node runs one loop; each wake is a conditional UPDATE, so only one node wins and
publishes ``interaction.updated`` (reason ``customer answered`` or ``snooze ended``),
which brings the conversation back to its agent's desk. See docs/pending.md.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from contact_center.aio import raise_if_cancelled, stop_tasks
from repository.core import pending
from repository.core.serialize import interaction_dict

if TYPE_CHECKING:
    from contact_center.context import AppContext, Plugin

log = logging.getLogger(__name__)
TICK_SECONDS = 2.0


class Waker:
    def __init__(self, ctx: AppContext, tick: float = TICK_SECONDS) -> None:
        self.ctx = ctx
        self.tick = tick
        self._task: asyncio.Task[None] | None = None

    async def wake_due(self) -> int:
        """One pass; how many conversations came back."""
        woken = 0
        for interaction_id, reason in await self.ctx.hub.db.run(pending.due):
            interaction = await self.ctx.hub.db.run(pending.resume, interaction_id)
            if interaction is None:
                continue  # another node (or the agent) was first
            woken += 1
            await self.ctx.hub.publish(
                {
                    "type": "interaction.updated",
                    "interaction": interaction_dict(interaction),
                    "reason": reason,
                }
            )
        return woken

    async def _run(self) -> None:
        while True:
            raise_if_cancelled()
            try:
                await self.wake_due()
            except Exception:
                log.exception("waking pending conversations failed; the next pass retries")
            await asyncio.sleep(self.tick)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="pending-waker")

    async def stop(self) -> None:
        await stop_tasks(self._task)


def plugin(ctx: AppContext) -> Plugin:
    from contact_center.context import Plugin

    waker = Waker(ctx)
    ctx._pending_waker = waker  # type: ignore[attr-defined]
    return Plugin(on_startup=[waker.start], on_shutdown=[waker.stop])
