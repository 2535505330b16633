"""The customer's side of an interaction's end: leaving the conversation and rating it.

The agent-side transitions (claim, accept, reject, transfer, close) are in
``repository/core/lifecycle.py``; these use the same conditional updates, so a customer
leaving while an agent closes cannot both win.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from repository.core.lifecycle import transition
from repository.core.models import Event, Interaction, utcnow
from repository.errors import Conflict, InvalidInput, NotFound
from repository.events import outbox
from repository.events.bus import InteractionUpdated

if TYPE_CHECKING:
    from repository.db import Database


def end_by_customer(db: Database, interaction_id: int) -> Interaction:
    """The customer left: abandoned if nobody had it yet, otherwise into wrap-up."""
    with db.write() as session:
        current = session.get(Interaction, interaction_id)
        if current is None:
            raise NotFound("no such interaction", interaction_id=interaction_id)
        now = utcnow()
        if current.status in ("queued", "offered"):
            ended = transition(
                session,
                interaction_id,
                {"status": current.status},
                line="ended by customer",
                notice={"ended_by": "customer"},
                status="closed",
                disposition="abandoned",
                ended_at=now,
                closed_at=now,
                reserved_until=None,
            )
        elif current.status == "active":
            ended = transition(
                session,
                interaction_id,
                {"status": "active"},
                line="ended by customer",
                notice={"ended_by": "customer"},
                status="wrapup",
                ended_at=now,
            )
        else:
            return current
        if ended is None:
            raise Conflict("the interaction changed; try again")
        return ended


def rate(db: Database, interaction_id: int, score: int, comment: str = "") -> Interaction:
    """Store the customer's satisfaction rating (1–5) for an ended interaction."""
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        raise InvalidInput("a rating is a whole number from 1 to 5", field="rating")
    with db.write() as session:
        interaction = session.get(Interaction, interaction_id)
        if interaction is None:
            raise NotFound("no such interaction", interaction_id=interaction_id)
        if interaction.ended_at is None:
            raise Conflict("a conversation can be rated once it has ended")
        interaction.csat_score = score
        interaction.csat_comment = comment[:2000] or None
        session.add(interaction)
        session.add(
            Event(
                interaction_id=interaction_id,
                customer_id=interaction.customer_id,
                channel=interaction.channel,
                kind="csat",
                author_type="customer",
                author_id=interaction.customer_id,
                body=comment[:2000],
                payload={"rating": score},
            )
        )
        session.flush()
        outbox.emit(session, InteractionUpdated(interaction))
        return interaction
