"""The search index tables, and keeping them in step with the CCR in the same transaction.

Two index tables per store (docs/search.md):

* ``search_events``: one row per message or note, keyed by the event id;
* ``search_customers``: one row per customer: name, emails and phone numbers.

Both hold the pre-analysed tokens of :mod:`repository.search.text`: FTS5 tables on
SQLite (``sqlite.py``), tables with a ``tsvector`` and a GIN index on PostgreSQL
(``postgres.py``); this module is the bookkeeping both share.

A SQLAlchemy ``after_flush`` hook indexes every Event, Customer and Identity the
ORM writes, on the flush's own connection: the index commits or rolls back with the
write it describes, whatever code path made it. Writes that bypass the ORM (raw
SQL, bulk loads) must call :func:`index_events` / :func:`reindex_customer` or
:func:`rebuild` themselves.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, attributes

from repository.core.models import Customer, Event, Identity
from repository.search.backend import backend
from repository.search.text import phone_digits, tokens

INDEXED_KINDS = ("message", "note")
INDEX_TABLES = ("search_events", "search_customers")


def is_index_table(name: str | None) -> bool:
    """True for the index tables and FTS5's shadow tables behind them (search_events_data…)."""
    return bool(name) and any(name == t or name.startswith(t + "_") for t in INDEX_TABLES)  # type: ignore[union-attr]


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """Alembic filter: the index tables are not SQLModel models, so autogenerate ignores them."""
    return not (type_ == "table" and is_index_table(name))


def create_tables(conn: Connection) -> None:
    for ddl in backend(conn.dialect.name).DDL:
        conn.exec_driver_sql(ddl)


def index_event(conn: Connection, event_id: int, body: str) -> None:
    index_events(conn, [(event_id, body)])


def index_events(conn: Connection, rows: list[tuple[int, str]]) -> None:
    """Index events (id, body); one statement for all of them."""
    if rows:
        backend(conn.dialect.name).index_events(conn, [(event_id, tokens(body)) for event_id, body in rows])


def unindex_event(conn: Connection, event_id: int, old_body: str) -> None:
    backend(conn.dialect.name).unindex_event(conn, event_id, tokens(old_body))


def customer_sections(name: str, contacts: list[str]) -> tuple[list[str], list[str]]:
    """(name tokens, contact tokens): emails as words, phone numbers as runs of digits."""
    contact: list[str] = []
    for value in dict.fromkeys(c for c in contacts if c):
        if value.startswith("+") or (phone_digits(value) and "@" not in value):
            contact.extend(tokens(phone_digits(value)))
        else:
            contact.extend(tokens(value))
    return tokens(name), contact


def reindex_customer(conn: Connection, customer_id: int) -> None:
    row = conn.execute(
        text("SELECT display_name, email, phone FROM customers WHERE id = :id"), {"id": customer_id}
    ).first()
    store = backend(conn.dialect.name)
    if row is None:
        store.write_customer(conn, customer_id, None)
        return
    identities = conn.execute(
        text(
            "SELECT value FROM identities WHERE customer_id = :id AND kind IN ('email', 'phone') ORDER BY id"
        ),
        {"id": customer_id},
    ).scalars()
    store.write_customer(
        conn, customer_id, customer_sections(row[0] or "", [row[1] or "", row[2] or "", *identities])
    )


def rebuild(conn: Connection, batch: int = 5000) -> None:
    """Index everything from scratch: after a migration, a bulk load or an analyser change."""
    backend(conn.dialect.name).clear(conn)
    last = 0
    while True:
        rows = conn.execute(
            text(
                "SELECT id, body FROM events WHERE id > :last AND kind IN ('message', 'note') ORDER BY id LIMIT :n"
            ),
            {"last": last, "n": batch},
        ).all()
        if not rows:
            break
        for event_id, body in rows:
            index_event(conn, event_id, body or "")
        last = rows[-1][0]
    for customer_id in conn.execute(text("SELECT id FROM customers ORDER BY id")).scalars().all():
        reindex_customer(conn, customer_id)


def _changed(obj: Any, *names: str) -> bool:
    return any(attributes.get_history(obj, name).has_changes() for name in names)


def _old(obj: Any, name: str) -> Any:
    history = attributes.get_history(obj, name)
    return history.deleted[0] if history.deleted else getattr(obj, name)


@event.listens_for(Session, "after_flush")
def _keep_index_in_step(session: Session, _flush_context: Any) -> None:
    added: list[Event] = []
    removed: list[tuple[int, str]] = []
    customers: set[int] = set()
    for obj in session.new:
        if isinstance(obj, Event) and obj.kind in INDEXED_KINDS:
            added.append(obj)
        elif isinstance(obj, Customer):
            customers.add(obj.id)  # type: ignore[arg-type]
        elif isinstance(obj, Identity) and obj.kind in ("email", "phone"):
            customers.add(obj.customer_id)
    for obj in session.dirty:
        if isinstance(obj, Event) and _changed(obj, "body", "kind"):
            if _old(obj, "kind") in INDEXED_KINDS:
                removed.append((obj.id, _old(obj, "body") or ""))  # type: ignore[arg-type]
            if obj.kind in INDEXED_KINDS:
                added.append(obj)
        elif isinstance(obj, Customer) and _changed(obj, "display_name", "email", "phone"):
            customers.add(obj.id)  # type: ignore[arg-type]
        elif isinstance(obj, Identity) and _changed(obj, "value", "customer_id"):
            customers.update({obj.customer_id, _old(obj, "customer_id")})
    for obj in session.deleted:
        if isinstance(obj, Event) and _old(obj, "kind") in INDEXED_KINDS:
            removed.append((obj.id, _old(obj, "body") or ""))  # type: ignore[arg-type]
        elif isinstance(obj, Customer):
            customers.add(obj.id)  # type: ignore[arg-type]
        elif isinstance(obj, Identity):
            customers.add(obj.customer_id)
    if not (added or removed or customers):
        return
    conn = session.connection()
    for event_id, old_body in removed:
        unindex_event(conn, event_id, old_body)
    index_events(conn, [(item.id, item.body or "") for item in added])  # type: ignore[misc]
    for customer_id in sorted(c for c in customers if c is not None):
        reindex_customer(conn, customer_id)
