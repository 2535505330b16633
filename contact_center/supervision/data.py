"""Reading what the figures need from the CCR, as the plain records of ``metrics.py``."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from contact_center.supervision.intervals import Hold, StatusLine, holds_from_status_lines
from contact_center.supervision.metrics import AgentRecord, Contact, SlSettings
from repository.core.models import HOLDING_STATUSES, LIVE_STATUSES, Agent, Event, Interaction, Queue
from repository.supervision.models import AgentStateChange, QueueServiceLevel

if TYPE_CHECKING:
    from repository.db import Database

CHUNK = 500


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for i in range(0, len(ids), CHUNK):
        yield ids[i : i + CHUNK]


STATUS_KINDS = ("status", "transfer")


def status_rows(session: Session, where: Any, *, order_by_id: bool = False) -> list[tuple[int, StatusLine]]:
    """(event id, line) for the status/transfer events ``where`` selects, per interaction in id order."""
    order = (col(Event.id),) if order_by_id else (col(Event.interaction_id), col(Event.id))
    rows = session.exec(
        # sqlmodel types select() for at most four columns; this one needs six.
        select(Event.id, Event.interaction_id, Event.kind, Event.body, Event.payload, Event.created_at)  # type: ignore[call-overload]
        .where(where, col(Event.kind).in_(STATUS_KINDS))
        .order_by(*order)
    ).all()
    return [(r[0], StatusLine(r[1], r[2], r[3], r[4] or {}, r[5])) for r in rows]


def status_lines(session: Session, interaction_ids: list[int]) -> list[StatusLine]:
    lines: list[StatusLine] = []
    for chunk in _chunks(sorted(set(interaction_ids))):
        lines.extend(line for _, line in status_rows(session, col(Event.interaction_id).in_(chunk)))
    return lines


class StatusSource:
    """Where a snapshot gets status lines: read afresh from the CCR (this), or a feed's
    cache kept between snapshots (``status_cache.StatusLineCache``), same answers."""

    def begin(self, db: Database, day_start: datetime) -> None:
        """Called once per snapshot, before the reads below."""

    def touched_since(self, session: Session, day_start: datetime) -> set[int]:
        """Interactions with a status or transfer line since ``day_start``."""
        return set(
            session.exec(
                select(Event.interaction_id).where(
                    Event.created_at >= day_start, col(Event.kind).in_(STATUS_KINDS)
                )
            ).all()
        )

    def lines_for(self, session: Session, interaction_ids: Iterable[int]) -> list[StatusLine]:
        """Every line of those interactions, by interaction id then event id."""
        return status_lines(session, list(interaction_ids))


FRESH = StatusSource()


def contacts_from_rows(rows: Sequence[Any], lines: list[StatusLine], now: datetime) -> list[Contact]:
    """``rows``: Interactions, or rows of at least ``_CONTACT_COLUMNS``."""
    answered: dict[int, datetime] = {}
    for line in lines:
        if line.kind == "status" and line.body == "accepted" and line.interaction_id not in answered:
            answered[line.interaction_id] = line.at
    handle: dict[int, float] = defaultdict(float)
    for hold in holds_from_status_lines(lines):
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
        lines = source.lines_for(session, [r.id for r in rows])
    return contacts_from_rows(rows, lines, now)


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
        holds = holds_from_status_lines(source.lines_for(session, touched))
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
