"""An agent's day drawn as stretches: available, away, offline, and busy on top."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlmodel import select

from contact_center.supervision.data import _presence_at, status_lines
from contact_center.supervision.intervals import clip, holds_from_status_lines, merge, state_spans
from repository.models import Agent, Event, Interaction
from repository.supervision_models import AgentStateChange

if TYPE_CHECKING:
    from repository.db import Database


def agent_timelines(db: Database, start: datetime, end: datetime, now: datetime) -> list[dict[str, Any]]:
    end = min(end, now)
    with db.read() as session:
        agents = session.exec(select(Agent).where(Agent.is_active).order_by(Agent.display_name)).all()  # type: ignore[arg-type]
        changes = session.exec(
            select(AgentStateChange.agent_id, AgentStateChange.at, AgentStateChange.state)
            .where(AgentStateChange.at >= start, AgentStateChange.at < end)  # type: ignore[operator]
            .order_by(AgentStateChange.at, AgentStateChange.id)  # type: ignore[arg-type]
        ).all()
        initial = _presence_at(session, start)
        touched = set(
            session.exec(
                select(Event.interaction_id).where(
                    Event.created_at >= start,  # type: ignore[operator]
                    Event.created_at < end,  # type: ignore[operator]
                    Event.kind.in_(("status", "transfer")),  # type: ignore[attr-defined]
                )
            ).all()
        )
        touched |= set(
            session.exec(
                select(Interaction.id).where(Interaction.status.in_(("offered", "active", "wrapup")))
            ).all()  # type: ignore[attr-defined]
        )
        holds = holds_from_status_lines(status_lines(session, list(touched)))  # type: ignore[arg-type]
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
