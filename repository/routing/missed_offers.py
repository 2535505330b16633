"""An agent who lets offers time out again and again is set Away, as TaskRouter does.

Without this, one agent online and ignoring the desk holds every chat forever: the
offer times out, comes back to them after the back-off, and the customer keeps
reading "number 1 · about 1 minute". The router counts consecutive timeouts per
agent (an accept or going available again resets it) and calls this at the limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from repository.core.models import Agent, utcnow
from repository.events import outbox
from repository.events.bus import AgentPresence, BusMessage
from repository.supervision.models import record_state_change

if TYPE_CHECKING:
    from repository.db import Database


@dataclass(frozen=True)
class AgentNotice(BusMessage):
    """Something the router did to an agent, for their desk to say plainly."""

    type: ClassVar[str] = "agent.notice"
    agent_id: int
    code: str
    count: int | None = None

    def payload(self) -> dict[str, Any]:
        return {"agent_id": self.agent_id, "code": self.code, "count": self.count}


def away_after_missed_offers(db: Database, agent_id: int, missed: int) -> bool:
    """Set an available agent Away and tell their desk why; False if they were not available."""
    with db.write() as session:
        agent = session.get(Agent, agent_id)
        if agent is None or agent.presence != "available":
            return False
        agent.presence = "away"
        agent.presence_since = utcnow()
        session.add(agent)
        record_state_change(session, agent_id, "away", "missed_offers", agent.presence_since)
        outbox.emit(session, AgentPresence(agent_id, "away"))
        outbox.emit(session, AgentNotice(agent_id, "missed_offers", missed))
        return True
