"""An interaction's life: queued → offered → active → wrap-up → closed.

Every transition is a conditional UPDATE on the state it expects, so two nodes that
race on the same interaction cannot both win. The claim additionally locks the
agent's row (PostgreSQL) or holds SQLite's write lock, so the capacity count it
reads cannot change before it writes. The customer's side of the ending (leaving,
rating) is in ``repository/core/endings.py``.

``transition`` is the one public way to change an interaction's state: it also writes
the timeline's status line and records the bus events in the outbox, in the same
transaction, so a committed change is always announced (docs/events.md).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from repository.core.models import (
    HOLDING_STATUSES,
    Agent,
    Event,
    Interaction,
    Queue,
    WrapUpCode,
    utcnow,
)
from repository.errors import Conflict, InvalidInput, NotFound
from repository.events import outbox
from repository.events.bus import InteractionEvent, InteractionUpdated, Offer
from repository.routing import fencing

if TYPE_CHECKING:
    from repository.db import Database


def _status_event(session: Session, interaction: Interaction, body: str, **payload: Any) -> Event:
    event = Event(
        interaction_id=interaction.id,  # type: ignore[arg-type]
        customer_id=interaction.customer_id,
        channel=interaction.channel,
        kind="transfer" if body.startswith("transfer") else "status",
        author_type="system",
        body=body,
        payload=payload,
    )
    session.add(event)
    return event


def transition(
    session: Session,
    interaction_id: int,
    expect: dict[str, Any],
    *,
    line: str | None = None,
    line_payload: dict[str, Any] | None = None,
    notice: dict[str, Any] | None = None,
    announce: bool = True,
    **values: Any,
) -> Interaction | None:
    """UPDATE the interaction only if it still matches ``expect``; None if it did not.

    On success, ``line`` (if given) is written to the timeline with ``line_payload``,
    and unless ``announce`` is False the outbox gets ``interaction.updated`` (with the
    ``notice`` fields: reason, previous_agent_id, agent_name, ended_by…) followed by
    the status line as ``interaction.event``, all in the caller's transaction.
    """
    stmt = update(Interaction).where(col(Interaction.id) == interaction_id)
    for column, value in expect.items():
        attr = getattr(Interaction, column)
        stmt = stmt.where(attr.in_(value) if isinstance(value, tuple) else attr == value)
    result = session.execute(stmt.values(**values))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    interaction = session.get(Interaction, interaction_id, populate_existing=True)
    assert interaction is not None
    event = _status_event(session, interaction, line, **(line_payload or {})) if line is not None else None
    if announce:
        outbox.emit(session, InteractionUpdated(interaction, dict(notice or {})))
        if event is not None:
            session.flush()
            outbox.emit(session, InteractionEvent(event, interaction))
    return interaction


def agent_load(session: Session, agent_id: int, channel: str) -> int:
    return session.exec(
        select(func.count()).where(
            Interaction.agent_id == agent_id,
            Interaction.channel == channel,
            col(Interaction.status).in_(HOLDING_STATUSES),
        )
    ).one()


def capacity_for(agent: Agent, channel: str, defaults: dict[str, int]) -> int:
    return int(agent.capacity.get(channel, defaults.get(channel, 1)))


def claim(
    db: Database,
    interaction_id: int,
    agent_id: int,
    *,
    reserve_seconds: float,
    defaults: dict[str, int],
    fence: int | None = None,
) -> Interaction | None:
    """Reserve a queued interaction for an agent, atomically. None if it lost the race.

    ``fence``: the router's lease token; the claim is refused if a newer leader has
    written a newer one (repository/routing/fencing.py).
    """
    with db.write() as session:
        if fence is not None and not fencing.holds(session, fence):
            return None
        agent = session.exec(select(Agent).where(Agent.id == agent_id).with_for_update()).first()
        if agent is None or not agent.is_active or agent.presence != "available":
            return None
        interaction = session.get(Interaction, interaction_id)
        if interaction is None or interaction.status != "queued":
            return None
        if agent_load(session, agent_id, interaction.channel) >= capacity_for(
            agent, interaction.channel, defaults
        ):
            return None
        now = utcnow()
        claimed = transition(
            session,
            interaction_id,
            {"status": "queued"},
            line="offered",
            # Which lease made the offer: after a failover, an operator can tell them apart.
            line_payload={"agent_id": agent_id, "agent_name": agent.display_name}
            | ({"router_fence": fence} if fence is not None else {}),
            announce=False,
            status="offered",
            agent_id=agent_id,
            offered_at=now,
            reserved_until=now + timedelta(seconds=reserve_seconds),
            offer_count=interaction.offer_count + 1,
        )
        if claimed is None:
            return None
        agent.last_assigned_at = now
        session.add(agent)
        outbox.emit(session, Offer(claimed))
        return claimed


def accept(db: Database, interaction_id: int, agent_id: int) -> Interaction:
    with db.write() as session:
        agent = session.get(Agent, agent_id)
        name = agent.display_name if agent else ""
        accepted = transition(
            session,
            interaction_id,
            {"status": "offered", "agent_id": agent_id},
            line="accepted",
            line_payload={"agent_id": agent_id, "agent_name": name},
            notice={"agent_name": name},
            status="active",
            accepted_at=utcnow(),
            reserved_until=None,
            target_agent_id=None,
        )
        if accepted is None:
            raise Conflict("this offer is no longer yours", interaction_id=interaction_id)
        return accepted


def back_to_queue(
    session: Session, interaction: Interaction, expect: dict[str, Any], reason: str, *, declined: bool = True
) -> Interaction | None:
    """Requeue; ``declined`` records that the holder passed it on, so it goes elsewhere first."""
    # Read before the UPDATE: transition refreshes this same object, agent_id then None.
    previous_agent_id = interaction.agent_id
    declined_by = list(interaction.declined_by)
    if declined and interaction.agent_id is not None and interaction.agent_id not in declined_by:
        declined_by.append(interaction.agent_id)
    return transition(
        session,
        interaction.id,  # type: ignore[arg-type]
        expect,
        line="requeued",
        line_payload={"reason": reason, "previous_agent_id": previous_agent_id},
        notice={"reason": reason, "previous_agent_id": previous_agent_id},
        status="queued",
        agent_id=None,
        reserved_until=None,
        declined_by=declined_by,
        target_agent_id=None,
    )


def reject(db: Database, interaction_id: int, agent_id: int, reason: str = "rejected") -> Interaction:
    with db.write() as session:
        interaction = session.get(Interaction, interaction_id)
        if interaction is None:
            raise NotFound("no such interaction", interaction_id=interaction_id)
        requeued = back_to_queue(session, interaction, {"status": "offered", "agent_id": agent_id}, reason)
        if requeued is None:
            raise Conflict("this offer is no longer yours", interaction_id=interaction_id)
        return requeued


def transfer(
    db: Database,
    interaction_id: int,
    by_agent_id: int,
    *,
    to_queue_id: int | None = None,
    to_agent_id: int | None = None,
    allow_any_holder: bool = False,
) -> Interaction:
    """Put an interaction back in a queue, optionally for one named agent."""
    if (to_queue_id is None) == (to_agent_id is None):
        raise InvalidInput("transfer to exactly one of a queue or an agent")
    with db.write() as session:
        interaction = session.get(Interaction, interaction_id)
        if interaction is None:
            raise NotFound("no such interaction", interaction_id=interaction_id)
        if interaction.status not in ("offered", "active"):
            raise Conflict("only a live interaction can be transferred", status=interaction.status)
        if interaction.agent_id != by_agent_id and not allow_any_holder:
            raise Conflict("you do not hold this interaction", interaction_id=interaction_id)
        target_name = ""
        priority = interaction.priority
        if to_queue_id is not None:
            queue = session.get(Queue, to_queue_id)
            if queue is None:
                raise NotFound("no such queue", queue_id=to_queue_id)
            target_name = queue.name
            # The contact now waits by the target queue's rules, priority included.
            priority = queue.priority
        if to_agent_id is not None:
            target = session.get(Agent, to_agent_id)
            if target is None or not target.is_active:
                raise NotFound("no such agent", agent_id=to_agent_id)
            if to_agent_id == interaction.agent_id:
                raise InvalidInput("the interaction is already yours")
            target_name = target.display_name
        moved = transition(
            session,
            interaction_id,
            {"status": interaction.status, "agent_id": interaction.agent_id},
            line=f"transferred to {target_name}",
            line_payload={
                "from_agent_id": by_agent_id,
                "to_queue_id": to_queue_id,
                "to_agent_id": to_agent_id,
            },
            notice={"previous_agent_id": by_agent_id, "reason": "transferred"},
            status="queued",
            agent_id=None,
            reserved_until=None,
            # The holder passed it on (or a supervisor did for them): offer it elsewhere first.
            declined_by=[interaction.agent_id] if to_queue_id is not None and interaction.agent_id else [],
            queue_id=to_queue_id if to_queue_id is not None else interaction.queue_id,
            target_agent_id=to_agent_id,
            priority=priority,
        )
        if moved is None:
            raise Conflict("the interaction changed while transferring; try again")
        return moved


def close(db: Database, interaction_id: int, agent_id: int | None, disposition: str) -> Interaction:
    """Close with a wrap-up code. ``agent_id`` None means a supervisor or the API."""
    with db.write() as session:
        code = session.exec(
            select(WrapUpCode).where(WrapUpCode.code == disposition, WrapUpCode.is_active)
        ).first()
        if code is None:
            raise InvalidInput("unknown wrap-up code", field="disposition")
        expect: dict[str, Any] = {"status": ("active", "wrapup")}
        if agent_id is not None:
            expect["agent_id"] = agent_id
        now = utcnow()
        current = session.get(Interaction, interaction_id)
        if current is None:
            raise NotFound("no such interaction", interaction_id=interaction_id)
        closed = transition(
            session,
            interaction_id,
            expect,
            line="closed",
            line_payload={"disposition": disposition, "agent_id": agent_id},
            status="closed",
            disposition=disposition,
            closed_at=now,
            ended_at=current.ended_at or now,
        )
        if closed is None:
            raise Conflict("only an interaction you hold can be closed", interaction_id=interaction_id)
        return closed
