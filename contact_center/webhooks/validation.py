"""What a webhook subscription may say: a public http(s) URL and known event types."""

from __future__ import annotations

from urllib.parse import urlsplit

from contact_center.i18n import _
from contact_center.webhooks.events import WEBHOOK_EVENTS
from contact_center.webhooks.targets import refused_host
from repository.errors import InvalidInput


def check_url(url: str, *, allow_private: bool = False) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 2000 or parts.username:
        raise InvalidInput(_("A webhook URL is an http or https address without credentials."), field="url")
    try:
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number from 0 to 65535
    except ValueError:
        raise InvalidInput(
            _("A webhook URL is an http or https address without credentials."), field="url"
        ) from None
    # Names are resolved (and checked again) at every delivery; this catches the obvious ones now.
    if not allow_private and refused_host(parts.hostname):
        raise InvalidInput(
            _(
                "Webhooks may not point at loopback, private or link-local addresses "
                "(set WEBHOOK_ALLOW_PRIVATE_TARGETS=true to allow them)."
            ),
            field="url",
        )
    return url


def check_events(events: list[str]) -> list[str]:
    unknown = [e for e in events if e not in WEBHOOK_EVENTS and e != "*"]
    if unknown or not events:
        raise InvalidInput(
            _("Webhook events are one or more of: %(events)s.", events=", ".join(("*", *WEBHOOK_EVENTS))),
            field="events",
        )
    return sorted(set(events))
