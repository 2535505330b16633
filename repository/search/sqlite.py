"""Search on SQLite: FTS5 tables over the analyser's tokens, ranked by bm25.

``search_events`` is contentless (the message text lives once, in ``events``), keyed by
the event id as its rowid; FTS5's ``ascii`` tokenizer only splits on the spaces
:mod:`repository.search.text` puts between tokens. A contentless table forgets a row only
when told the tokens it was given, so unindexing needs the old body's tokens.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

from repository.search.text import Term

DDL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_events USING fts5(terms, content='', tokenize='ascii')",
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_customers USING fts5(name, contact, tokenize='ascii')",
)
# The index's column that holds an event id, as the message query joins on it.
EVENT_KEY = "search_events.rowid"
NEWEST_ID_SQL = "SELECT max(rowid) FROM search_events"
# FTS5 walks a term's rowids newest first by itself: no id window needed (query.py).
NEWEST_WINDOW = 0


def match(terms: list[Term]) -> str:
    """An FTS5 MATCH expression in which every token is a quoted string: data, not syntax."""

    def quoted(tokens: tuple[str, ...]) -> str:
        return '"' + " ".join(tokens).replace('"', '""') + '"'

    return " AND ".join(quoted(t.tokens) + (" *" if t.prefix else "") for t in terms)


_INDEX_EVENT = text("INSERT INTO search_events(rowid, terms) VALUES (:id, :terms)")


def index_events(conn: Connection, rows: list[tuple[int, list[str]]]) -> None:
    """Index events (id, tokens) with one executemany."""
    conn.execute(_INDEX_EVENT, [{"id": event_id, "terms": " ".join(terms)} for event_id, terms in rows])


def unindex_event(conn: Connection, event_id: int, old_terms: list[str]) -> None:
    conn.execute(
        text("INSERT INTO search_events(search_events, rowid, terms) VALUES ('delete', :id, :terms)"),
        {"id": event_id, "terms": " ".join(old_terms)},
    )


def write_customer(conn: Connection, customer_id: int, sections: tuple[list[str], list[str]] | None) -> None:
    """Replace a customer's row; ``None`` (the customer is gone) only deletes it."""
    conn.execute(text("DELETE FROM search_customers WHERE rowid = :id"), {"id": customer_id})
    if sections is not None:
        name, contact = sections
        conn.execute(
            text("INSERT INTO search_customers(rowid, name, contact) VALUES (:id, :name, :contact)"),
            {"id": customer_id, "name": " ".join(name), "contact": " ".join(contact)},
        )


def clear(conn: Connection) -> None:
    conn.exec_driver_sql("INSERT INTO search_events(search_events) VALUES ('delete-all')")
    conn.exec_driver_sql("DELETE FROM search_customers")


def message_sql(joins: str, extra: str, window: bool = False) -> str:
    """Rank the newest ``:candidates`` matches by bm25 (lower is better), then page.

    ``found`` is how many candidates were ranked (at most ``:candidates``).
    """
    return (
        "SELECT id, score, count(*) OVER () AS found FROM ("
        f" SELECT {EVENT_KEY} AS id, bm25(search_events) AS score FROM search_events{joins}"
        f" WHERE search_events MATCH :match{extra}"
        f" ORDER BY {EVENT_KEY} DESC LIMIT :candidates)"
        " ORDER BY score, id DESC LIMIT :limit OFFSET :offset"
    )


def customer_sql(extra: str) -> str:
    """Customers by bm25; a name match weighs twice a contact match."""
    return (
        "SELECT c.id, bm25(search_customers, 2.0, 1.0) AS score FROM search_customers"
        " JOIN customers c ON c.id = search_customers.rowid"
        f" WHERE search_customers MATCH :match{extra} ORDER BY score, c.id DESC LIMIT :limit OFFSET :offset"
    )
