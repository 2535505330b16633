"""Email threading state in the CCR: the Message-IDs recorded for threading, and reopening.

Every stored or sent mail's Message-ID is recorded against its customer and
interaction, so a later reply can be matched to its thread
(repository/email/inbound_plan.py reads them). A reply to an ended email interaction
puts it back in the queue with its previous holder.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import bindparam, insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from repository.core.lifecycle import transition
from repository.core.models import LIVE_STATUSES, Event, Interaction, utcnow
from repository.core.row_objects import new_values, table_of
from repository.email.models import EmailMessageId

if TYPE_CHECKING:
    from repository.db import Database

REOPENABLE = ("wrapup", "closed")
_message_ids = table_of(EmailMessageId)
_KNOWN_IDS = select(_message_ids.c.customer_id, _message_ids.c.message_id).where(
    _message_ids.c.message_id.in_(bindparam("ids", expanding=True))
)
_INSERT_IDS = insert(_message_ids)


def reopen(
    db: Database, interaction_id: int, reason: str = "customer replied"
) -> tuple[Interaction, int | None] | None:
    """Put an ended email interaction back in the queue, with its previous holder; None if not needed.

    Works like the core's requeue (a conditional UPDATE on the state it expects, plus
    a status line), so a reopen racing a close or another reopen has one winner. If
    another live interaction already holds the thread key, that one takes the mail.
    """
    with db.write() as session:
        current = session.get(Interaction, interaction_id)
        if current is None or current.status not in REOPENABLE:
            return None
        live = session.exec(
            select(Interaction.id).where(
                Interaction.channel == current.channel,
                Interaction.thread_key == current.thread_key,
                col(Interaction.status).in_(LIVE_STATUSES),
            )
        ).first()
        if live is not None:
            return None
        previous_agent = current.agent_id
        reopened = transition(
            session,
            interaction_id,
            {"status": REOPENABLE},
            line="reopened",
            line_payload={"reason": reason, "previous_agent_id": previous_agent},
            notice={"reason": reason, "previous_agent_id": previous_agent or 0},
            status="queued",
            agent_id=None,
            target_agent_id=None,
            reserved_until=None,
            declined_by=[],
            queued_at=utcnow(),
            ended_at=None,
            closed_at=None,
            disposition=None,
        )
        if reopened is None:
            return None
        return reopened, previous_agent


def record_message_id(
    db: Database, message_id: str, customer_id: int, interaction_id: int, event_id: int | None, direction: str
) -> None:
    """Remember a Message-ID for threading; recording it twice is a no-op."""
    if not message_id:
        return
    try:
        with db.write() as session:
            exists = session.exec(
                select(EmailMessageId.id).where(
                    EmailMessageId.customer_id == customer_id, EmailMessageId.message_id == message_id
                )
            ).first()
            if exists is None:
                session.add(
                    EmailMessageId(
                        message_id=message_id[:300],
                        customer_id=customer_id,
                        interaction_id=interaction_id,
                        event_id=event_id,
                        direction=direction,
                    )
                )
    except IntegrityError:
        pass  # a concurrent writer recorded it first


def record_message_ids(db: Database, rows: list[tuple[str, int, int, int | None, str]]) -> None:
    """Remember many Message-IDs in one transaction: (message id, customer, interaction, event, direction)."""
    wanted = {
        (customer_id, mid[:300]): (mid[:300], customer_id, interaction_id, event_id, direction)
        for mid, customer_id, interaction_id, event_id, direction in rows
        if mid
    }
    if not wanted:
        return
    try:
        # Core, not the ORM: this runs for every stored chunk, and a SQLModel object per
        # Message-ID cost more than the statements (bench/README.md, "Email ingestion").
        with db.write_connection() as conn:
            known = set(conn.execute(_KNOWN_IDS, {"ids": [key[1] for key in wanted]}).tuples())
            new = [
                new_values(
                    EmailMessageId,
                    message_id=mid,
                    customer_id=customer_id,
                    interaction_id=interaction_id,
                    event_id=event_id,
                    direction=direction,
                )
                for key, (mid, customer_id, interaction_id, event_id, direction) in wanted.items()
                if key not in known
            ]
            if new:
                conn.execute(_INSERT_IDS, new)
    except IntegrityError:
        # Another node indexed one of them at the same moment: fall back to one at a time.
        for row in wanted.values():
            record_message_id(db, *row)


def latest_customer_mail(db: Database, interaction_id: int) -> Event | None:
    """The customer's latest message in an interaction: who to answer and what to reference."""
    with db.read() as session:
        return session.exec(
            select(Event)
            .where(
                Event.interaction_id == interaction_id,
                Event.author_type == "customer",
                Event.kind == "message",
            )
            .order_by(col(Event.id).desc())
        ).first()
