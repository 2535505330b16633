"""Contacts that came through no channel: a phone call to an agent's own line, a visit, a letter.

An agent (or a back-office system through the API) records one with a category and a
note. It becomes a ``closed`` interaction on the customer's timeline, on the channel
``phone``, ``visit`` or ``letter``, held by nobody, with the note as its first event,
so search, the customer's history and reports see it like any other contact. See
docs/logged-contacts.md.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlmodel import col, select

from repository.core.ingest import MAX_BODY_CHARS, nfc
from repository.core.models import LOGGED_CHANNELS, Agent, Customer, Event, Interaction, Queue, utcnow
from repository.errors import InvalidInput, NotFound

if TYPE_CHECKING:
    from repository.db import Database

DIRECTIONS = ("inbound", "outbound")
MAX_CATEGORY = 60
# Control characters other than the spaces (tab, line breaks, U+001C-U+001F) that are folded.
CATEGORY_CONTROLS = "\\u0000-\\u0008\\u000e-\\u001b"
_CONTROL = re.compile(f"[{CATEGORY_CONTROLS}]")


def check_category(value: str) -> str:
    """Categories are short free text, kept lower-case so "Complaint" and "complaint" group.

    The rule is on the text as sent (at most 60 characters, no control characters, not blank),
    so the API can publish it as a pattern; what is stored is that text with its spaces folded,
    in NFC and lower case, at most 60 characters (a few letters grow when lower-cased).
    """
    category = " ".join(nfc(value).split()).lower()
    if not category or len(value) > MAX_CATEGORY or _CONTROL.search(value):
        raise InvalidInput("a category is 1 to 60 characters", field="category")
    return category[:MAX_CATEGORY]


def log_contact(
    db: Database,
    *,
    customer_id: int,
    channel: str,
    category: str,
    note: str,
    agent_id: int | None = None,
    author_name: str = "",
    subject: str = "",
    direction: str = "inbound",
    occurred_at: datetime | None = None,
    duration_seconds: int | None = None,
) -> tuple[Interaction, Event]:
    """Record one contact; returns the closed interaction and its note."""
    if channel not in LOGGED_CHANNELS:
        raise InvalidInput(
            "channel must be one of %(choices)s",
            params={"choices": ", ".join(LOGGED_CHANNELS)},
            field="channel",
        )
    if direction not in DIRECTIONS:
        raise InvalidInput("direction must be inbound or outbound", field="direction")
    category = check_category(category)
    note = nfc(note).strip()
    if not note or len(note) > MAX_BODY_CHARS:
        raise InvalidInput("a note is 1 to %(max)s characters", params={"max": MAX_BODY_CHARS}, field="note")
    now = utcnow()
    when = occurred_at or now
    if when > now + timedelta(minutes=5):
        raise InvalidInput("a contact cannot be logged in the future", field="occurred_at")
    ended = when + timedelta(seconds=duration_seconds or 0)
    with db.write() as session:
        if session.get(Customer, customer_id) is None:
            raise NotFound("no such customer", customer_id=customer_id)
        if agent_id is not None:
            agent = session.get(Agent, agent_id)
            if agent is None:
                raise NotFound("no such agent", agent_id=agent_id)
            author_name = author_name or agent.display_name
        queue = session.exec(select(Queue).order_by(col(Queue.is_default).desc(), col(Queue.id))).first()
        interaction = Interaction(
            customer_id=customer_id,
            channel=channel,
            # Unique, so a logged contact never joins another one's thread.
            thread_key=f"logged:{secrets.token_hex(12)}",
            status="closed",
            queue_id=queue.id if queue else None,
            agent_id=agent_id,
            subject=nfc(subject).strip()[:300],
            category=category,
            created_at=when,
            queued_at=when,
            accepted_at=when,
            first_response_at=when,
            ended_at=ended,
            closed_at=max(ended, now),
        )
        session.add(interaction)
        session.flush()
        event = Event(
            interaction_id=interaction.id,  # type: ignore[arg-type]
            customer_id=customer_id,
            channel=channel,
            kind="note",
            author_type="agent" if agent_id is not None else "system",
            author_id=agent_id,
            author_name=author_name[:200],
            body=note,
            payload={"logged": True, "direction": direction, "category": category}
            | ({"duration_seconds": duration_seconds} if duration_seconds else {}),
            created_at=when,
        )
        session.add(event)
        session.flush()
        return interaction, event
