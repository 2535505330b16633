"""A client's resend of a message it already sent: find the stored copy by its external id.

A desktop that lost its connection resends every reply it never saw acknowledged
(docs/protocol.md, `reply`). If the first copy was stored and the chat has since
moved on (the customer left, it was closed), the resend must still be answered with
that stored event, not refused as a reply to a chat the agent no longer holds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlmodel import select

from repository.core.models import Event

if TYPE_CHECKING:
    from repository.db import Database


def stored_copy(db: Database, interaction_id: int, external_id: str) -> Event | None:
    """The event this external id already stored on this interaction, if any."""
    with db.read() as session:
        return session.exec(
            select(Event).where(Event.interaction_id == interaction_id, Event.external_id == external_id)
        ).first()
