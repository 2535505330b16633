"""Reading what the figures need from the CCR, as the plain records of ``metrics.py``."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from contact_center.supervision.intervals import Hold, StatusLine, holds_from_status_lines
from contact_center.supervision.metrics import AgentRecord, Contact, SlSettings
from contact_center.supervision.status_source import FRESH, StatusSource, first_accepts
from repository.core.models import HOLDING_STATUSES, LIVE_STATUSES, Agent, Interaction, Queue
from repository.supervision.models import AgentStateChange, QueueServiceLevel

if TYPE_CHECKING:
    from repository.db import Database


def contacts_from_rows(rows: Sequence[Any], lines: list[StatusLine], now: datetime) -> list[Contact]:
    """``rows``: Interactions, or rows of at least ``_CONTACT_COLUMNS``; ``lines``: theirs."""
    return contacts_from(rows, first_accepts(lines), holds_from_status_lines(lines), now)


def contacts_from(
    rows: Sequence[Any], answered: dict[int, datetime], holds: list[Hold], now: datetime
) -> list[Contact]:
    handle: dict[int, float] = defaultdict(float)
    for hold in holds:
        handle[hold.interaction_id] += ((hold.end or now) - hold.start).total_seconds()
    return [
        Contact(
            id=r.id,
            channel=r.channel,
            queue_id=r.queue_id,
            customer_id=r.customer_id,
            status=r.status,
            agent_id=r.agent_id,
            queued_at=r.queued_at,
            answered_at=answered.get(r.id),
            ended_at=r.ended_at,
            closed_at=r.closed_at,
            disposition=r.disposition,
            handle_seconds=handle.get(r.id, 0.0),
            first_response_at=r.first_response_at,
            csat_score=r.csat_score,
            sla_status=r.sla_status,
            sla_due_at=r.sla_due_at,
        )
        for r in rows
    ]


# What a Contact needs of an interaction: read as plain rows, not ORM objects (at 15,000
# contacts a day building the full objects was most of a snapshot's time once the status
# lines were cached; bench/supervisor_snapshot.py).
_CONTACT_COLUMNS = tuple(
    getattr(Interaction, name)
    for name in (
        "id",
        "channel",
        "queue_id",
        "customer_id",
        "status",
        "agent_id",
        "queued_at",
        "ended_at",
        "closed_at",
        "disposition",
        "first_response_at",
        "csat_score",
        "sla_status",
        "sla_due_at",
    )
)


def live_and_recent_contacts(
    db: Database, since: datetime, now: datetime, source: StatusSource = FRESH
) -> list[Contact]:
    """Contacts that arrived since ``since``, plus every one still waiting or held."""
    with db.read() as session:
        rows = list(
            session.exec(
                select(*_CONTACT_COLUMNS)
                .where(
                    or_(
                        col(Interaction.queued_at) >= since,
                        col(Interaction.status).in_(HOLDING_STATUSES + ("queued",)),
                    )
                )
                # In id order, so equal waits list the same way every time.
                .order_by(col(Interaction.id))
            ).all()
        )
        answered, holds = source.summary(session, [r.id for r in rows])
    return contacts_from(rows, answered, holds, now)


def sl_settings(db: Database) -> tuple[list[Queue], dict[int, SlSettings]]:
    with db.read() as session:
        queues = list(session.exec(select(Queue).order_by(col(Queue.id))).all())
        rows = session.exec(select(QueueServiceLevel)).all()
    found = {
        r.queue_id: SlSettings(r.threshold_seconds, r.target_percent, r.formula, r.short_abandon_seconds)
        for r in rows
    }
    return queues, {q.id: found.get(q.id, SlSettings()) for q in queues if q.id is not None}


def agent_records(
    db: Database, day_start: datetime, now: datetime, source: StatusSource = FRESH
) -> list[AgentRecord]:
    """Every active agent with today's holds and presence changes."""
    with db.read() as session:
        agents = list(session.exec(select(Agent).where(col(Agent.is_active)).order_by(col(Agent.id))).all())
        load: dict[int, dict[str, int]] = defaultdict(dict)
        for agent_id, channel, count in session.exec(
            select(Interaction.agent_id, Interaction.channel, func.count())
            .where(col(Interaction.status).in_(HOLDING_STATUSES))
            .group_by(col(Interaction.agent_id), col(Interaction.channel))
        ).all():
            if agent_id is not None:
                load[agent_id][channel] = count
        touched = source.touched_since(session, day_start)
        live = select(Interaction.id).where(col(Interaction.status).in_(LIVE_STATUSES + ("wrapup",)))
        touched |= {i for i in session.exec(live).all() if i is not None}  # stored rows have ids
        _, holds = source.summary(session, touched)
        changes = session.exec(
            select(AgentStateChange.agent_id, AgentStateChange.at, AgentStateChange.state)
            .where(AgentStateChange.at >= day_start)
            .order_by(col(AgentStateChange.at), col(AgentStateChange.id))
        ).all()
        initial = presence_at(session, day_start)
    by_agent: dict[int, list[Hold]] = defaultdict(list)
    for hold in holds:
        if hold.end is None or hold.end > day_start:
            by_agent[hold.agent_id].append(hold)
    changes_by: dict[int, list[tuple[datetime, str]]] = defaultdict(list)
    for agent_id, at, state in changes:
        changes_by[agent_id].append((at, state))
    return [
        AgentRecord(
            id=a.id,  # type: ignore[arg-type]
            name=a.display_name,
            role=a.role,
            presence=a.presence,
            presence_since=a.presence_since,
            capacity=dict(a.capacity),
            load=load.get(a.id, {}),  # type: ignore[arg-type]
            holds=by_agent.get(a.id, []),  # type: ignore[arg-type]
            state_changes=changes_by.get(a.id, []),  # type: ignore[arg-type]
            initial_presence=initial.get(a.id, "offline"),  # type: ignore[arg-type]
        )
        for a in agents
    ]


def presence_at(session: Session, moment: datetime) -> dict[int, str]:
    """Each agent's presence at ``moment``: the last change before it (offline if none)."""
    latest = (
        select(AgentStateChange.agent_id, func.max(AgentStateChange.id).label("last_id"))
        .where(AgentStateChange.at < moment)
        .group_by(col(AgentStateChange.agent_id))
        .subquery()
    )
    rows: Any = session.exec(
        select(AgentStateChange.agent_id, AgentStateChange.state).join(
            latest,
            col(AgentStateChange.id) == latest.c.last_id,
        )
    ).all()
    return {agent_id: state for agent_id, state in rows}
