"""After a restart, the disconnect grace period counts from when the server came back.

While the server was down it could not hear any desktop, so an old heartbeat says
nothing about whether the agent left. Without this, every agent would look
disconnected for the whole outage, and the first routing pass after an outage longer
than AGENT_DISCONNECT_GRACE_SECONDS would set them Offline and requeue their chats
while their desktops were still trying to reconnect (docs/architecture.md, "What a
restart does").
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from sqlmodel import col, func, select

from repository.core.models import Agent, Interaction, utcnow

if TYPE_CHECKING:
    from repository.db import Database


def restart_grace(db: Database, grace_seconds: float) -> list[int]:
    """Count the agents who were connected when the server stopped as seen now.

    "Connected when it stopped" means a heartbeat within the grace period of the newest
    heartbeat of anyone (the last moment the server heard desktops), for an agent still
    present or holding work. Returns their ids. Whoever does not come back is still
    released, one grace period after the start instead of at once; whoever had already
    gone before the stop is not given more time.
    """
    now = utcnow()
    holds_work = (
        select(Interaction.id)
        .where(col(Interaction.agent_id) == col(Agent.id), col(Interaction.status).in_(("offered", "active")))
        .exists()
    )
    with db.write() as session:
        last_heard = session.exec(select(func.max(Agent.last_heartbeat))).first()
        if last_heard is None:
            return []
        cutoff = last_heard - timedelta(seconds=grace_seconds)
        agents = session.exec(
            select(Agent).where(
                col(Agent.last_heartbeat) >= cutoff,
                (col(Agent.presence) != "offline") | holds_work,
            )
        ).all()
        for agent in agents:
            agent.last_heartbeat = now
            session.add(agent)
        return [agent.id for agent in agents if agent.id is not None]
