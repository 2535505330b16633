"""An agent's day drawn as stretches: available, away, offline, and busy on top."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlmodel import col, select

from contact_center.supervision.data import presence_at
from contact_center.supervision.intervals import clip, holds_from_status_lines, merge, state_spans
from contact_center.supervision.status_source import status_lines
from repository.core.models import Agent, Event, Interaction
from repository.supervision.models import AgentStateChange

if TYPE_CHECKING:
    from repository.db import Database


def agent_timelines(db: Database, start: datetime, end: datetime, now: datetime) -> list[dict[str, Any]]:
    end = min(end, now)
    with db.read() as session:
        agents = session.exec(select(Agent).where(Agent.is_active).order_by(Agent.display_name)).all()
        changes = session.exec(
            select(AgentStateChange.agent_id, AgentStateChange.at, AgentStateChange.state)
            .where(AgentStateChange.at >= start, AgentStateChange.at < end)
            .order_by(col(AgentStateChange.at), col(AgentStateChange.id))
        ).all()
        initial = presence_at(session, start)
        touched = set(
            session.exec(
                select(Event.interaction_id).where(
                    Event.created_at >= start,
                    Event.created_at < end,
                    col(Event.kind).in_(("status", "transfer")),
                )
            ).all()
        )
        live = select(Interaction.id).where(col(Interaction.status).in_(("offered", "active", "wrapup")))
        touched |= {i for i in session.exec(live).all() if i is not None}  # stored rows have ids
        holds = holds_from_status_lines(status_lines(session, list(touched)))
    by_agent: dict[int, list[tuple[datetime, str]]] = {}
    for agent_id, at, state in changes:
        by_agent.setdefault(agent_id, []).append((at, state))
    out = []
    for a in agents:
        spans = state_spans(by_agent.get(a.id, []), initial.get(a.id, "offline"), start, end)  # type: ignore[arg-type]
        busy = merge(clip([(h.start, h.end or now) for h in holds if h.agent_id == a.id], start, end))
        out.append(
            {
                "id": a.id,
                "name": a.display_name,
                "states": [{"from": s.isoformat(), "to": e.isoformat(), "state": st} for s, e, st in spans],
                "busy": [{"from": s.isoformat(), "to": e.isoformat()} for s, e in busy],
            }
        )
    return out
