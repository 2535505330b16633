"""Where one waiting contact stands right now, for a customer who just (re)connected.

The router pushes positions as they change; this answers the same question on
demand, with the same ordering and estimate, so a reloaded widget is never blank.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from contact_center.routing import estimate_wait, queue_positions
from repository.core import routing_queries
from repository.core.models import utcnow

if TYPE_CHECKING:
    from contact_center.hub import Hub


async def current_wait(hub: Hub, interaction_id: int) -> dict[str, Any] | None:
    """{"position", "estimated_wait_seconds"} for a queued interaction, else None."""
    grace = hub.settings.agent_disconnect_grace_seconds
    queued, agents = await hub.db.run(routing_queries.routing_snapshot, grace)
    positions = queue_positions(queued, utcnow())
    if interaction_id not in positions:
        return None
    queue_id, position = positions[interaction_id]
    contact = next(q for q in queued if q.interaction_id == interaction_id)
    handle = await hub.db.run(routing_queries.average_handle_seconds, queue_id)
    wait = estimate_wait(contact, position, agents, handle, hub.channels.capacity)
    return {"position": position, "estimated_wait_seconds": wait}
