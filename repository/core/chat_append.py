"""The chat hot path: a visitor's follow-up in a conversation that is already live.

``ingest`` resolves the customer by identity, looks the thread up, touches the
customer row and inserts through the ORM: about 7 statements and 1.2 ms of CPU per
message, almost all of it SQLAlchemy's unit of work, for a message whose widget
already knows its interaction. This does the same writes as ``ingest`` would for that
case with four prepared Core statements (duplicate check, one read of the
interaction and its customer, the event insert, the customer's ``updated_at``), the
search index row and the outbox row, in the caller's transaction, so the event and
its bus message still commit together (docs/events.md).

It returns None whenever the case is not the plain one (the interaction is no longer
live or is waiting as *pending*, the client id was seen before): the caller then
runs ``ingest`` itself, which handles every case. bench/README.md has the figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from repository.core.ingest import MAX_BODY_CHARS, IngestResult, nfc
from repository.core.models import LIVE_STATUSES, Customer, Event, Interaction, utcnow
from repository.core.serialize import event_dict, public_event_dict
from repository.errors import InvalidInput
from repository.events.bus import InteractionEvent, topics_for
from repository.events.outbox import OutboxRow
from repository.search import index as search_index

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

_events = Event.__table__  # type: ignore[attr-defined]
_interactions = Interaction.__table__  # type: ignore[attr-defined]
_customers = Customer.__table__  # type: ignore[attr-defined]
_outbox = OutboxRow.__table__  # type: ignore[attr-defined]

# Built once: SQLAlchemy caches the compiled form of each, so a message pays for
# binding and executing only.
_SEEN = select(_events.c.id).where(
    _events.c.channel == bindparam("channel"), _events.c.external_id == bindparam("external_id")
)
_LIVE = (
    select(
        _interactions.c.status,
        _interactions.c.customer_id,
        _interactions.c.agent_id,
        _interactions.c.thread_key,
        _interactions.c.pending_reason,
        _customers.c.display_name,
    )
    .join(_customers, _customers.c.id == _interactions.c.customer_id)
    .where(_interactions.c.id == bindparam("interaction_id"))
)
_INSERT_EVENT = insert(_events).returning(_events.c.id)
_TOUCH_CUSTOMER = update(_customers).where(_customers.c.id == bindparam("customer_id"))
_INSERT_OUTBOX = insert(_outbox)
_TYPE = InteractionEvent.type


# What the result carries instead of ORM instances: building a SQLModel ``Event`` and
# ``Customer`` costs more than the statements (pydantic resolves every default), and
# all a caller does with them is read these attributes (repository/core/serialize.py).
@dataclass(frozen=True, slots=True)
class StoredEvent:
    id: int
    interaction_id: int | None
    customer_id: int
    channel: str
    author_id: int
    author_name: str
    body: str
    payload: dict[str, Any]
    external_id: str | None
    created_at: datetime
    kind: str = "message"
    author_type: str = "customer"
    delivery_status: str | None = None


@dataclass(frozen=True, slots=True)
class StoredCustomer:
    id: int
    display_name: str


def _connection(where: Session | Connection) -> Connection:
    """The caller's transaction: a group commit's Core connection, or an ORM session's."""
    return where.connection() if isinstance(where, Session) else where


def follow_up(
    session: Session | Connection,
    interaction: Interaction,
    *,
    body: str,
    external_id: str,
    payload: dict[str, Any] | None = None,
) -> IngestResult | None:
    """Append a customer message to the live chat ``interaction``; None: use ``ingest``."""
    body = nfc(body)
    if len(body) > MAX_BODY_CHARS:
        raise InvalidInput(
            "message is longer than %(max)s characters", params={"max": MAX_BODY_CHARS}, field="body"
        )
    conn = _connection(session)
    if conn.execute(_SEEN, {"channel": interaction.channel, "external_id": external_id}).first():
        return None  # a retry: ingest answers with the stored copy
    row = conn.execute(_LIVE, {"interaction_id": interaction.id}).first()
    if (
        row is None
        or row.status not in LIVE_STATUSES
        or row.pending_reason is not None
        or row.thread_key != interaction.thread_key
    ):
        return None
    now = utcnow()
    payload = payload or {}
    event_id = conn.execute(
        _INSERT_EVENT,
        {
            "interaction_id": interaction.id,
            "customer_id": row.customer_id,
            "channel": interaction.channel,
            "kind": "message",
            "author_type": "customer",
            "author_id": row.customer_id,
            "author_name": row.display_name,
            "body": body,
            "payload": payload,
            "external_id": external_id,
            "created_at": now,
        },
    ).scalar_one()
    event = StoredEvent(
        event_id, interaction.id, row.customer_id, interaction.channel, row.customer_id, row.display_name, body,
        payload, external_id, now,
    )  # fmt: skip
    conn.execute(_TOUCH_CUSTOMER, {"customer_id": row.customer_id, "updated_at": now})
    search_index.index_event(conn, event_id, body)
    # The bus message is InteractionEvent's, built here from the row: the caller's copy
    # of the interaction belongs to its event loop and may lag the row (an accept since).
    data = {
        "interaction_id": interaction.id,
        "agent_id": row.agent_id,
        "event": event_dict(cast("Event", event)),
        "public": public_event_dict(cast("Event", event)),
        "visitor": interaction.thread_key if interaction.channel == "chat" else None,
    }
    conn.execute(
        _INSERT_OUTBOX,
        {"type": _TYPE, "topics": topics_for({"type": _TYPE, **data}), "payload": data, "created_at": now},
    )
    customer = StoredCustomer(row.customer_id, row.display_name)
    return IngestResult(
        cast("Customer", customer), interaction, cast("Event", event), duplicate=False, new_interaction=False
    )


_HELD = select(
    _interactions.c.channel,
    _interactions.c.status,
    _interactions.c.agent_id,
    _interactions.c.customer_id,
    _interactions.c.thread_key,
    _interactions.c.first_response_at,
    _interactions.c.sla_status,
).where(_interactions.c.id == bindparam("interaction_id"))
_FIRST_RESPONSE = update(_interactions).where(_interactions.c.id == bindparam("interaction_id"))


def agent_reply(
    session: Session | Connection,
    interaction_id: int,
    agent_id: int,
    agent_name: str,
    body: str,
    external_id: str | None,
) -> StoredEvent | None:
    """An agent's reply in a chat it holds, as ``append_event`` stores it; None: use the hub's full path.

    The full path (``Hub.reply``) answers every other case: no such interaction, a
    resend of a stored reply, a chat the agent does not hold, other channels, the first
    answer to a contact flagged "approaching" its SLA (docs/sla.md).
    """
    body, agent_name = nfc(body), nfc(agent_name)
    if len(body) > MAX_BODY_CHARS:
        raise InvalidInput(
            "message is longer than %(max)s characters", params={"max": MAX_BODY_CHARS}, field="body"
        )
    conn = _connection(session)
    row = conn.execute(_HELD, {"interaction_id": interaction_id}).first()
    if row is None or row.channel != "chat" or row.status != "active" or row.agent_id != agent_id:
        return None
    if row.first_response_at is None and row.sla_status == "approaching":
        return None  # the first answer takes down the SLA flag: the full path does that
    if external_id and conn.execute(_SEEN, {"channel": "chat", "external_id": external_id}).first():
        return None
    now = utcnow()
    event_id = conn.execute(
        _INSERT_EVENT,
        {
            "interaction_id": interaction_id,
            "customer_id": row.customer_id,
            "channel": "chat",
            "kind": "message",
            "author_type": "agent",
            "author_id": agent_id,
            "author_name": agent_name,
            "body": body,
            "payload": {},
            "external_id": external_id,
            "created_at": now,
        },
    ).scalar_one()
    if row.first_response_at is None:
        conn.execute(_FIRST_RESPONSE, {"interaction_id": interaction_id, "first_response_at": now})
    search_index.index_event(conn, event_id, body)
    event = StoredEvent(
        event_id, interaction_id, row.customer_id, "chat", agent_id, agent_name, body, {}, external_id, now,
        author_type="agent",
    )  # fmt: skip
    data = {
        "interaction_id": interaction_id,
        "agent_id": row.agent_id,
        "event": event_dict(cast("Event", event)),
        "public": public_event_dict(cast("Event", event)),
        "visitor": row.thread_key,
    }
    conn.execute(
        _INSERT_OUTBOX,
        {"type": _TYPE, "topics": topics_for({"type": _TYPE, **data}), "payload": data, "created_at": now},
    )
    return event
