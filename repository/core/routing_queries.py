"""What the router reads from the CCR: queued contacts, routable agents and their loads.

``QueuedContact`` and ``AgentState`` are the router's in-memory rows; the queries here
fill them with only the columns routing reads, in a handful of statements, because the
router runs them on every full pass. Kept apart from the agent- and visitor-facing
reads (repository/core/queries.py, repository/core/customer_context.py), whose callers
and costs are unrelated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func
from sqlmodel import col, select

from repository.core.models import HOLDING_STATUSES, Agent, Customer, Interaction, Queue, utcnow

if TYPE_CHECKING:
    from collections.abc import Collection

    from repository.db import Database

DEFAULT_HANDLE_SECONDS = 180.0


@dataclass
class QueuedContact:
    interaction_id: int
    customer_id: int
    channel: str
    queue_id: int
    queue_priority: int
    required_skills: list[str]
    strategy: str
    customer_tier: str
    queued_at: datetime
    offered_at: datetime | None
    declined_by: list[int]
    target_agent_id: int | None
    last_agent_id: int | None = None
    # The queue's routing points per customer tier (Queue.tier_boosts).
    tier_boosts: dict[str, int] = field(default_factory=dict)
    # When it last went back to the queue after someone passed it on (reject back-off).
    requeued_at: datetime | None = None
    # Agents at this level in every required skill are preferred (Queue.min_skill_level).
    min_skill_level: int = 0


@dataclass
class AgentState:
    agent_id: int
    name: str
    skills: set[str]
    capacity: dict[str, int]
    load: dict[str, int] = field(default_factory=dict)
    last_assigned_at: datetime | None = None
    # Level per skill (Agent.skill_levels); a skill missing here counts as DEFAULT_SKILL_LEVEL.
    levels: dict[str, int] = field(default_factory=dict)

    def free(self, channel: str, defaults: dict[str, int]) -> int:
        return self.capacity.get(channel, defaults.get(channel, 1)) - self.load.get(channel, 0)


def routing_snapshot(
    db: Database, heartbeat_grace_seconds: float
) -> tuple[list[QueuedContact], list[AgentState]]:
    """Every queued contact and every agent that may take work right now."""
    cutoff = utcnow() - timedelta(seconds=heartbeat_grace_seconds)
    with db.read() as session:
        queued = queued_contacts(session)
        states = {a.agent_id: a for a in routable_agents(session, cutoff)}
        if states:
            loads = session.exec(
                select(Interaction.agent_id, Interaction.channel, func.count())
                .where(
                    col(Interaction.agent_id).in_(list(states)),
                    col(Interaction.status).in_(HOLDING_STATUSES),
                )
                .group_by(col(Interaction.agent_id), col(Interaction.channel))
            ).all()
            for agent_id, channel, count in loads:
                if agent_id is not None:  # always: the query asks for these agents only
                    states[agent_id].load[channel] = count
    return queued, list(states.values())


def queued_contacts(session: Any, ids: Collection[int] | None = None) -> list[QueuedContact]:
    """Queued contacts (all, or those of ``ids`` still queued), oldest first, with sticky agents."""
    # Only the columns routing reads: building full ORM objects for thousands of waiting
    # contacts cost ~4x as much.
    stmt = (
        select(  # type: ignore[call-overload, misc]
            Interaction.id,
            Interaction.customer_id,
            Interaction.channel,
            Queue.id,
            Interaction.priority,
            Queue.required_skills,
            Queue.strategy,
            Customer.tier,
            Interaction.queued_at,
            Interaction.offered_at,
            Interaction.declined_by,
            Interaction.target_agent_id,
            Queue.tier_boosts,
            Queue.min_skill_level,
            Interaction.skills_widened,
            Queue.widened_skills,
        )
        .join(Queue, Queue.id == Interaction.queue_id)
        .join(Customer, Customer.id == Interaction.customer_id)
        .where(Interaction.status == "queued")
        .order_by(Interaction.queued_at)
    )
    if ids is not None:
        if not ids:
            return []
        stmt = stmt.where(col(Interaction.id).in_(list(ids)))
    queued = [
        QueuedContact(
            interaction_id=row[0],
            customer_id=row[1],
            channel=row[2],
            queue_id=row[3],
            queue_priority=row[4],
            # A contact that overflowed in place needs only the queue's widened skills.
            required_skills=list((row[15] if row[14] and row[15] is not None else row[5]) or []),
            strategy=row[6],
            customer_tier=row[7],
            queued_at=row[8],
            offered_at=row[9],
            declined_by=list(row[10] or []),
            target_agent_id=row[11],
            tier_boosts=dict(row[12] or {}),
            min_skill_level=int(row[13] or 0),
        )
        for row in session.exec(stmt).all()
    ]
    if queued:
        _attach_last_agents(session, queued)
    return queued


def routable_agents(session: Any, cutoff: datetime, ids: Collection[int] | None = None) -> list[AgentState]:
    """Active, available agents with a heartbeat after ``cutoff`` (loads left empty)."""
    stmt = select(Agent).where(
        Agent.is_active,
        Agent.presence == "available",
        col(Agent.last_heartbeat) >= cutoff,
    )
    if ids is not None:
        if not ids:
            return []
        stmt = stmt.where(col(Agent.id).in_(list(ids)))
    return [
        AgentState(
            a.id,
            a.display_name,
            set(a.skills),
            dict(a.capacity),
            {},
            a.last_assigned_at,
            dict(a.skill_levels or {}),
        )
        for a in session.exec(stmt).all()
    ]


def _attach_last_agents(session: Any, queued: list[QueuedContact]) -> None:
    """The agent who last served each waiting customer, for sticky routing."""
    customer_ids = {q.customer_id for q in queued}
    rows = session.exec(
        select(Interaction.customer_id, Interaction.agent_id, Interaction.accepted_at)
        .where(
            col(Interaction.customer_id).in_(customer_ids),
            col(Interaction.accepted_at).is_not(None),
            col(Interaction.agent_id).is_not(None),
        )
        .order_by(col(Interaction.accepted_at))
    ).all()
    last = {customer_id: agent_id for customer_id, agent_id, _ in rows}
    for q in queued:
        q.last_agent_id = last.get(q.customer_id)


def average_handle_seconds(db: Database, queue_id: int, window_hours: int = 24) -> float:
    """Mean accepted→ended time of the queue's recent contacts, for wait estimates."""
    since = utcnow() - timedelta(hours=window_hours)
    with db.read() as session:
        rows = session.exec(
            select(Interaction.accepted_at, Interaction.ended_at).where(
                Interaction.queue_id == queue_id,
                col(Interaction.accepted_at).is_not(None),
                col(Interaction.ended_at).is_not(None),
                col(Interaction.ended_at) >= since,
            )
        ).all()
    spans = [(ended - accepted).total_seconds() for accepted, ended in rows if ended and accepted]
    return sum(spans) / len(spans) if spans else DEFAULT_HANDLE_SECONDS
