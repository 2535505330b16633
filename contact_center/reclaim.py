"""Taking back what agents no longer hold, at the start of every routing pass.

Two ways a contact goes back to its queue without anyone deciding it: an offer that
nobody accepted before its reservation ran out, and the live work of an agent whose
desktop stopped beating for longer than the grace period. Each requeue is published
and folded straight into the router's memory (the pass routes it next, without waiting
for the bus echo). Offers an agent lets time out are counted; at the configured limit
the agent is set Away, so the router stops offering to an empty chair.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from contact_center import metrics
from repository.core.serialize import interaction_dict
from repository.routing import requeue
from repository.routing.missed_offers import away_after_missed_offers

if TYPE_CHECKING:
    from contact_center.hub import Hub
    from contact_center.routing_state import RoutingState
    from repository.core.models import Interaction


class Reclaim:
    def __init__(self, hub: Hub, state: RoutingState) -> None:
        self.hub = hub
        self.state = state
        self.settings = hub.settings

    async def run(self) -> None:
        """Requeue expired reservations and the work of agents whose desktop is gone."""
        hub, state = self.hub, self.state
        for interaction, agent_id in await hub.db.run(requeue.expire_reservations):
            metrics.REQUEUES.labels(reason="timeout").inc()
            await self._requeued(interaction, agent_id, "reservation timed out")
            await self._missed(agent_id)
        released = await hub.db.run(
            requeue.release_disconnected_agents, self.settings.agent_disconnect_grace_seconds
        )
        for agent_id, held in released:
            presence = {"type": "agent.presence", "agent_id": agent_id, "presence": "offline"}
            await hub.publish(presence)
            state.apply(presence)
            for interaction in held:
                metrics.REQUEUES.labels(reason="disconnect").inc()
                await self._requeued(interaction, agent_id, "agent disconnected")
        if released:
            # Relayed before this pass's queue positions, which go straight to the bus.
            await hub.settled()

    async def _missed(self, agent_id: int) -> None:
        """Count an offer the agent let time out; at the limit, set them Away."""
        missed = self.state.missed.get(agent_id, 0) + 1
        self.state.missed[agent_id] = missed
        limit = self.settings.missed_offers_before_away
        if limit <= 0 or missed < limit:
            return
        del self.state.missed[agent_id]
        if await self.hub.db.run(away_after_missed_offers, agent_id, missed):
            self.hub.committed()
            self.state.apply({"type": "agent.presence", "agent_id": agent_id, "presence": "away"})

    async def _requeued(self, interaction: Interaction, agent_id: int, reason: str) -> None:
        await self.hub.publish_requeued(interaction, agent_id, reason)
        # Our own memory must not wait for the bus echo: this pass routes it next.
        self.state.apply(
            {
                "type": "interaction.updated",
                "interaction": interaction_dict(interaction),
                "previous_agent_id": agent_id,
                "reason": reason,
            }
        )
