"""Read-side queries: what the router needs, and the customer context agents see."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func
from sqlmodel import col, select

from repository.commerce.analytics import commerce_context
from repository.core.models import (
    HOLDING_STATUSES,
    Agent,
    Customer,
    Event,
    Identity,
    Interaction,
    Queue,
    utcnow,
)
from repository.core.serialize import customer_dict, event_dict, interaction_dict, iso

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


def customer_context(db: Database, customer_id: int, timeline_limit: int = 25) -> dict[str, Any]:
    """Who the customer is, what they are worth, and every past contact on every channel."""
    with db.read() as session:
        customer = session.get(Customer, customer_id)
        if customer is None:
            return {}
        identities = list(session.exec(select(Identity).where(Identity.customer_id == customer_id)).all())
        interactions = session.exec(
            select(Interaction)
            .where(Interaction.customer_id == customer_id)
            .order_by(col(Interaction.created_at).desc())
            .limit(timeline_limit)
        ).all()
        timeline = []
        for interaction in interactions:
            last = session.exec(
                select(Event)
                .where(Event.interaction_id == interaction.id, Event.kind == "message")
                .order_by(col(Event.id).desc())
                .limit(1)
            ).first()
            entry = interaction_dict(interaction)
            entry["last_message"] = last.body[:200] if last else ""
            entry["last_message_at"] = iso(last.created_at) if last else None
            timeline.append(entry)
        commerce = commerce_context(session, customer_id)
    return {
        "customer": customer_dict(customer, identities),
        "value": {
            "tier": customer.tier,
            "lifetime_value": customer.lifetime_value,
            "churn_risk": customer.churn_risk,
        },
        "timeline": timeline,
        "suggestions": suggestions_for(customer, list(interactions)),
        # analytics (tier, RFM, churn flag and reasons), orders (last five), offers (rules)
        **commerce,
    }


def suggestions_for(customer: Customer, interactions: list[Interaction]) -> list[str]:
    """Plain rules over the CCR; the analytics module refines them with purchase data."""
    tips: list[str] = []
    if customer.churn_risk >= 0.6:
        tips.append("High churn risk: acknowledge past issues and consider a retention offer.")
    if customer.tier in ("gold", "platinum"):
        tips.append(f"{customer.tier.title()} customer: prioritise a first-contact resolution.")
    ended = [i for i in interactions if i.status == "closed"]
    recent = [i for i in ended if i.closed_at and utcnow() - i.closed_at < timedelta(days=7)]
    if len(recent) >= 2:
        tips.append(f"Contacted us {len(recent)} times this week: check whether the last issue was solved.")
    rated = [i.csat_score for i in ended if i.csat_score is not None]
    if rated and rated[0] <= 2:
        tips.append("Rated their last conversation poorly: apologise and follow up.")
    channels = {i.channel for i in interactions}
    if len(channels) > 1:
        tips.append("Reaches us on several channels: " + ", ".join(sorted(channels)) + ".")
    return tips


def interaction_events(db: Database, interaction_id: int, *, include_internal: bool) -> list[Event]:
    with db.read() as session:
        stmt = select(Event).where(Event.interaction_id == interaction_id)
        if not include_internal:
            stmt = stmt.where(Event.kind != "note")
        return list(session.exec(stmt.order_by(col(Event.id))).all())


def agent_holdings(db: Database, agent_id: int) -> list[Interaction]:
    with db.read() as session:
        return list(
            session.exec(
                select(Interaction)
                .where(col(Interaction.agent_id) == agent_id, col(Interaction.status).in_(HOLDING_STATUSES))
                .order_by(col(Interaction.id))
            ).all()
        )


def interaction_with_events(
    db: Database, interaction_id: int, *, include_internal: bool = True
) -> dict[str, Any]:
    with db.read() as session:
        interaction = session.get(Interaction, interaction_id)
    if interaction is None:
        return {}
    data = interaction_dict(interaction)
    data["events"] = [
        event_dict(e) for e in interaction_events(db, interaction_id, include_internal=include_internal)
    ]
    return data


def latest_interaction(db: Database, channel: str, thread_key: str) -> Interaction | None:
    """The newest interaction of a thread, whatever its status."""
    with db.read() as session:
        return session.exec(
            select(Interaction)
            .where(Interaction.channel == channel, Interaction.thread_key == thread_key)
            .order_by(col(Interaction.id).desc())
            .limit(1)
        ).first()


def agent_name(db: Database, agent_id: int | None) -> str:
    if agent_id is None:
        return ""
    with db.read() as session:
        agent = session.get(Agent, agent_id)
    return agent.display_name if agent else ""


def live_interactions(db: Database, limit: int = 200) -> list[dict[str, Any]]:
    """Queued, offered and active interactions with who they are with, newest first."""
    with db.read() as session:
        rows = session.exec(
            select(Interaction, Customer)
            .join(Customer, col(Customer.id) == col(Interaction.customer_id))
            .where(col(Interaction.status).in_(("queued", "offered", "active")))
            .order_by(col(Interaction.id).desc())
            .limit(limit)
        ).all()
        names = {a.id: a.display_name for a in session.exec(select(Agent)).all()}
    return [
        {**interaction_dict(i), "customer_name": c.display_name, "agent_name": names.get(i.agent_id, "")}
        for i, c in rows
    ]


def latest_status_event(db: Database, interaction_id: int) -> Event | None:
    """The newest status or transfer line of an interaction's timeline."""
    with db.read() as session:
        return session.exec(
            select(Event)
            .where(col(Event.interaction_id) == interaction_id, col(Event.kind).in_(("status", "transfer")))
            .order_by(col(Event.id).desc())
            .limit(1)
        ).first()
