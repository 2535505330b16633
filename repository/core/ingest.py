"""Ingest: the one transaction every inbound contact goes through.

Resolve the customer by identity, find or open the live interaction for the thread,
append the event, commit. The event's external id makes a retry a no-op, so a
channel may safely deliver the same item twice. The bus events of a new item
(``interaction.updated`` for a new interaction, then ``interaction.event``) go into
the outbox in the same transaction; the relay publishes them after the commit.

Written twice, to the same rows: the Core batch path (ingest_batch.py), which every
call without ``also`` takes, and the per-item ORM path below, for a channel that adds
its own writes to the transaction through a Session (``also``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from repository.core.inbound import (
    MAX_BODY_CHARS,
    AlsoInTransaction,
    InboundItem,
    IngestResult,
    nfc,
    prepared,
    target_queue,
)
from repository.core.ingest_batch import store_batch
from repository.core.models import LIVE_STATUSES, Customer, Event, Identity, Interaction, utcnow
from repository.errors import Conflict, InvalidInput, NotFound
from repository.events import outbox
from repository.events.bus import InteractionEvent, InteractionUpdated
from repository.routing.sla_flags import answered_in_time

if TYPE_CHECKING:
    from repository.db import Database

__all__ = [
    "MAX_BODY_CHARS",
    "AlsoInTransaction",
    "InboundItem",
    "IngestResult",
    "append_event",
    "ingest",
    "ingest_many",
    "nfc",
    "resolve_customer",
]


def ingest(db: Database, item: InboundItem, *, also: AlsoInTransaction | None = None) -> IngestResult:
    """Store ``item`` durably and say what it became; ``also`` runs before the same commit."""
    return ingest_many(db, [item], also=also)[0]


def ingest_many(
    db: Database, items: list[InboundItem], *, also: AlsoInTransaction | None = None
) -> list[IngestResult]:
    """Store several items in one transaction (one commit), each exactly as :func:`ingest` would.

    For a channel that receives in batches (an email FETCH chunk). An item may follow an
    earlier one of the same batch into its thread (it sees the earlier one's rows).
    Without ``also`` the items take the Core batch path (ingest_batch.py: a few
    statements for the whole batch); ``also`` needs a Session, so with it each item
    takes the per-item ORM path below. Both store the same rows and answer the same.
    """
    items_prepared = [prepared(item) for item in items]
    for attempt in range(3):
        try:
            if also is None:
                with db.write_connection() as conn:
                    return store_batch(conn, items_prepared)
            with db.write() as session:
                return [_store_one(session, item, normalised, also) for item, normalised in items_prepared]
        except IntegrityError:
            # A concurrent ingest of the same identity or external id won the race on
            # PostgreSQL; the retry finds its row and resolves to it.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _store_one(
    session: Session, item: InboundItem, normalised: list[tuple[str, str]], also: AlsoInTransaction | None
) -> IngestResult:
    """One item's writes in the caller's transaction: the event, its outbox rows, ``also``."""
    result = _ingest(session, item, normalised)
    if not result.duplicate:
        if result.new_interaction:
            outbox.emit(session, InteractionUpdated(result.interaction, {"created": True}))
        outbox.emit(session, InteractionEvent(result.event, result.interaction))
    if also is not None:
        also(session, result)
    return result


def _ingest(session: Session, item: InboundItem, identities: list[tuple[str, str]]) -> IngestResult:
    if item.external_id:
        existing = session.exec(
            select(Event).where(Event.channel == item.channel, Event.external_id == item.external_id)
        ).first()
        if existing is not None:
            interaction = session.get(Interaction, existing.interaction_id)
            customer = session.get(Customer, existing.customer_id)
            assert interaction is not None and customer is not None
            return IngestResult(customer, interaction, existing, duplicate=True, new_interaction=False)

    customer = resolve_customer(session, identities, item.display_name)
    interaction = session.exec(
        select(Interaction).where(
            Interaction.channel == item.channel,
            Interaction.thread_key == item.thread_key,
            col(Interaction.status).in_(LIVE_STATUSES),
        )
    ).first()
    new_interaction = interaction is None
    if interaction is None:
        queue = target_queue(session, item.queue_id)
        interaction = Interaction(
            customer_id=customer.id,  # type: ignore[arg-type]
            channel=item.channel,
            thread_key=item.thread_key,
            status="queued",
            queue_id=queue.id,
            priority=queue.priority,
            subject=item.subject[:300],
        )
        session.add(interaction)
        session.flush()
    event = Event(
        interaction_id=interaction.id,  # type: ignore[arg-type]
        customer_id=interaction.customer_id,
        channel=item.channel,
        kind="message",
        author_type="customer",
        author_id=customer.id,
        author_name=customer.display_name,
        body=item.body,
        payload=item.payload,
        external_id=item.external_id,
    )
    session.add(event)
    session.flush()
    return IngestResult(customer, interaction, event, duplicate=False, new_interaction=new_interaction)


def resolve_customer(session: Session, identities: list[tuple[str, str]], display_name: str = "") -> Customer:
    """The customer any of ``identities`` belongs to, created if none does.

    Identities are tried in the order given (channels put their strongest first).
    Identities not yet known are attached to the resolved customer; one already
    owned by someone else is left alone rather than silently merging two people.
    """
    customer: Customer | None = None
    known: set[tuple[str, str]] = set()
    for kind, value in identities:
        row = session.exec(select(Identity).where(Identity.kind == kind, Identity.value == value)).first()
        if row is not None:
            known.add((kind, value))
            if customer is None:
                customer = session.get(Customer, row.customer_id)
    if customer is None:
        customer = Customer(display_name=display_name[:200])
        session.add(customer)
        session.flush()
    elif display_name and not customer.display_name:
        customer.display_name = display_name[:200]
    for kind, value in identities:
        if (kind, value) in known:
            continue
        session.add(Identity(customer_id=customer.id, kind=kind, value=value))  # type: ignore[arg-type]
        if kind == "email" and not customer.email:
            customer.email = value
        if kind == "phone" and not customer.phone:
            customer.phone = value
    customer.updated_at = utcnow()
    session.add(customer)
    session.flush()
    return customer


def append_event(
    db: Database,
    interaction_id: int,
    *,
    kind: str,
    author_type: str,
    body: str,
    author_id: int | None = None,
    author_name: str = "",
    payload: dict[str, Any] | None = None,
    external_id: str | None = None,
) -> tuple[Event, Interaction, bool]:
    """Append an event to an interaction. Returns (event, interaction, duplicate)."""
    body, author_name = nfc(body), nfc(author_name)
    if len(body) > MAX_BODY_CHARS:
        raise InvalidInput(
            "message is longer than %(max)s characters", params={"max": MAX_BODY_CHARS}, field="body"
        )
    with db.write() as session:
        interaction = session.get(Interaction, interaction_id)
        if interaction is None:
            raise NotFound("no such interaction", interaction_id=interaction_id)
        if external_id:
            existing = session.exec(
                select(Event).where(Event.channel == interaction.channel, Event.external_id == external_id)
            ).first()
            if existing is not None:
                if existing.interaction_id != interaction_id:
                    # A client id names one message; reusing it elsewhere is a client bug,
                    # and answering with the old message would hide the new one.
                    raise Conflict("this client_id was already used for another message", field="client_id")
                return existing, interaction, True
        event = Event(
            interaction_id=interaction_id,
            customer_id=interaction.customer_id,
            channel=interaction.channel,
            kind=kind,
            author_type=author_type,
            author_id=author_id,
            author_name=author_name,
            body=body,
            payload=payload or {},
            external_id=external_id,
        )
        if kind == "message" and author_type == "agent" and interaction.first_response_at is None:
            interaction.first_response_at = utcnow()
            session.add(interaction)
            if interaction.sla_status == "approaching":
                answered_in_time(session, interaction)  # the desk's "SLA soon" goes
        session.add(event)
        session.flush()
        outbox.emit(session, InteractionEvent(event, interaction))
        return event, interaction, False
