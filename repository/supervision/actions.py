"""What a supervisor changes: service-level settings, reassigning waiting contacts, signing
an agent out, and the audit log every such action writes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlmodel import col, select

from repository.core.lifecycle import back_to_queue, transition
from repository.core.models import Agent, Interaction, Queue
from repository.errors import Conflict, InvalidInput, NotFound
from repository.supervision.models import SL_FORMULAS, QueueServiceLevel, SupervisorAction

if TYPE_CHECKING:
    from repository.db import Database


def audit(
    db: Database,
    supervisor_id: int,
    action: str,
    *,
    interaction_id: int | None = None,
    agent_id: int | None = None,
    queue_id: int | None = None,
    **detail: Any,
) -> SupervisorAction:
    row = SupervisorAction(
        supervisor_id=supervisor_id,
        action=action,
        interaction_id=interaction_id,
        agent_id=agent_id,
        queue_id=queue_id,
        detail=detail,
    )
    with db.write() as session:
        session.add(row)
    return row


def audit_log(db: Database, limit: int = 100) -> list[SupervisorAction]:
    with db.read() as session:
        stmt = select(SupervisorAction).order_by(col(SupervisorAction.id).desc()).limit(limit)
        return list(session.exec(stmt).all())


def set_service_level(
    db: Database,
    queue_id: int,
    *,
    threshold_seconds: int,
    target_percent: float,
    formula: str,
    short_abandon_seconds: int,
) -> QueueServiceLevel:
    if formula not in SL_FORMULAS:
        raise InvalidInput(
            "formula must be one of %(choices)s", params={"choices": ", ".join(SL_FORMULAS)}, field="formula"
        )
    if not isinstance(threshold_seconds, int) or not 1 <= threshold_seconds <= 86_400:
        raise InvalidInput("the threshold is 1 to 86400 seconds", field="threshold_seconds")
    if not 1 <= float(target_percent) <= 100:
        raise InvalidInput("the target is 1 to 100 percent", field="target_percent")
    if not isinstance(short_abandon_seconds, int) or not 0 <= short_abandon_seconds <= 3600:
        raise InvalidInput("the short-abandon threshold is 0 to 3600 seconds", field="short_abandon_seconds")
    with db.write() as session:
        if session.get(Queue, queue_id) is None:
            raise NotFound("no such queue", queue_id=queue_id)
        row = session.get(QueueServiceLevel, queue_id) or QueueServiceLevel(queue_id=queue_id)
        row.threshold_seconds = threshold_seconds
        row.target_percent = float(target_percent)
        row.formula = formula
        row.short_abandon_seconds = short_abandon_seconds
        session.add(row)
        return row


def reassign_waiting(
    db: Database, interaction_id: int, supervisor_id: int, *, to_queue_id: int | None, to_agent_id: int | None
) -> Interaction:
    """Move a contact nobody holds yet to another queue, or earmark it for one agent."""
    if (to_queue_id is None) == (to_agent_id is None):
        raise InvalidInput("reassign to exactly one of a queue or an agent")
    with db.write() as session:
        current = session.get(Interaction, interaction_id)
        if current is None:
            raise NotFound("no such interaction", interaction_id=interaction_id)
        if current.status != "queued":
            raise Conflict("the contact is no longer waiting", status=current.status)
        values: dict[str, Any] = {}
        if to_queue_id is not None:
            queue = session.get(Queue, to_queue_id)
            if queue is None:
                raise NotFound("no such queue", queue_id=to_queue_id)
            values = {"queue_id": to_queue_id, "priority": queue.priority, "target_agent_id": None}
            target = queue.name
        else:
            agent = session.get(Agent, to_agent_id)
            if agent is None or not agent.is_active:
                raise NotFound("no such agent", agent_id=to_agent_id)
            values = {"target_agent_id": to_agent_id, "declined_by": []}
            target = agent.display_name
        moved = transition(
            session,
            interaction_id,
            {"status": "queued"},
            line=f"transferred to {target}",
            line_payload={
                "from_agent_id": None,
                "by_supervisor_id": supervisor_id,
                "to_queue_id": to_queue_id,
                "to_agent_id": to_agent_id,
            },
            notice={"reason": "transferred"},
            **values,
        )
        if moved is None:
            raise Conflict("the contact changed while reassigning; try again")
        return moved


def release_agent_work(db: Database, agent_id: int) -> list[Interaction]:
    """Put an absent agent's offered and active contacts back in their queues."""
    with db.write() as session:
        held = session.exec(
            select(Interaction).where(
                Interaction.agent_id == agent_id,
                col(Interaction.status).in_(("offered", "active")),
            )
        ).all()
        released = []
        for interaction in held:
            back = back_to_queue(
                session,
                interaction,
                {"status": interaction.status, "agent_id": agent_id},
                "signed out by supervisor",
            )
            if back is not None:
                released.append(back)
        return released
