"""Plain-dict views of the tables, the shape every API and frame uses."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from repository.core.models import Agent, Customer, Event, Identity, Interaction, Queue


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def customer_dict(customer: Customer, identities: list[Identity] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": customer.id,
        "display_name": customer.display_name,
        "email": customer.email,
        "phone": customer.phone,
        "tier": customer.tier,
        "lifetime_value": customer.lifetime_value,
        "churn_risk": customer.churn_risk,
        "attributes": customer.attributes,
        "created_at": iso(customer.created_at),
    }
    if identities is not None:
        data["identities"] = [{"kind": i.kind, "value": i.value} for i in identities]
    return data


def interaction_dict(interaction: Interaction) -> dict[str, Any]:
    return {
        "id": interaction.id,
        "customer_id": interaction.customer_id,
        "channel": interaction.channel,
        "status": interaction.status,
        "queue_id": interaction.queue_id,
        "agent_id": interaction.agent_id,
        "target_agent_id": interaction.target_agent_id,
        "priority": interaction.priority,
        "subject": interaction.subject,
        "created_at": iso(interaction.created_at),
        "offered_at": iso(interaction.offered_at),
        "accepted_at": iso(interaction.accepted_at),
        "first_response_at": iso(interaction.first_response_at),
        "ended_at": iso(interaction.ended_at),
        "closed_at": iso(interaction.closed_at),
        "reserved_until": iso(interaction.reserved_until),
        "disposition": interaction.disposition,
        "category": interaction.category,
        "pending": interaction.pending_reason,
        "snoozed_until": iso(interaction.snoozed_until),
        "csat_score": interaction.csat_score,
        "sla_status": interaction.sla_status,
        "sla_due_at": iso(interaction.sla_due_at),
        "overflowed_at": iso(interaction.overflowed_at),
    }


def event_dict(event: Event) -> dict[str, Any]:
    return {
        "id": event.id,
        "interaction_id": event.interaction_id,
        "channel": event.channel,
        "kind": event.kind,
        "internal": event.kind == "note",
        "author_type": event.author_type,
        "author_id": event.author_id,
        "author_name": event.author_name,
        "body": event.body,
        "payload": event.payload,
        "delivery_status": event.delivery_status,
        "created_at": iso(event.created_at),
    }


def public_event_dict(event: Event) -> dict[str, Any]:
    """What a customer may see of an event: no notes, no internal ids."""
    return {
        "id": event.id,
        "kind": event.kind,
        "author_type": event.author_type,
        "author_name": event.author_name if event.author_type == "agent" else "",
        "body": event.body,
        "attachments": event.payload.get("attachments", []),
        "created_at": iso(event.created_at),
    }


def agent_dict(agent: Agent) -> dict[str, Any]:
    return {
        "id": agent.id,
        "username": agent.username,
        "display_name": agent.display_name,
        "role": agent.role,
        "skills": agent.skills,
        "skill_levels": dict(agent.skill_levels or {}),
        "capacity": agent.capacity,
        "presence": agent.presence,
        "is_active": agent.is_active,
    }


def queue_dict(queue: Queue) -> dict[str, Any]:
    return {
        "id": queue.id,
        "name": queue.name,
        "description": queue.description,
        "required_skills": queue.required_skills,
        "priority": queue.priority,
        "strategy": queue.strategy,
        "is_default": queue.is_default,
        "tier_boosts": dict(queue.tier_boosts or {}),
        "overflow_queue_id": queue.overflow_queue_id,
        "max_wait_seconds": queue.max_wait_seconds,
        "overflow_when_unstaffed": queue.overflow_when_unstaffed,
        "widened_skills": queue.widened_skills,
        "min_skill_level": queue.min_skill_level,
    }
