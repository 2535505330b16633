"""Typed bus events and their audience (topics). Built inside the transaction they describe.

Every event names who it concerns with topics, so each node hands it only to the
sockets and loops that registered one of them, never to every connection:

- ``interaction:<id>``: desktops holding, offered or viewing it; the visitor's widget
- ``agent:<id>``: that agent's desktops
- ``agents``: every desktop (presence list)
- ``visitor:<id>``: that visitor's widgets (chat thread key = visitor id)
- ``queue:<id>``: whoever watches a queue
- ``supervisors``: the supervisor feed

Long-running loops (router, webhooks, presence, calls) follow every event ("*").
docs/events.md lists every type and its payload.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from repository.core.serialize import event_dict, interaction_dict, public_event_dict

if TYPE_CHECKING:
    from repository.core.models import Event, Interaction

# Not kept in the outbox: typing and viewing are live hints, a queue position is
# recomputed and re-sent by the router. Lost during a bus outage, harmless.
EPHEMERAL = frozenset({"typing", "viewer", "queue.position"})


def _interaction_topics(interaction: dict[str, Any]) -> list[str]:
    topics = [f"interaction:{interaction['id']}", f"queue:{interaction.get('queue_id')}", "supervisors"]
    if interaction.get("agent_id") is not None:
        topics.append(f"agent:{interaction['agent_id']}")
    if interaction.get("channel") == "chat" and interaction.get("thread_key"):
        topics.append(f"visitor:{interaction['thread_key']}")
    return topics


def topics_for(data: dict[str, Any]) -> list[str]:
    """The audience of an event, from its type and payload (one rule for every producer)."""
    kind = data.get("type")
    iid = data.get("interaction_id")
    if kind == "interaction.updated":
        topics = _interaction_topics(data["interaction"])
        if data.get("previous_agent_id") is not None:
            topics.append(f"agent:{data['previous_agent_id']}")
        return topics
    if kind == "offer":
        return [f"agent:{data['agent_id']}", f"interaction:{data['interaction']['id']}", "supervisors"]
    if kind in ("agent.presence", "agent.signed_out", "agent.notice"):
        return [f"agent:{data['agent_id']}", "agents", "supervisors"]
    if kind == "supervision.changed":
        return ["supervisors"]
    topics = [f"interaction:{iid}"] if iid is not None else []
    if kind == "interaction.event" and data.get("public") and data.get("visitor"):
        topics.append(f"visitor:{data['visitor']}")
    if kind == "queue.position" and data.get("queue_id") is not None:
        topics.append(f"queue:{data['queue_id']}")
    if kind == "viewer":
        topics.append("viewers")  # each node's viewer registry, which need not wake for anything else
    return topics


class BusMessage:
    """A typed event: ``type`` plus a JSON payload, and the topics it is addressed to."""

    type: ClassVar[str]

    def payload(self) -> dict[str, Any]:
        raise NotImplementedError

    def as_dict(self) -> dict[str, Any]:
        return {"type": self.type, **self.payload()}

    def topics(self) -> list[str]:
        return topics_for(self.as_dict())


@dataclass(frozen=True)
class InteractionUpdated(BusMessage):
    """An interaction's state changed; ``extra`` says why (reason, previous_agent_id, …)."""

    type: ClassVar[str] = "interaction.updated"
    interaction: Interaction
    extra: dict[str, Any] = field(default_factory=dict)

    def payload(self) -> dict[str, Any]:
        return {"interaction": interaction_dict(self.interaction), **self.extra}


@dataclass(frozen=True)
class InteractionEvent(BusMessage):
    """A CCR event was added to an interaction's timeline (message, note, status line)."""

    type: ClassVar[str] = "interaction.event"
    event: Event
    interaction: Interaction

    def payload(self) -> dict[str, Any]:
        chat = self.interaction.channel == "chat"
        return {
            "interaction_id": self.interaction.id,
            "agent_id": self.interaction.agent_id,
            "event": event_dict(self.event),
            "public": public_event_dict(self.event) if self.event.kind != "note" else None,
            "visitor": self.interaction.thread_key if chat else None,
        }


@dataclass(frozen=True)
class EventUpdated(BusMessage):
    """A stored event changed (an outbound message's delivery status, a call card)."""

    type: ClassVar[str] = "interaction.event_updated"
    event: Event
    interaction: Interaction

    def payload(self) -> dict[str, Any]:
        return {
            "interaction_id": self.interaction.id,
            "agent_id": self.interaction.agent_id,
            "event": event_dict(self.event),
        }


@dataclass(frozen=True)
class Offer(BusMessage):
    """The router reserved an interaction for an agent; the desktop reads the timeline itself."""

    type: ClassVar[str] = "offer"
    interaction: Interaction

    def payload(self) -> dict[str, Any]:
        return {"agent_id": self.interaction.agent_id, "interaction": interaction_dict(self.interaction)}


@dataclass(frozen=True)
class AgentPresence(BusMessage):
    type: ClassVar[str] = "agent.presence"
    agent_id: int
    presence: str

    def payload(self) -> dict[str, Any]:
        return {"agent_id": self.agent_id, "presence": self.presence}
