"""The batch path of ``ingest_many``: a chunk of inbound items in a handful of Core statements.

The per-item path (ingest.py) flushes the ORM about six times per item and builds five
SQLModel objects, which cost ten times the SQL they run (bench/README.md, "Email
ingestion"). Here the chunk's state is read up front with one ``IN`` query per table
(stored external ids, identities, live threads, their customers), every item is
worked out in memory in order (each sees what the earlier ones would have written:
a second mail of a new sender finds the customer the first one created, a reply
joins the interaction the first one opened), and then each table is written with
one ``executemany``: customers, identities, customer updates, interactions, events,
outbox rows, search index. Ids come out in item order per table, as the per-item
path gives them, and the objects returned are the detached objects a Session would
return. tests/repository/test_ingest_batch.py checks both paths store the same rows.

The rare reads go through a Session on the same connection, with the per-item path's
own functions: the target queue (and its "no such queue" refusal), and the stored
copy a retried external id resolves to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, insert, select, update
from sqlmodel import Session
from sqlmodel import select as orm_select

from repository.core.inbound import InboundItem, IngestResult, target_queue
from repository.core.models import LIVE_STATUSES, Customer, Event, Identity, Interaction, utcnow
from repository.core.row_objects import (
    as_stored,
    insert_values,
    loaded,
    new_object,
    new_values,
    set_stored,
    table_of,
)
from repository.events.bus import BusMessage, InteractionEvent, InteractionUpdated, topics_for
from repository.events.outbox import OutboxRow
from repository.search.index import INDEXED_KINDS, index_event, reindex_customer

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from repository.core.models import Queue

_customers = table_of(Customer)
_identities = table_of(Identity)
_interactions = table_of(Interaction)
_events = table_of(Event)
_outbox = table_of(OutboxRow)
# Customer columns an ingest may change; the search index reads the first three.
_SEARCHED = ("display_name", "email", "phone")


@dataclass
class _Placed:
    """One item as it will be stored: its customer, interaction and event (or the stored copy)."""

    customer: Customer
    interaction: Interaction
    event: Event
    duplicate: bool = False
    new_interaction: bool = False

    def result(self) -> IngestResult:
        return IngestResult(self.customer, self.interaction, self.event, self.duplicate, self.new_interaction)


class _Batch:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._session: Session | None = None
        self.stored_ids: set[tuple[str, str]] = set()
        self.owners: dict[tuple[str, str], Customer] = {}  # identity -> its customer, as of now
        self.customers: dict[int, Customer] = {}  # every stored customer read, by id
        self.live: dict[tuple[str, str], Interaction] = {}  # (channel, thread key) -> live interaction
        self.owner_of: dict[int, Customer] = {}  # id(interaction) -> the customer it belongs to
        self.queues: dict[int | None, Queue] = {}
        self.events: dict[tuple[str, str], _Placed] = {}  # external ids placed in this batch
        self.new_customers: list[Customer] = []
        self.changed: dict[int, tuple[Customer, set[str]]] = {}  # id(customer) -> columns to UPDATE
        self.new_identities: list[tuple[Customer, str, str]] = []
        self.reindex: dict[int, Customer] = {}
        self.placed: list[_Placed] = []

    @property
    def session(self) -> Session:
        """A Session on the batch's connection, for the per-item path's rare reads."""
        if self._session is None:
            self._session = Session(bind=self.conn, expire_on_commit=False, autoflush=False)
            # The objects read or changed so far, so the Session answers with them (as the
            # per-item path's identity map would) rather than with stale copies.
            stored = [*self.customers.values(), *(i for i in self.live.values() if i.id is not None)]
            self._session.add_all(stored)  # not the interactions this batch has yet to insert
        return self._session

    def read(self, prepared: list[tuple[InboundItem, list[tuple[str, str]]]]) -> None:
        """Everything the items may need from the store, one query per table."""
        by_channel: dict[str, list[str]] = {}
        for item, _ in prepared:
            if item.external_id:
                by_channel.setdefault(item.channel, []).append(item.external_id)
        for channel, external_ids in by_channel.items():
            rows = self.conn.execute(
                select(_events.c.external_id).where(
                    _events.c.channel == channel, _events.c.external_id.in_(external_ids)
                )
            )
            self.stored_ids.update((channel, external_id) for (external_id,) in rows)
        wanted = {pair for _, identities in prepared for pair in identities}
        owner_ids: dict[tuple[str, str], int] = {}
        if wanted:
            rows = self.conn.execute(
                select(_identities.c.kind, _identities.c.value, _identities.c.customer_id).where(
                    _identities.c.kind.in_({kind for kind, _ in wanted}),
                    _identities.c.value.in_({value for _, value in wanted}),
                )
            )
            owner_ids = {(kind, value): cid for kind, value, cid in rows if (kind, value) in wanted}
        threads = {(item.channel, item.thread_key) for item, _ in prepared}
        interactions = [
            loaded(Interaction, dict(row._mapping))
            for row in self.conn.execute(
                select(_interactions).where(
                    _interactions.c.channel.in_({channel for channel, _ in threads}),
                    _interactions.c.thread_key.in_({key for _, key in threads}),
                    _interactions.c.status.in_(LIVE_STATUSES),
                )
            )
        ]
        live = [i for i in interactions if (i.channel, i.thread_key) in threads]
        customer_ids = set(owner_ids.values()) | {i.customer_id for i in live}
        if customer_ids:
            for row in self.conn.execute(select(_customers).where(_customers.c.id.in_(customer_ids))):
                self.customers[row.id] = loaded(Customer, dict(row._mapping))
        self.owners = {pair: self.customers[cid] for pair, cid in owner_ids.items()}
        for interaction in live:
            self.live[(interaction.channel, interaction.thread_key)] = interaction
            self.owner_of[id(interaction)] = self.customers[interaction.customer_id]

    def place(self, item: InboundItem, identities: list[tuple[str, str]]) -> _Placed:
        """Work out one item, in order, exactly as ``ingest._ingest`` would store it."""
        key = (item.channel, item.external_id or "")
        if item.external_id:
            earlier = self.events.get(key)
            if earlier is not None:
                copy = _Placed(
                    self.owner_of[id(earlier.interaction)], earlier.interaction, earlier.event, True
                )
                self.placed.append(copy)
                return copy
            if key in self.stored_ids:
                placed = self._stored_copy(item)
                self.placed.append(placed)
                return placed
        customer = self._resolve(identities, item.display_name)
        interaction = self.live.get((item.channel, item.thread_key))
        new_interaction = interaction is None
        if interaction is None:
            queue = self._queue(item.queue_id)
            interaction = new_object(
                Interaction,
                new_values(
                    Interaction,
                    channel=item.channel,
                    thread_key=item.thread_key,
                    status="queued",
                    queue_id=queue.id,
                    priority=queue.priority,
                    subject=item.subject[:300],
                ),
            )
            self.live[(item.channel, item.thread_key)] = interaction
            self.owner_of[id(interaction)] = customer
        event = new_object(
            Event,
            new_values(
                Event,
                channel=item.channel,
                kind="message",
                author_type="customer",
                author_name=customer.display_name,
                body=item.body,
                payload=item.payload,
                external_id=item.external_id,
            ),
        )
        placed = _Placed(customer, interaction, event, new_interaction=new_interaction)
        if item.external_id:
            self.events[key] = placed
        self.placed.append(placed)
        return placed

    def _stored_copy(self, item: InboundItem) -> _Placed:
        session = self.session
        existing = session.exec(
            orm_select(Event).where(Event.channel == item.channel, Event.external_id == item.external_id)
        ).one()
        interaction = session.get(Interaction, existing.interaction_id)
        customer = session.get(Customer, existing.customer_id)
        assert interaction is not None and customer is not None
        return _Placed(customer, interaction, existing, duplicate=True)

    def _queue(self, queue_id: int | None) -> Queue:
        if queue_id not in self.queues:
            self.queues[queue_id] = target_queue(self.session, queue_id)
        return self.queues[queue_id]

    def _resolve(self, identities: list[tuple[str, str]], display_name: str) -> Customer:
        """``ingest.resolve_customer`` on the batch's view of the store."""
        known = {pair for pair in identities if pair in self.owners}
        customer = next((self.owners[pair] for pair in identities if pair in known), None)
        if customer is None:
            customer = new_object(Customer, new_values(Customer, display_name=display_name[:200]))
            self.new_customers.append(customer)
            self.reindex[id(customer)] = customer
        elif display_name and not customer.display_name:
            self._change(customer, "display_name", display_name[:200])
        for kind, value in identities:
            if (kind, value) in known:
                continue
            self.new_identities.append((customer, kind, value))
            self.owners[(kind, value)] = customer
            if kind in ("email", "phone"):
                self.reindex[id(customer)] = customer
            if kind == "email" and not customer.email:
                self._change(customer, "email", value)
            if kind == "phone" and not customer.phone:
                self._change(customer, "phone", value)
        self._change(customer, "updated_at", utcnow())
        return customer

    def _change(self, customer: Customer, name: str, value: Any) -> None:
        set_stored(customer, name, value)
        if customer.id is not None:  # a new customer is inserted with its final values
            self.changed.setdefault(id(customer), (customer, set()))[1].add(name)
            if name in _SEARCHED:
                self.reindex[id(customer)] = customer

    def write(self) -> None:
        """Every placed row, one statement per table, in the order the per-item path gives ids."""
        conn = self.conn
        _insert_returning_ids(conn, _customers, self.new_customers)
        if self.new_identities:
            conn.execute(
                insert(_identities),
                [new_values(Identity, customer_id=c.id, kind=k, value=v) for c, k, v in self.new_identities],
            )
        by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for customer, names in self.changed.values():
            columns = tuple(sorted(names))
            by_columns.setdefault(columns, []).append(
                {"customer_id": customer.id, **{name: getattr(customer, name) for name in columns}}
            )
        for columns, rows in by_columns.items():
            conn.execute(
                update(_customers)
                .where(_customers.c.id == bindparam("customer_id"))
                .values({name: bindparam(name) for name in columns}),
                rows,
            )
        fresh = [p for p in self.placed if p.new_interaction]
        for placed in fresh:
            set_stored(placed.interaction, "customer_id", placed.customer.id)
        _insert_returning_ids(conn, _interactions, [p.interaction for p in fresh])
        written = [p for p in self.placed if not p.duplicate]
        for placed in written:
            event = placed.event
            set_stored(event, "interaction_id", placed.interaction.id)
            set_stored(event, "customer_id", placed.interaction.customer_id)
            set_stored(event, "author_id", placed.customer.id)
        _insert_returning_ids(conn, _events, [p.event for p in written])
        messages: list[BusMessage] = []
        for placed in written:
            if placed.new_interaction:
                messages.append(InteractionUpdated(placed.interaction, {"created": True}))
            messages.append(InteractionEvent(placed.event, placed.interaction))
        if messages:
            conn.execute(insert(_outbox), [_outbox_row(message) for message in messages])
        for placed in written:
            if placed.event.kind in INDEXED_KINDS:
                index_event(conn, placed.event.id, placed.event.body or "")  # type: ignore[arg-type]
        for customer_id in sorted(c.id for c in self.reindex.values()):  # type: ignore[type-var]
            reindex_customer(conn, customer_id)  # type: ignore[arg-type]

    def close(self) -> None:
        if self._session is not None:
            self._session.close()


def _insert_returning_ids(conn: Connection, table: Any, objects: list[Any]) -> None:
    """INSERT new objects in one statement, give each its id, and make it a stored row."""
    if not objects:
        return
    rows = conn.execute(
        insert(table).returning(table.c.id, sort_by_parameter_order=True),
        [insert_values(obj, table) for obj in objects],
    )
    for obj, (row_id,) in zip(objects, rows, strict=True):
        obj.__dict__["id"] = row_id
        as_stored(obj)


def _outbox_row(message: BusMessage) -> dict[str, Any]:
    """The row ``outbox.emit`` writes for ``message``: type, topics, the rest as payload."""
    data = message.as_dict()
    topics = topics_for(data)
    kind = data.pop("type")
    return new_values(OutboxRow, type=kind, topics=topics, payload=data)


def store_batch(
    conn: Connection, prepared: list[tuple[InboundItem, list[tuple[str, str]]]]
) -> list[IngestResult]:
    """Store ``prepared`` items (see ``inbound.prepared``) in the caller's transaction on ``conn``."""
    batch = _Batch(conn)
    try:
        batch.read(prepared)
        placed = [batch.place(item, identities) for item, identities in prepared]
        batch.write()
    finally:
        batch.close()
    return [p.result() for p in placed]
