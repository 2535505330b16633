"""Search on PostgreSQL: plain tables with a ``tsvector`` and a GIN index, ranked by ts_rank.

The tsvector is built from the same analyser's tokens as SQLite's index, positions
included, so phrases (``<->``) work; customers weigh their name ``A`` above contacts.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import text
from sqlalchemy.engine import Connection

from repository.search.text import Term

DDL = (
    "CREATE TABLE IF NOT EXISTS search_events ("
    " event_id integer PRIMARY KEY REFERENCES events(id) ON DELETE CASCADE,"
    " terms tsvector NOT NULL)",
    "CREATE INDEX IF NOT EXISTS ix_search_events_terms ON search_events USING gin (terms)",
    "CREATE TABLE IF NOT EXISTS search_customers ("
    " customer_id integer PRIMARY KEY REFERENCES customers(id) ON DELETE CASCADE,"
    " terms tsvector NOT NULL)",
    "CREATE INDEX IF NOT EXISTS ix_search_customers_terms ON search_customers USING gin (terms)",
)
EVENT_KEY = "s.event_id"
NEWEST_ID_SQL = "SELECT max(event_id) FROM search_events"
# Look for the newest matches among the newest this many ids first (query.py): the
# planner multiplies a phrase's lexeme frequencies as if they were independent
# ('ref' <-> 'efu' <-> 'fun' <-> 'und': 0.2 % estimated, 21 % real), so unbounded it
# fetches and sorts every match of a common English word instead of walking ids newest
# first. Within the window the match is written as a function call, which no index can
# serve, so the plan is always the same bounded walk down the primary key.
NEWEST_WINDOW = 20_000
# tsvector keeps positions up to 16383; later tokens share the last position.
MAX_POSITION = 16383


def _lexeme(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def match(terms: list[Term]) -> str:
    """The terms as a tsquery: phrases with <->, prefixes with :*; every token quoted."""
    parts = []
    for term in terms:
        if term.prefix:
            parts.append(_lexeme(term.tokens[0]) + ":*")
        else:
            parts.append("(" + " <-> ".join(_lexeme(t) for t in term.tokens) + ")")
    return " & ".join(parts)


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
            positions[token].append(f"{min(position, MAX_POSITION)}{weight}")
    return " ".join(_lexeme(token) + ":" + ",".join(where[:256]) for token, where in positions.items())


_INDEX_EVENT = text(
    "INSERT INTO search_events(event_id, terms) VALUES (:id, CAST(:terms AS tsvector))"
    " ON CONFLICT (event_id) DO UPDATE SET terms = EXCLUDED.terms"
)


def index_events(conn: Connection, rows: list[tuple[int, list[str]]]) -> None:
    """Index events (id, tokens) with one executemany."""
    conn.execute(
        _INDEX_EVENT, [{"id": event_id, "terms": tsvector_literal([(terms, "")])} for event_id, terms in rows]
    )


def unindex_event(conn: Connection, event_id: int, old_terms: list[str]) -> None:
    conn.execute(text("DELETE FROM search_events WHERE event_id = :id"), {"id": event_id})


def write_customer(conn: Connection, customer_id: int, sections: tuple[list[str], list[str]] | None) -> None:
    """Replace a customer's row; ``None`` (the customer is gone) only deletes it."""
    if sections is None:
        conn.execute(text("DELETE FROM search_customers WHERE customer_id = :id"), {"id": customer_id})
        return
    name, contact = sections
    conn.execute(
        text(
            "INSERT INTO search_customers(customer_id, terms) VALUES (:id, CAST(:terms AS tsvector))"
            " ON CONFLICT (customer_id) DO UPDATE SET terms = EXCLUDED.terms"
        ),
        {"id": customer_id, "terms": tsvector_literal([(name, "A"), (contact, "")])},
    )


def clear(conn: Connection) -> None:
    conn.exec_driver_sql("DELETE FROM search_events")
    conn.exec_driver_sql("DELETE FROM search_customers")


def message_sql(joins: str, extra: str, window: bool = False) -> str:
    """Rank the newest ``:candidates`` matches by ts_rank (higher is better), then page.

    ``found`` is how many candidates were ranked (at most ``:candidates``). With
    ``window`` (``extra`` bounds the ids), ``ts_match_vq`` is ``@@`` hidden from the GIN
    index and from the planner's misleading estimate: the ids are walked newest first.
    """
    matches = "ts_match_vq(s.terms, q.query)" if window else "s.terms @@ q.query"
    return (
        "SELECT id, score, count(*) OVER () AS found FROM ("
        f" SELECT {EVENT_KEY} AS id, ts_rank(s.terms, q.query, 1) AS score"
        " FROM (SELECT CAST(:match AS tsquery) AS query) q"
        f" JOIN search_events s ON {matches}{joins}"
        f" WHERE TRUE{extra}"
        f" ORDER BY {EVENT_KEY} DESC LIMIT :candidates) AS newest"
        " ORDER BY score DESC, id DESC LIMIT :limit OFFSET :offset"
    )


def customer_sql(extra: str) -> str:
    """Customers by ts_rank, the name (weight A) above contacts."""
    return (
        "SELECT c.id, ts_rank(s.terms, q.query, 1) AS score"
        " FROM (SELECT CAST(:match AS tsquery) AS query) q"
        " JOIN search_customers s ON s.terms @@ q.query JOIN customers c ON c.id = s.customer_id"
        f" WHERE TRUE{extra}"
        " ORDER BY score DESC, c.id DESC LIMIT :limit OFFSET :offset"
    )
