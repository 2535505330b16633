"""Delivery state of outbound messages: how far an agent's email or SMS got.

Providers report progress out of order and more than once (Twilio retries its
status callbacks; a DSN can arrive after the SMTP server accepted the mail), so a
status only moves forward: a late "sent" never hides "delivered", and a repeated
report changes nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from repository.core.models import Event, Interaction
from repository.errors import InvalidInput, NotFound
from repository.events import outbox
from repository.events.bus import EventUpdated

if TYPE_CHECKING:
    from repository.db import Database

# Rank of each state; the terminal ones share the top rank so neither hides the other.
DELIVERY_RANK = {
    "queued": 0,
    "sending": 1,
    "sent": 2,
    "delivered": 3,
    "undelivered": 4,
    "failed": 4,
}


def set_delivery_status(
    db: Database, event_id: int, status: str, error: str | None = None
) -> tuple[Event, Interaction] | None:
    """Move ``event_id`` to ``status``; None if that changes nothing."""
    if status not in DELIVERY_RANK:
        raise InvalidInput("unknown delivery status", status=status)
    with db.write() as session:
        event = session.get(Event, event_id)
        if event is None:
            raise NotFound("no such event", event_id=event_id)
        current = event.delivery_status
        if current == status and (error or None) == event.payload.get("delivery_error"):
            return None
        if current is not None and DELIVERY_RANK.get(current, -1) > DELIVERY_RANK[status]:
            return None
        event.delivery_status = status
        payload = dict(event.payload)
        if error:
            payload["delivery_error"] = error[:500]
        else:
            payload.pop("delivery_error", None)
        event.payload = payload
        session.add(event)
        session.flush()
        interaction = session.get(Interaction, event.interaction_id)
        assert interaction is not None
        session.refresh(event)
        outbox.emit(session, EventUpdated(event, interaction))
        return event, interaction
