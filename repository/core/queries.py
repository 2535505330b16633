"""Read-side queries about single interactions: their events, who holds them, what is live.

The desk, the web chat and reports read one interaction (or one agent's holdings) at a
time through these. What the router reads is in repository/core/routing_queries.py and
the customer context agents see in repository/core/customer_context.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlmodel import col, select

from repository.core.models import HOLDING_STATUSES, Agent, Customer, Event, Interaction
from repository.core.serialize import event_dict, interaction_dict

if TYPE_CHECKING:
    from repository.db import Database

__all__ = [
    "agent_holdings",
    "agent_name",
    "interaction_events",
    "interaction_with_events",
    "latest_interaction",
    "latest_status_event",
    "live_interactions",
]


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
