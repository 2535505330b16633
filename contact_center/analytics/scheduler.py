"""Recompute analytics on a schedule (leader node only) and on demand; announce tier moves.

A tier change is published as ``customer.tier_changed`` after the write commits, so
webhooks and desktops hear only what the CCR holds. One recompute runs at a time per
node; on several nodes only the router's leader runs the schedule, and an on-demand
recompute elsewhere just does the same deterministic work again.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from typing import TYPE_CHECKING

from anyio import to_thread

from contact_center.aio import raise_if_cancelled, stop_tasks
from contact_center.analytics.config import AnalyticsConfig
from contact_center.analytics.recompute import RecomputeReport, recompute

if TYPE_CHECKING:
    from contact_center.context import AppContext
    from contact_center.hub import Hub
    from repository.commerce.analytics import TierChange

log = logging.getLogger(__name__)
_locks: weakref.WeakKeyDictionary[Hub, asyncio.Lock] = weakref.WeakKeyDictionary()


async def announce(hub: Hub, changes: list[TierChange]) -> None:
    for change in changes:
        await hub.publish(
            {
                "type": "customer.tier_changed",
                "customer_id": change.customer_id,
                "old_tier": change.old_tier,
                "new_tier": change.new_tier,
                "churn_risk": change.churn_risk,
            }
        )


async def recompute_and_announce(hub: Hub, config: AnalyticsConfig | None = None) -> RecomputeReport:
    """Recompute now (waiting for one already running on this node), then announce."""
    config = config or AnalyticsConfig.from_settings(hub.settings)
    lock = _locks.setdefault(hub, asyncio.Lock())
    async with lock:
        report: RecomputeReport = await to_thread.run_sync(recompute, hub.db, config)
    await announce(hub, report.changes)
    log.info("analytics recomputed: %s", report.as_dict())
    return report


class AnalyticsScheduler:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.interval = ctx.settings.analytics_interval_seconds
        # Fail at start-up, not an hour later, when the tier or basis settings are wrong.
        self.config = AnalyticsConfig.from_settings(ctx.settings)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self.interval > 0:
            self._task = asyncio.create_task(self._run(), name="analytics-scheduler")

    async def stop(self) -> None:
        await stop_tasks(self._task)

    async def _run(self) -> None:
        while True:
            raise_if_cancelled()
            await asyncio.sleep(self.interval)
            try:
                if await self.ctx.router.leadership.try_lead():
                    await recompute_and_announce(self.ctx.hub, self.config)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("scheduled analytics recompute failed; the next one retries")
