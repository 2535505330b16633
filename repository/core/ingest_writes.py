"""The writes of a placed ingest batch (ingest_batch.py): one statement per table.

In the order the per-item path (ingest.py) gives ids: customers, identities, customer
updates, interactions, events, outbox rows, then the search index, which the ORM's
``after_flush`` hook (repository/search/index.py) would otherwise have kept in step.
Statements are built once; their compiled forms are cached.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, func, insert, select, update

from repository.core.inbound import IngestResult
from repository.core.models import Customer, Event, Identity, Interaction
from repository.core.row_objects import as_stored, insert_values, new_values, set_stored, table_of
from repository.events.bus import BusMessage, InteractionEvent, InteractionUpdated, topics_for
from repository.events.outbox import OutboxRow
from repository.search.index import INDEXED_KINDS, index_events, reindex_customer

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy import Insert, Select, Table, Update
    from sqlalchemy.engine import Connection
    from sqlmodel import SQLModel

_customers = table_of(Customer)
_identities = table_of(Identity)
_interactions = table_of(Interaction)
_events = table_of(Event)
_outbox = table_of(OutboxRow)
_INSERT_IDENTITIES = insert(_identities)
_INSERT_OUTBOX = insert(_outbox)


@dataclass
class Placed:
    """One item as it will be stored: its customer, interaction and event (or the stored copy)."""

    customer: Customer
    interaction: Interaction
    event: Event
    duplicate: bool = False
    new_interaction: bool = False

    def result(self) -> IngestResult:
        return IngestResult(self.customer, self.interaction, self.event, self.duplicate, self.new_interaction)


@dataclass
class Writes:
    """What a batch has placed and must now write."""

    placed: list[Placed]
    new_customers: list[Customer]
    new_identities: list[tuple[Customer, str, str]]
    changed: list[tuple[Customer, set[str]]]  # stored customers and the columns to UPDATE
    reindex: list[Customer]  # customers whose search row must be rewritten


def write(conn: Connection, writes: Writes) -> None:
    insert_returning_ids(conn, _customers, writes.new_customers)
    if writes.new_identities:
        conn.execute(
            _INSERT_IDENTITIES,
            [new_values(Identity, customer_id=c.id, kind=k, value=v) for c, k, v in writes.new_identities],
        )
    _update_customers(conn, writes.changed)
    fresh = [p for p in writes.placed if p.new_interaction]
    for placed in fresh:
        set_stored(placed.interaction, "customer_id", placed.customer.id)
    insert_returning_ids(conn, _interactions, [p.interaction for p in fresh])
    written = [p for p in writes.placed if not p.duplicate]
    for placed in written:
        event = placed.event
        set_stored(event, "interaction_id", placed.interaction.id)
        set_stored(event, "customer_id", placed.interaction.customer_id)
        set_stored(event, "author_id", placed.customer.id)
    insert_returning_ids(conn, _events, [p.event for p in written])
    messages: list[BusMessage] = []
    for placed in written:
        if placed.new_interaction:
            messages.append(InteractionUpdated(placed.interaction, {"created": True}))
        messages.append(InteractionEvent(placed.event, placed.interaction))
    if messages:
        conn.execute(_INSERT_OUTBOX, [outbox_row(message) for message in messages])
    index_events(
        conn,
        [(p.event.id, p.event.body or "") for p in written if p.event.kind in INDEXED_KINDS],  # type: ignore[misc]
    )
    for customer_id in sorted({c.id for c in writes.reindex if c.id is not None}):
        reindex_customer(conn, customer_id)


def _update_customers(conn: Connection, changed: list[tuple[Customer, set[str]]]) -> None:
    """One UPDATE per set of changed columns (usually one: ``updated_at``), as the ORM would write."""
    by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for customer, names in changed:
        columns = tuple(sorted(names))
        by_columns.setdefault(columns, []).append(
            {"customer_id": customer.id, **{name: getattr(customer, name) for name in columns}}
        )
    for columns, rows in by_columns.items():
        conn.execute(_customer_update(columns), rows)


@cache
def _customer_update(columns: tuple[str, ...]) -> Update:
    return (
        update(_customers)
        .where(_customers.c.id == bindparam("customer_id"))
        .values({name: bindparam(name) for name in columns})
    )


@cache
def _insert_returning(table: Table) -> Insert:
    return insert(table).returning(table.c.id, sort_by_parameter_order=True)


@cache
def _top_id(table: Table) -> Select[Any]:
    return select(func.max(table.c.id))


def insert_returning_ids(conn: Connection, table: Table, objects: Sequence[SQLModel]) -> None:
    """INSERT new objects in one statement, give each its id, and make it a stored row."""
    if not objects:
        return
    values = [insert_values(obj, table) for obj in objects]
    if conn.dialect.name == "sqlite":
        # SQLite cannot promise the order of a multi-row RETURNING, so SQLAlchemy would
        # send one INSERT per row. Inside the write transaction (BEGIN IMMEDIATE) no one
        # else inserts, and SQLite numbers a new row max(id) + 1: these are its own ids.
        top: int = conn.execute(_top_id(table)).scalar() or 0
        ids = list(range(top + 1, top + 1 + len(objects)))
        conn.execute(insert(table), [{"id": row_id, **row} for row_id, row in zip(ids, values, strict=True)])
    else:
        ids = [row_id for (row_id,) in conn.execute(_insert_returning(table), values)]
    for obj, row_id in zip(objects, ids, strict=True):
        obj.__dict__["id"] = row_id
        as_stored(obj)


def outbox_row(message: BusMessage) -> dict[str, Any]:
    """The row ``outbox.emit`` writes for ``message``: type, topics, the rest as payload."""
    data = message.as_dict()
    topics = topics_for(data)
    kind = data.pop("type")
    return new_values(OutboxRow, type=kind, topics=topics, payload=data)
