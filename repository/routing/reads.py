"""What the incremental router reads from the CCR: a full picture at start, small refreshes after.

The router keeps waiting contacts and available agents in memory and follows the bus
(docs/architecture.md, "Routing"). It reads everything once when it starts or takes
the lead, and afterwards only the rows an event named, in one query per batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func
from sqlmodel import col, select

from repository.core import routing_queries
from repository.core.models import HOLDING_STATUSES, Event, Interaction, utcnow

if TYPE_CHECKING:
    from collections.abc import Collection

    from repository.core.routing_queries import AgentState, QueuedContact
    from repository.db import Database

# interaction id → (agent id, channel) for everything an agent holds (offered, active, wrap-up).
Holdings = dict[int, tuple[int, str]]


@dataclass
class RoutingRows:
    contacts: list[QueuedContact]
    agents: list[AgentState]
    # Holdings of the agents read (all of them on a full read), so loads are exact.
    holdings: Holdings = field(default_factory=dict)
    # For contacts someone passed on: when they last went back to the queue (reject back-off).
    requeued_at: dict[int, datetime] = field(default_factory=dict)


def full_read(db: Database, grace_seconds: float) -> RoutingRows:
    """Every queued contact, every routable agent and every holding."""
    contacts, agents = routing_queries.routing_snapshot(db, grace_seconds)
    with db.read() as session:
        holdings = _holdings(session, None)
        requeued = _requeued_at(session, [c.interaction_id for c in contacts if c.declined_by])
    for agent in agents:
        agent.load = {}
    return RoutingRows(contacts, agents, holdings, requeued)


def refresh(
    db: Database, contact_ids: Collection[int], agent_ids: Collection[int], grace_seconds: float
) -> RoutingRows:
    """The named contacts still queued, the named agents still routable, and those agents' holdings."""
    cutoff = utcnow() - timedelta(seconds=grace_seconds)
    with db.read() as session:
        contacts = routing_queries.queued_contacts(session, contact_ids)
        agents = routing_queries.routable_agents(session, cutoff, agent_ids)
        holdings = _holdings(session, agent_ids) if agent_ids else {}
        requeued = _requeued_at(session, [c.interaction_id for c in contacts if c.declined_by])
    return RoutingRows(contacts, agents, holdings, requeued)


def _holdings(session: object, agent_ids: Collection[int] | None) -> Holdings:
    stmt = select(Interaction.id, Interaction.agent_id, Interaction.channel).where(
        col(Interaction.status).in_(HOLDING_STATUSES),
        col(Interaction.agent_id).is_not(None),
    )
    if agent_ids is not None:
        stmt = stmt.where(col(Interaction.agent_id).in_(list(agent_ids)))
    return {iid: (agent_id, channel) for iid, agent_id, channel in session.exec(stmt).all()}  # type: ignore[attr-defined]


def _requeued_at(session: object, ids: list[int]) -> dict[int, datetime]:
    """When each contact last went back to the queue (its newest "requeued" status line)."""
    if not ids:
        return {}
    rows = session.exec(  # type: ignore[attr-defined]
        select(Event.interaction_id, func.max(Event.created_at))
        .where(
            col(Event.interaction_id).in_(ids),
            Event.kind == "status",
            Event.body == "requeued",
        )
        .group_by(col(Event.interaction_id))
    ).all()
    return {iid: when for iid, when in rows if when is not None}
