"""The search index tables, and keeping them in step with the CCR in the same transaction.

Two index tables per store (docs/search.md):

* ``search_events``: one row per message or note, keyed by the event id;
* ``search_customers``: one row per customer: name, emails and phone numbers.

On SQLite they are FTS5 tables over the pre-analysed tokens of
:mod:`repository.search.text` (FTS5's ``ascii`` tokenizer then only splits on the
spaces we put between tokens). ``search_events`` is contentless: the message text
lives once, in ``events``. On PostgreSQL they are plain tables with a ``tsvector``
built from the same tokens (positions included, so phrases work) and a GIN index.

A SQLAlchemy ``after_flush`` hook indexes every Event, Customer and Identity the
ORM writes, on the flush's own connection: the index commits or rolls back with the
write it describes, whatever code path made it. Writes that bypass the ORM (raw
SQL, bulk loads) must call :func:`index_event` / :func:`reindex_customer` or
:func:`rebuild` themselves.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, attributes

from repository.core.models import Customer, Event, Identity
from repository.search.text import phone_digits, tokens

INDEXED_KINDS = ("message", "note")
INDEX_TABLES = ("search_events", "search_customers")
# tsvector keeps positions up to 16383; later tokens share the last position.
_PG_MAX_POSITION = 16383

SQLITE_DDL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_events USING fts5(terms, content='', tokenize='ascii')",
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_customers USING fts5(name, contact, tokenize='ascii')",
)
POSTGRES_DDL = (
    "CREATE TABLE IF NOT EXISTS search_events ("
    " event_id integer PRIMARY KEY REFERENCES events(id) ON DELETE CASCADE,"
    " terms tsvector NOT NULL)",
    "CREATE INDEX IF NOT EXISTS ix_search_events_terms ON search_events USING gin (terms)",
    "CREATE TABLE IF NOT EXISTS search_customers ("
    " customer_id integer PRIMARY KEY REFERENCES customers(id) ON DELETE CASCADE,"
    " terms tsvector NOT NULL)",
    "CREATE INDEX IF NOT EXISTS ix_search_customers_terms ON search_customers USING gin (terms)",
)


def is_index_table(name: str | None) -> bool:
    """True for the index tables and FTS5's shadow tables behind them (search_events_data…)."""
    return bool(name) and any(name == t or name.startswith(t + "_") for t in INDEX_TABLES)  # type: ignore[union-attr]


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """Alembic filter: the index tables are not SQLModel models, so autogenerate ignores them."""
    return not (type_ == "table" and is_index_table(name))


def create_tables(conn: Connection) -> None:
    for ddl in SQLITE_DDL if conn.dialect.name == "sqlite" else POSTGRES_DDL:
        conn.exec_driver_sql(ddl)


def tsvector_literal(weighted: list[tuple[list[str], str]]) -> str:
    """A tsvector in PostgreSQL's input syntax: ``'tok':1A,7A 'other':2``.

    ``weighted`` is a list of (tokens, weight letter) sections, numbered on from one
    section to the next so phrases never join two sections.
    """
    positions: dict[str, list[str]] = defaultdict(list)
    position = 0
    for section, weight in weighted:
        position += 1  # a gap between sections
        for token in section:
            position += 1
            positions[token].append(f"{min(position, _PG_MAX_POSITION)}{weight}")
    return " ".join(
        "'" + token.replace("\\", "\\\\").replace("'", "''") + "':" + ",".join(where[:256])
        for token, where in positions.items()
    )


def index_event(conn: Connection, event_id: int, body: str) -> None:
    terms = tokens(body)
    if conn.dialect.name == "sqlite":
        conn.execute(
            text("INSERT INTO search_events(rowid, terms) VALUES (:id, :terms)"),
            {"id": event_id, "terms": " ".join(terms)},
        )
    else:
        conn.execute(
            text(
                "INSERT INTO search_events(event_id, terms) VALUES (:id, CAST(:terms AS tsvector))"
                " ON CONFLICT (event_id) DO UPDATE SET terms = EXCLUDED.terms"
            ),
            {"id": event_id, "terms": tsvector_literal([(terms, "")])},
        )


def unindex_event(conn: Connection, event_id: int, old_body: str) -> None:
    if conn.dialect.name == "sqlite":
        # A contentless FTS5 table forgets a row only when told the tokens it was given.
        conn.execute(
            text("INSERT INTO search_events(search_events, rowid, terms) VALUES ('delete', :id, :terms)"),
            {"id": event_id, "terms": " ".join(tokens(old_body))},
        )
    else:
        conn.execute(text("DELETE FROM search_events WHERE event_id = :id"), {"id": event_id})


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
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:
        conn.execute(text("DELETE FROM search_customers WHERE rowid = :id"), {"id": customer_id})
    if row is None:
        if not sqlite:
            conn.execute(text("DELETE FROM search_customers WHERE customer_id = :id"), {"id": customer_id})
        return
    identities = conn.execute(
        text(
            "SELECT value FROM identities WHERE customer_id = :id AND kind IN ('email', 'phone') ORDER BY id"
        ),
        {"id": customer_id},
    ).scalars()
    name, contact = customer_sections(row[0] or "", [row[1] or "", row[2] or "", *identities])
    if sqlite:
        conn.execute(
            text("INSERT INTO search_customers(rowid, name, contact) VALUES (:id, :name, :contact)"),
            {"id": customer_id, "name": " ".join(name), "contact": " ".join(contact)},
        )
    else:
        conn.execute(
            text(
                "INSERT INTO search_customers(customer_id, terms) VALUES (:id, CAST(:terms AS tsvector))"
                " ON CONFLICT (customer_id) DO UPDATE SET terms = EXCLUDED.terms"
            ),
            {"id": customer_id, "terms": tsvector_literal([(name, "A"), (contact, "")])},
        )


def rebuild(conn: Connection, batch: int = 5000) -> None:
    """Index everything from scratch: after a migration, a bulk load or an analyser change."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("INSERT INTO search_events(search_events) VALUES ('delete-all')")
        conn.exec_driver_sql("DELETE FROM search_customers")
    else:
        conn.exec_driver_sql("DELETE FROM search_events")
        conn.exec_driver_sql("DELETE FROM search_customers")
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
    for item in added:
        index_event(conn, item.id, item.body or "")  # type: ignore[arg-type]
    for customer_id in sorted(c for c in customers if c is not None):
        reindex_customer(conn, customer_id)
