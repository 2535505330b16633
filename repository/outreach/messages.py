"""Messages the company starts: an agent's new SMS or email, a back-end's "your order shipped".

One transaction stores the message and, when the thread has no live conversation,
the interaction it opens. An agent who starts a message holds the new interaction
(``active``, like an accepted offer), so the customer's answer comes back to them;
a message from the API opens a conversation that is already ``closed``, so nobody's
capacity is taken, and the customer's answer opens or reopens one that is routed
like any inbound contact. See docs/outbound.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, select

from repository.core.ingest import MAX_BODY_CHARS, nfc
from repository.core.models import LIVE_STATUSES, Customer, Event, Identity, Interaction, Queue, utcnow
from repository.errors import Conflict, NotFound
from repository.outreach.models import ContactOptOut
from repository.telephony.opt_outs import is_opted_out as sms_opted_out

if TYPE_CHECKING:
    from repository.db import Database

# The identity kind that carries each channel's address.
ADDRESS_KIND = {"sms": "phone", "email": "email", "whatsapp": "phone"}


@dataclass(frozen=True)
class OutboundResult:
    interaction: Interaction
    event: Event
    new_interaction: bool
    duplicate: bool


def customer_address(db: Database, customer_id: int, channel: str, wanted: str | None = None) -> str:
    """The customer's address on ``channel``: ``wanted`` if it is theirs, else their first one."""
    kind = ADDRESS_KIND[channel]
    with db.read() as session:
        customer = session.get(Customer, customer_id)
        if customer is None:
            raise NotFound("no such customer", customer_id=customer_id)
        owned = [
            row.value
            for row in session.exec(
                select(Identity)
                .where(Identity.customer_id == customer_id, Identity.kind == kind)
                .order_by(col(Identity.id))
            ).all()
        ]
    primary = getattr(customer, kind)
    if wanted is not None:
        if wanted not in owned and wanted != primary:
            raise Conflict(
                "%(address)s is not one of this customer's addresses",
                params={"address": wanted},
                field="to",
            )
        return wanted
    if primary:
        return str(primary)
    if owned:
        return owned[0]
    raise Conflict(
        "this customer has no %(kind)s to write to", params={"kind": kind}, field="to", code="no_address"
    )


def is_opted_out(db: Database, channel: str, address: str) -> bool:
    """SMS reads Twilio's STOP list; every other channel the product's own list."""
    if channel == "sms" and sms_opted_out(db, address):
        return True
    with db.read() as session:
        row = session.exec(
            select(ContactOptOut).where(ContactOptOut.channel == channel, ContactOptOut.address == address)
        ).first()
    return row is not None


def set_opt_out(db: Database, channel: str, address: str, opted_out: bool, reason: str = "") -> bool:
    """Add or lift an opt-out; True if that changed anything."""
    with db.write() as session:
        row = session.exec(
            select(ContactOptOut).where(ContactOptOut.channel == channel, ContactOptOut.address == address)
        ).first()
        if opted_out and row is None:
            session.add(ContactOptOut(channel=channel, address=address, reason=reason[:200]))
            return True
        if not opted_out and row is not None:
            session.delete(row)
            return True
    return False


def _default_queue_id(session: Session) -> int | None:
    queue = session.exec(select(Queue).order_by(col(Queue.is_default).desc(), col(Queue.id))).first()
    return queue.id if queue else None


def open_outbound(
    db: Database,
    *,
    customer_id: int,
    channel: str,
    thread_key: str,
    body: str,
    subject: str = "",
    agent_id: int | None = None,
    author_name: str = "",
    payload: dict[str, Any] | None = None,
    external_id: str | None = None,
) -> OutboundResult:
    """Store an outbound message in the thread's live interaction, or in a new one."""
    body, author_name = nfc(body), nfc(author_name)
    if not body.strip() or len(body) > MAX_BODY_CHARS:
        from repository.errors import InvalidInput

        raise InvalidInput(
            "a message is 1 to %(max)s characters", params={"max": MAX_BODY_CHARS}, field="body"
        )
    with db.write() as session:
        if session.get(Customer, customer_id) is None:
            raise NotFound("no such customer", customer_id=customer_id)
        if external_id:
            stored = session.exec(
                select(Event).where(Event.channel == channel, Event.external_id == external_id)
            ).first()
            if stored is not None:
                interaction = session.get(Interaction, stored.interaction_id)
                assert interaction is not None
                return OutboundResult(interaction, stored, False, True)
        live = session.exec(
            select(Interaction).where(
                Interaction.channel == channel,
                Interaction.thread_key == thread_key,
                col(Interaction.status).in_(LIVE_STATUSES),
            )
        ).first()
        now = utcnow()
        if live is not None:
            if agent_id is not None and live.agent_id != agent_id:
                # Writing into someone else's (or a still-queued) conversation would bypass routing.
                raise Conflict(
                    "this customer already has a live conversation on this channel",
                    code="conversation_live",
                    interaction_id=live.id,
                )
            interaction, created = live, False
        else:
            interaction = Interaction(
                customer_id=customer_id,
                channel=channel,
                thread_key=thread_key,
                subject=subject[:300],
                queue_id=_default_queue_id(session),
                created_at=now,
                queued_at=now,
                first_response_at=now,
            )
            if agent_id is not None:
                interaction.status, interaction.agent_id = "active", agent_id
                interaction.offered_at = interaction.accepted_at = now
            else:
                interaction.status = "closed"
                interaction.ended_at = interaction.closed_at = now
            created = True
        if interaction.first_response_at is None:
            interaction.first_response_at = now
        session.add(interaction)
        session.flush()
        event = Event(
            interaction_id=interaction.id,  # type: ignore[arg-type]
            customer_id=customer_id,
            channel=channel,
            kind="message",
            author_type="agent" if agent_id is not None else "system",
            author_id=agent_id,
            author_name=author_name[:200],
            body=body,
            payload={"outbound": True, **(payload or {})},
            external_id=external_id,
        )
        session.add(event)
        session.flush()
        return OutboundResult(interaction, event, created, False)


def get_outbound_interaction(db: Database, interaction_id: int) -> Interaction:
    with db.read() as session:
        interaction = session.get(Interaction, interaction_id)
    if interaction is None:
        raise NotFound("no such interaction", interaction_id=interaction_id)
    return interaction


def append_outbound(
    db: Database,
    interaction_id: int,
    *,
    body: str,
    author_name: str,
    payload: dict[str, Any] | None = None,
    external_id: str | None = None,
) -> OutboundResult:
    """A message from the API into an existing interaction, whatever its status."""
    interaction = get_outbound_interaction(db, interaction_id)
    body = nfc(body)
    with db.write() as session:
        if external_id:
            stored = session.exec(
                select(Event).where(Event.channel == interaction.channel, Event.external_id == external_id)
            ).first()
            if stored is not None:
                if stored.interaction_id != interaction_id:
                    raise Conflict(
                        "this external_id was already used for another message", field="external_id"
                    )
                return OutboundResult(interaction, stored, False, True)
        event = Event(
            interaction_id=interaction_id,
            customer_id=interaction.customer_id,
            channel=interaction.channel,
            kind="message",
            author_type="system",
            author_name=nfc(author_name)[:200],
            body=body,
            payload={"outbound": True, **(payload or {})},
            external_id=external_id,
        )
        session.add(event)
        session.flush()
        return OutboundResult(interaction, event, False, False)
