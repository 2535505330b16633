"""The batch path of ``ingest_many``: a chunk of inbound items in a handful of Core statements.

The per-item path (ingest.py) flushes the ORM about six times per item and builds five
SQLModel objects, which cost ten times the SQL they run (bench/README.md, "Email
ingestion"). Here the chunk's state is read up front with one ``IN`` query per table
(stored external ids, identities, live threads, their customers), every item is
worked out in memory in order (each sees what the earlier ones would have written:
a second mail of a new sender finds the customer the first one created, a reply
joins the interaction the first one opened), and then each table is written with
one ``executemany`` (ingest_writes.py): customers, identities, customer updates,
interactions, events, outbox rows, search index. Ids come out in item order per table, as the per-item
path gives them, and the objects returned are the detached objects a Session would
return. tests/repository/test_ingest_batch.py checks both paths store the same rows.

The rare cases go through a Session on the same connection, with the per-item path's
own code: the refusal of an unknown queue (``inbound.target_queue``), and the stored
copy a retried external id resolves to.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, select
from sqlmodel import Session
from sqlmodel import select as orm_select

from repository.core.inbound import InboundItem, IngestResult, target_queue
from repository.core.ingest_writes import Placed, Writes, write
from repository.core.models import LIVE_STATUSES, Customer, Event, Identity, Interaction, Queue, utcnow
from repository.core.row_objects import loaded, new_object, new_values, set_stored, table_of

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

_customers = table_of(Customer)
_identities = table_of(Identity)
_interactions = table_of(Interaction)
_events = table_of(Event)
_queues = table_of(Queue)
# Customer columns an ingest may change that the search index reads.
_SEARCHED = ("display_name", "email", "phone")
# The batch's reads, built once (their compiled forms are cached).
_STORED_IDS = select(_events.c.external_id).where(
    _events.c.channel == bindparam("channel"), _events.c.external_id.in_(bindparam("ids", expanding=True))
)
_OWNERS = select(_identities.c.kind, _identities.c.value, _identities.c.customer_id).where(
    _identities.c.kind.in_(bindparam("kinds", expanding=True)),
    _identities.c.value.in_(bindparam("values", expanding=True)),
)
_LIVE = select(_interactions).where(
    _interactions.c.channel.in_(bindparam("channels", expanding=True)),
    _interactions.c.thread_key.in_(bindparam("keys", expanding=True)),
    _interactions.c.status.in_(LIVE_STATUSES),
)
_CUSTOMERS = select(_customers).where(_customers.c.id.in_(bindparam("ids", expanding=True)))
_NAMED_QUEUE = select(_queues.c.id, _queues.c.priority).where(_queues.c.id == bindparam("id"))
# As inbound.target_queue picks one: the default, else the first.
_DEFAULT_QUEUE = (
    select(_queues.c.id, _queues.c.priority).order_by(_queues.c.is_default.desc(), _queues.c.id).limit(1)
)


class _Batch:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._session: Session | None = None
        self.stored_ids: set[tuple[str, str]] = set()
        self.owners: dict[tuple[str, str], Customer] = {}  # identity -> its customer, as of now
        self.customers: dict[int, Customer] = {}  # every stored customer read, by id
        self.live: dict[tuple[str, str], Interaction] = {}  # (channel, thread key) -> live interaction
        self.owner_of: dict[int, Customer] = {}  # id(interaction) -> the customer it belongs to
        self.queues: dict[int | None, tuple[int, int]] = {}  # queue asked for -> (id, priority)
        self.events: dict[tuple[str, str], Placed] = {}  # external ids placed in this batch
        self.new_customers: list[Customer] = []
        self.changed: dict[int, tuple[Customer, set[str]]] = {}  # id(customer) -> columns to UPDATE
        self.new_identities: list[tuple[Customer, str, str]] = []
        self.reindex: dict[int, Customer] = {}
        self.placed: list[Placed] = []

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
        conn = self.conn
        by_channel: dict[str, list[str]] = {}
        for item, _ in prepared:
            if item.external_id:
                by_channel.setdefault(item.channel, []).append(item.external_id)
        for channel, external_ids in by_channel.items():
            rows = conn.execute(_STORED_IDS, {"channel": channel, "ids": external_ids})
            self.stored_ids.update((channel, external_id) for (external_id,) in rows)
        wanted = {pair for _, identities in prepared for pair in identities}
        rows = conn.execute(
            _OWNERS, {"kinds": list({k for k, _ in wanted}), "values": list({v for _, v in wanted})}
        )
        owner_ids = {(kind, value): cid for kind, value, cid in rows if (kind, value) in wanted}
        threads = {(item.channel, item.thread_key) for item, _ in prepared}
        parameters = {"channels": list({c for c, _ in threads}), "keys": list({k for _, k in threads})}
        interactions = [loaded(Interaction, dict(row._mapping)) for row in conn.execute(_LIVE, parameters)]
        live = [i for i in interactions if (i.channel, i.thread_key) in threads]
        customer_ids = set(owner_ids.values()) | {i.customer_id for i in live}
        if customer_ids:
            for row in conn.execute(_CUSTOMERS, {"ids": list(customer_ids)}):
                self.customers[row.id] = loaded(Customer, dict(row._mapping))
        self.owners = {pair: self.customers[cid] for pair, cid in owner_ids.items()}
        for interaction in live:
            self.live[(interaction.channel, interaction.thread_key)] = interaction
            self.owner_of[id(interaction)] = self.customers[interaction.customer_id]

    def place(self, item: InboundItem, identities: list[tuple[str, str]]) -> Placed:
        """Work out one item, in order, exactly as ``ingest._ingest`` would store it."""
        key = (item.channel, item.external_id or "")
        if item.external_id:
            earlier = self.events.get(key)
            if earlier is not None:
                copy = Placed(
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
                    queue_id=queue[0],
                    priority=queue[1],
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
        placed = Placed(customer, interaction, event, new_interaction=new_interaction)
        if item.external_id:
            self.events[key] = placed
        self.placed.append(placed)
        return placed

    def _stored_copy(self, item: InboundItem) -> Placed:
        session = self.session
        existing = session.exec(
            orm_select(Event).where(Event.channel == item.channel, Event.external_id == item.external_id)
        ).one()
        interaction = session.get(Interaction, existing.interaction_id)
        customer = session.get(Customer, existing.customer_id)
        assert interaction is not None and customer is not None
        return Placed(customer, interaction, existing, duplicate=True)

    def _queue(self, queue_id: int | None) -> tuple[int, int]:
        """The (id, priority) of the queue a new interaction joins, as ``inbound.target_queue`` picks it."""
        if queue_id not in self.queues:
            if queue_id is None:
                row = self.conn.execute(_DEFAULT_QUEUE).first()
            else:
                row = self.conn.execute(_NAMED_QUEUE, {"id": queue_id}).first()
            if row is None:
                target_queue(self.session, queue_id)  # raises its NotFound
            assert row is not None
            self.queues[queue_id] = (row.id, row.priority)
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
        """Every placed row, one statement per table (ingest_writes.py)."""
        changed = list(self.changed.values())
        write(
            self.conn,
            Writes(
                self.placed, self.new_customers, self.new_identities, changed, list(self.reindex.values())
            ),
        )

    def close(self) -> None:
        if self._session is not None:
            self._session.close()


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
