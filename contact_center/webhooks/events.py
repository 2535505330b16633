"""Which bus events become which webhooks, and the key that makes each one happen once.

Keys name the business fact, not the bus message: a close and a later rating both
publish ``interaction.updated`` with status ``closed``, but only one
``interaction.closed`` webhook exists per interaction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from contact_center.bus import BusEvent
from repository.core.models import utcnow

WEBHOOK_EVENTS = (
    "interaction.created",
    "interaction.assigned",
    "interaction.closed",
    "message.created",
    "customer.tier_changed",
    "sla.breached",
)
Mapped = tuple[str, str, dict[str, Any]]  # (webhook type, event key, data)


def _interaction(event: BusEvent) -> Mapped | None:
    data = event.data
    interaction = data.get("interaction") or {}
    iid = interaction.get("id")
    if iid is None:
        return None
    if data.get("created"):
        return "interaction.created", f"created:{iid}", {"interaction": interaction}
    if interaction.get("status") == "active" and "agent_name" in data:
        # A transfer re-assigns: each acceptance is its own fact.
        key = f"assigned:{iid}:{interaction.get('accepted_at')}"
        return "interaction.assigned", key, {"interaction": interaction, "agent_name": data["agent_name"]}
    if interaction.get("status") == "closed":
        return "interaction.closed", f"closed:{iid}", {"interaction": interaction}
    return None


def _message(event: BusEvent) -> Mapped | None:
    stored = event.data.get("event") or {}
    public = event.data.get("public")
    if stored.get("kind") != "message" or public is None:
        return None
    data = {
        "interaction_id": event.data.get("interaction_id"),
        "channel": stored.get("channel"),
        "message": public,
    }
    return "message.created", f"message:{stored.get('id')}", data


def _tier(event: BusEvent) -> Mapped | None:
    data = {k: event.data.get(k) for k in ("customer_id", "old_tier", "new_tier", "churn_risk")}
    return "customer.tier_changed", f"tier:{data['customer_id']}:{event.id}", data


def _sla(event: BusEvent) -> Mapped | None:
    """Only breaches whose policy lists the webhook action (docs/sla.md)."""
    if not event.data.get("webhook"):
        return None
    interaction = event.data.get("interaction") or {}
    target = event.data.get("target")
    data = {"interaction": interaction, "target": target, "due_at": event.data.get("due_at")}
    return "sla.breached", f"sla:{interaction.get('id')}:{target}", data


_MAPPERS: dict[str, Callable[[BusEvent], Mapped | None]] = {
    "interaction.updated": _interaction,
    "interaction.event": _message,
    "customer.tier_changed": _tier,
    "sla.breached": _sla,
}


def webhook_for(event: BusEvent) -> tuple[str, str, dict[str, Any]] | None:
    """(type, key, payload) for a bus event that subscribers may want, else None."""
    mapper = _MAPPERS.get(event.type)
    mapped = mapper(event) if mapper else None
    if mapped is None:
        return None
    kind, key, data = mapped
    return kind, key, {"id": key, "type": kind, "created_at": utcnow().isoformat(), "data": data}
