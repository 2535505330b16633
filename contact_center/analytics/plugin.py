"""Mounts the analytics schedule into the app's lifespan."""

from __future__ import annotations

from contact_center.analytics.scheduler import AnalyticsScheduler
from contact_center.context import AppContext, Plugin


def plugin(ctx: AppContext) -> Plugin:
    scheduler = AnalyticsScheduler(ctx)
    return Plugin(on_startup=[scheduler.start], on_shutdown=[scheduler.stop])
