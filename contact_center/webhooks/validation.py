"""What a webhook subscription may say: an http(s) URL and known event types."""

from __future__ import annotations

from urllib.parse import urlsplit

from contact_center.i18n import _
from contact_center.webhooks.events import WEBHOOK_EVENTS
from repository.errors import InvalidInput


def check_url(url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 2000 or parts.username:
        raise InvalidInput(_("A webhook URL is an http or https address without credentials."), field="url")
    return url


def check_events(events: list[str]) -> list[str]:
    unknown = [e for e in events if e not in WEBHOOK_EVENTS and e != "*"]
    if unknown or not events:
        raise InvalidInput(
            _("Webhook events are one or more of: %(events)s.", events=", ".join(("*", *WEBHOOK_EVENTS))),
            field="events",
        )
    return sorted(set(events))
