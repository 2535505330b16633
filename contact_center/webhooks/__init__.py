"""Signed outbound webhooks (docs/webhooks.md)."""

from __future__ import annotations

from contact_center.webhooks.events import WEBHOOK_EVENTS, webhook_for
from contact_center.webhooks.service import WebhookService, encode
from contact_center.webhooks.signing import HEADER, sign, verify

__all__ = ["HEADER", "WEBHOOK_EVENTS", "WebhookService", "encode", "sign", "verify", "webhook_for"]
