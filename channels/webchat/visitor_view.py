"""What a visitor sees of their conversation, kept current from the bus.

The widget shows three states (waiting, connected, ended), the agent's name once
someone answered, and each public message once: those already in the welcome's
history are not sent again live. ``frame_for`` turns one bus event into the frame
the visitor's socket sends, or None when the event is not theirs to see.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from contact_center.bus import BusEvent
    from contact_center.frames import Frame
    from repository.core.models import Interaction


class ConversationView:
    def __init__(self) -> None:
        self.interaction: Interaction | None = None
        self.agent_name = ""
        # Message ids the welcome's history already showed: not sent again live.
        self.shown: set[int] = set()

    def conversation(self) -> dict[str, Any] | None:
        i = self.interaction
        if i is None:
            return None
        return {
            "id": i.id,
            "status": visitor_status(i),
            "agent_name": self.agent_name if i.agent_id is not None else "",
            "rated": i.csat_score is not None,
            # The widget offers a rating only for a chat an agent actually answered.
            "answered": i.accepted_at is not None,
        }

    async def frame_for(self, event: BusEvent) -> Frame | None:
        frame = self._translate(event)
        if frame is not None and frame["type"] == "message" and frame["event"].get("id") in self.shown:
            return None  # already in the welcome's history
        return frame

    def _translate(self, event: BusEvent) -> Frame | None:
        data = event.data
        current = self.interaction.id if self.interaction else None
        kind = event.type
        if kind == "interaction.updated":
            interaction = data["interaction"]
            if interaction["id"] != current or self.interaction is None:
                return None
            if interaction["agent_id"] != self.interaction.agent_id:
                self.agent_name = ""
            if data.get("agent_name"):
                self.agent_name = data["agent_name"]
            self.interaction.status = interaction["status"]
            self.interaction.agent_id = interaction["agent_id"]
            self.interaction.csat_score = interaction["csat_score"]
            if interaction.get("accepted_at"):
                self.interaction.accepted_at = datetime.fromisoformat(interaction["accepted_at"])
            return {"type": "status", "conversation": self.conversation()}
        if data.get("interaction_id") != current:
            return None
        if kind == "interaction.event" and data.get("public"):
            public = data["public"]
            if public["kind"] != "message":
                return None
            return {"type": "message", "event": public}
        if (
            kind == "typing"
            and data.get("who") == "agent"
            and self.interaction is not None
            and data.get("agent_id") == self.interaction.agent_id
        ):
            return {"type": "typing", "name": data.get("name", ""), "state": bool(data.get("state"))}
        if kind == "queue.position":
            return {
                "type": "queue",
                "position": data["position"],
                "estimated_wait_seconds": data["estimated_wait_seconds"],
            }
        return None


def visitor_status(interaction: Interaction) -> str:
    """The customer's view of the status: waiting, connected or ended."""
    if interaction.status in ("queued", "offered"):
        return "waiting"
    if interaction.status == "active":
        return "connected"
    return "ended"
