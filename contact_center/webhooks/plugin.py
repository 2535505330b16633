"""Mounts the webhook recorder and sender into the app's lifespan."""

from __future__ import annotations

from contact_center.context import AppContext, Plugin
from contact_center.webhooks.service import WebhookService


def plugin(ctx: AppContext) -> Plugin:
    service = WebhookService(ctx)
    return Plugin(on_startup=[service.start], on_shutdown=[service.stop])
