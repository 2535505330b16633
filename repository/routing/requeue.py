"""Work that must go back to the queue because nobody is there to do it.

Offers not accepted in time, agents whose desktop vanished, and offers outstanding
when a single node restarts. Each is found cheaply first (most router passes find
nothing) and then moved with the same conditional updates as every other transition.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlmodel import col, select

from repository.core.lifecycle import back_to_queue
from repository.core.models import Agent, Interaction, utcnow
from repository.supervision.models import record_state_change

if TYPE_CHECKING:
    from datetime import datetime

    from repository.db import Database


def expire_reservations(db: Database, now: datetime | None = None) -> list[tuple[Interaction, int]]:
    """Send offers nobody accepted in time back to the queue. Returns (interaction, agent)."""
    now = now or utcnow()
    expired: list[tuple[Interaction, int]] = []
    with db.read() as session:
        due = select(Interaction.id).where(
            col(Interaction.status) == "offered", col(Interaction.reserved_until) < now
        )
        if session.exec(due.limit(1)).first() is None:
            return expired
    with db.write() as session:
        stale = session.exec(
            select(Interaction).where(
                col(Interaction.status) == "offered", col(Interaction.reserved_until) < now
            )
        ).all()
        for interaction in stale:
            agent_id = interaction.agent_id
            requeued = back_to_queue(
                session, interaction, {"status": "offered", "agent_id": agent_id}, "reservation timed out"
            )
            if requeued is not None and agent_id is not None:
                expired.append((requeued, agent_id))
    return expired


def _stale_agents_query(cutoff: datetime) -> Any:
    """Agents whose desktop stopped beating and who are still marked present or hold work."""
    holds_work = (
        select(Interaction.id)
        .where(
            Interaction.agent_id == Agent.id,
            col(Interaction.status).in_(("offered", "active")),
        )
        .exists()
    )
    return select(Agent).where(
        col(Agent.last_heartbeat).is_(None) | (col(Agent.last_heartbeat) < cutoff),
        (col(Agent.presence) != "offline") | holds_work,
    )


def release_disconnected_agents(db: Database, grace_seconds: float) -> list[tuple[int, list[Interaction]]]:
    """Mark agents whose desktop vanished offline and requeue what they held."""
    cutoff = utcnow() - timedelta(seconds=grace_seconds)
    with db.read() as session:
        # Most passes find nobody: check cheaply before taking the write lock.
        if session.exec(_stale_agents_query(cutoff).limit(1)).first() is None:
            return []
    released: list[tuple[int, list[Interaction]]] = []
    with db.write() as session:
        for agent in session.exec(_stale_agents_query(cutoff)).all():
            if agent.presence != "offline":
                agent.presence = "offline"
                agent.presence_since = utcnow()
                session.add(agent)
                record_state_change(session, agent.id, "offline", "disconnected", agent.presence_since)
            held = session.exec(
                select(Interaction).where(
                    Interaction.agent_id == agent.id,
                    col(Interaction.status).in_(("offered", "active")),
                )
            ).all()
            requeued = []
            for interaction in held:
                back = back_to_queue(
                    session,
                    interaction,
                    {"status": interaction.status, "agent_id": agent.id},
                    "agent disconnected",
                )
                if back is not None:
                    requeued.append(back)
            released.append((agent.id, requeued))
    return released


def release_all_reservations(db: Database) -> list[tuple[Interaction, int]]:
    """On a single node's start-up, no agent can still be looking at an offer.

    Returns (requeued interaction, agent it had been offered to). That agent did not
    decline, so they may be offered it again at once.
    """
    released: list[tuple[Interaction, int]] = []
    with db.write() as session:
        for interaction in session.exec(select(Interaction).where(Interaction.status == "offered")).all():
            agent_id = interaction.agent_id
            back = back_to_queue(
                session, interaction, {"status": "offered"}, "server restarted", declined=False
            )
            if back is not None and agent_id is not None:
                released.append((back, agent_id))
    return released
