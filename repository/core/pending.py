"""Pending and snoozed: an agent sets an active conversation aside until something happens.

"Waiting for the customer" (``pending_reason = "customer"``) comes back when the
customer writes; "snooze until tomorrow 9:00" (``"snooze"``) comes back at that time
or earlier if the customer writes. The interaction stays ``active`` and with its
agent throughout (so the customer's answer lands in it, and nobody else is offered
it); the set-aside state is three columns beside the status. Setting aside and waking
are conditional UPDATEs, so two nodes waking the same interaction cannot both win.
See docs/pending.md.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import or_, update
from sqlmodel import col, select

from repository.core.models import Event, Interaction, utcnow
from repository.errors import Conflict, InvalidInput, NotFound

if TYPE_CHECKING:
    from repository.db import Database

MAX_SNOOZE = timedelta(days=90)


def set_aside(
    db: Database, interaction_id: int, agent_id: int | None, until: datetime | None = None
) -> Interaction:
    """Wait for the customer (``until`` None) or snooze until ``until``; the agent must hold it."""
    now = utcnow()
    if until is not None and not now < until <= now + MAX_SNOOZE:
        raise InvalidInput("snooze until a time within the next 90 days", field="until")
    with db.write() as session:
        current = session.get(Interaction, interaction_id)
        if current is None:
            raise NotFound("no such interaction", interaction_id=interaction_id)
        stmt = update(Interaction).where(
            col(Interaction.id) == interaction_id, col(Interaction.status) == "active"
        )
        if agent_id is not None:
            stmt = stmt.where(col(Interaction.agent_id) == agent_id)
        result = session.execute(
            stmt.values(
                pending_reason="snooze" if until else "customer", pending_since=now, snoozed_until=until
            )
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict(
                "only an active conversation you hold can be set aside", interaction_id=interaction_id
            )
        return _reloaded(session, interaction_id)


def resume(db: Database, interaction_id: int, agent_id: int | None = None) -> Interaction | None:
    """Bring it back now; None if it was not set aside (someone else woke it first)."""
    with db.write() as session:
        stmt = update(Interaction).where(
            col(Interaction.id) == interaction_id,
            col(Interaction.pending_reason).is_not(None),
        )
        if agent_id is not None:
            stmt = stmt.where(col(Interaction.agent_id) == agent_id)
        result = session.execute(stmt.values(pending_reason=None, pending_since=None, snoozed_until=None))
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return None
        return _reloaded(session, interaction_id)


def _reloaded(session: object, interaction_id: int) -> Interaction:
    interaction = session.get(Interaction, interaction_id, populate_existing=True)  # type: ignore[attr-defined]
    assert interaction is not None
    return interaction


def due(db: Database, now: datetime | None = None) -> list[tuple[int, str]]:
    """(interaction id, why) of everything set aside that should come back now."""
    now = now or utcnow()
    answered = (
        select(Event.id)
        .where(
            Event.interaction_id == Interaction.id,
            Event.author_type == "customer",
            col(Event.created_at) > col(Interaction.pending_since),
        )
        .exists()
    )
    with db.read() as session:
        rows = session.exec(
            select(col(Interaction.id), col(Interaction.snoozed_until), answered)
            .where(col(Interaction.pending_reason).is_not(None))
            .where(or_(answered, col(Interaction.snoozed_until) <= now))
            .order_by(col(Interaction.id))
        ).all()
    return [
        (iid, "customer answered" if was_answered else "snooze ended")
        for iid, _until, was_answered in rows
        if iid is not None
    ]
