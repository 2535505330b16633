"""What an inbound contact is, as both ingest paths take and answer it.

The item a channel hands in, what it became (``IngestResult``), the checks and
normalisation every item goes through before anything is written, and the queue a new
interaction joins. Shared by the per-item ORM path (``ingest.py``) and the batch path
(``ingest_batch.py``), so the two cannot drift apart in what they accept.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from sqlmodel import Session, col, select

from repository.core.identity import normalise
from repository.core.models import Customer, Event, Interaction, Queue
from repository.errors import InvalidInput, NotFound

MAX_BODY_CHARS = 20_000


@dataclass(frozen=True)
class InboundItem:
    """One normalised inbound contact, whatever channel it came from."""

    channel: str
    identities: list[tuple[str, str]]
    thread_key: str
    body: str
    external_id: str | None = None
    display_name: str = ""
    subject: str = ""
    queue_id: int | None = None
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class IngestResult:
    customer: Customer
    interaction: Interaction
    event: Event
    duplicate: bool
    new_interaction: bool


# Extra writes a channel makes in the ingest's own transaction (e.g. a call's record and
# its target agent), so they commit together and nobody sees one without the other.
AlsoInTransaction = Callable[[Session, IngestResult], None]


def nfc(text: str) -> str:
    """Text as stored: exactly as received, in Unicode NFC (one code point per é, 發)."""
    return unicodedata.normalize("NFC", text)


def prepared(item: InboundItem) -> tuple[InboundItem, list[tuple[str, str]]]:
    """``item`` as stored (NFC text) and its normalised identities; refuses what cannot be stored."""
    item = replace(item, body=nfc(item.body), display_name=nfc(item.display_name), subject=nfc(item.subject))
    if len(item.body) > MAX_BODY_CHARS:
        raise InvalidInput(
            "message is longer than %(max)s characters", params={"max": MAX_BODY_CHARS}, field="body"
        )
    if not item.identities:
        raise InvalidInput("an inbound item needs at least one identity")
    return item, [(kind, normalise(kind, value)) for kind, value in item.identities]


def target_queue(session: Session, queue_id: int | None) -> Queue:
    """The queue a new interaction joins: the one named, else the default, else the first."""
    if queue_id is not None:
        queue = session.get(Queue, queue_id)
        if queue is None:
            raise NotFound("no such queue", queue_id=queue_id)
        return queue
    queue = session.exec(select(Queue).order_by(col(Queue.is_default).desc(), col(Queue.id))).first()
    if queue is None:
        raise NotFound("no queue is configured; create one with `contact-center queue add`")
    return queue
