"""Search the CCR: messages and notes by keyword, customers by name, email or phone.

Any language, CJK included: the query goes through the same analyser as the index
(:mod:`repository.search.text`), so 发票 finds 發票, "iPhone退货" finds mixed text
and "fund" finds "refunded". The user's text only ever reaches the store as bound
parameters and as quoted FTS5 / tsquery terms, so query syntax in it is just text.
Hits are ranked (bm25 on SQLite, ts_rank on PostgreSQL: see sqlite.py and postgres.py),
newest first on a tie, and paged by offset. How it works and its limits: docs/search.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, text
from sqlmodel import col, select

from repository.core.models import Customer, Event, Interaction
from repository.core.serialize import iso
from repository.crm.label_filters import CUSTOMER_CARRIES_LABEL, EVENT_CARRIES_LABEL
from repository.errors import InvalidInput
from repository.search.backend import SearchBackend, backend
from repository.search.highlight import snippet
from repository.search.text import Term, query_terms

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.engine import Connection

    from repository.db import Database

MAX_LIMIT = 100
# Deep pages cost a rank of every earlier hit; a person reads the first pages of a
# search, and systems that want everything page /interactions instead.
MAX_OFFSET = 1_000
# Message hits are ranked among the newest this many matches (docs/search.md).
CANDIDATES = MAX_OFFSET + MAX_LIMIT
_WHEN = Event.__table__.c.created_at.type  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Filters:
    """Narrow message hits; None means "any"."""

    channel: str | None = None
    queue_id: int | None = None
    agent_id: int | None = None
    status: str | None = None
    since: datetime | None = None  # event created at or after
    until: datetime | None = None  # event created before
    # On the conversation or on its customer (repository/crm/label_filters.py).
    label_id: int | None = None

    def __post_init__(self) -> None:
        for name in ("since", "until"):
            value = getattr(self, name)
            if value is not None and value.utcoffset() is None:
                raise InvalidInput("a date filter needs a time zone", field=name)


@dataclass(frozen=True)
class Results:
    hits: list[dict[str, Any]]
    # The offset of the next page, or None on the last page.
    next_offset: int | None


def _page_args(offset: int, limit: int) -> tuple[int, int]:
    if not 0 <= offset <= MAX_OFFSET:
        raise InvalidInput("search results can be paged through the first 1,000 hits only", field="cursor")
    return offset, max(1, min(limit, MAX_LIMIT))


def _message_sql(store: SearchBackend, filters: Filters, include_notes: bool, *, floor: bool) -> str:
    where = []
    if not include_notes:
        where.append("e.kind = 'message'")
    for column, name in (
        ("e.channel", "channel"),
        ("i.queue_id", "queue_id"),
        ("i.agent_id", "agent_id"),
        ("i.status", "status"),
    ):
        if getattr(filters, name) is not None:
            where.append(f"{column} = :{name}")
    if filters.since is not None:
        where.append("e.created_at >= :since")
    if filters.until is not None:
        where.append("e.created_at < :until")
    if filters.label_id is not None:
        where.append(EVENT_CARRIES_LABEL)
    key = store.EVENT_KEY
    # Join only what the filters need: most searches are plain keyword searches.
    needs_events = bool(where)
    if floor:  # on both ids: the planner does not carry a range across the join
        where.append(f"{key} > :floor" + (" AND e.id > :floor" if needs_events else ""))
    extra = "".join(" AND " + w for w in where)
    needs_interactions = any(w.startswith("i.") for w in where)
    joins = (f" JOIN events e ON e.id = {key}" if needs_events else "") + (
        " JOIN interactions i ON i.id = e.interaction_id" if needs_interactions else ""
    )
    # Rank the newest CANDIDATES matches, not every match: a word in a quarter of a
    # million messages would otherwise be scored a quarter of a million times.
    return store.message_sql(joins, extra, window=floor)


def _newest_first(
    store: SearchBackend, conn: Connection, rank: Callable[[int | None], list[Any]]
) -> list[Any]:
    """``rank(floor)``'s page, looking among the newest ids first where the store wants it.

    If the newest ``NEWEST_WINDOW`` ids hold ``CANDIDATES`` matches that pass the
    filters, they are the newest ``CANDIDATES`` of all, so the page is the same as an
    unbounded search's. Otherwise the window is widened once to where that many matches
    should be, judging by how many it held, and then dropped.
    """
    top = conn.execute(text(store.NEWEST_ID_SQL)).scalar() if store.NEWEST_WINDOW else None
    window = store.NEWEST_WINDOW
    for _ in range(2):
        # A walk past the cap costs more than the GIN index's whole list of matches.
        if not top or window >= top or window > 8 * store.NEWEST_WINDOW:
            break
        ranked = rank(top - window)
        found = ranked[0][2] if ranked else 0
        if found >= CANDIDATES:
            return ranked
        if not found:
            break
        window = window * CANDIDATES * 2 // found
    return rank(None)


def search_messages(
    db: Database,
    query: str,
    *,
    filters: Filters | None = None,
    include_notes: bool = False,
    offset: int = 0,
    limit: int = 20,
) -> Results:
    """Messages (and, for agents, internal notes) containing every term of ``query``.

    ``include_notes`` must stay False anywhere a customer could see the result.
    """
    filters = filters or Filters()
    offset, limit = _page_args(offset, limit)
    terms = query_terms(query)
    if not terms:
        return Results([], None)
    store = backend(db.dialect)
    params: dict[str, Any] = {
        "match": store.match(terms),
        "limit": limit + 1,
        "offset": offset,
        "candidates": CANDIDATES,
        **{
            k: getattr(filters, k)
            for k in ("channel", "queue_id", "agent_id", "status", "since", "until", "label_id")
        },
    }
    binds = [bindparam(name, type_=_WHEN) for name in ("since", "until") if params[name] is not None]
    used = {k: v for k, v in params.items() if v is not None}

    def rank(floor: int | None) -> list[Any]:
        stmt = text(_message_sql(store, filters, include_notes, floor=floor is not None)).bindparams(*binds)
        args = used if floor is None else {**used, "floor": floor}
        return [(row[0], row[1], row[2]) for row in session.connection().execute(stmt, args)]

    with db.read() as session:
        ranked = _newest_first(store, session.connection(), rank)
        more = len(ranked) > limit
        ranked = ranked[:limit]
        ids = [row[0] for row in ranked]
        events = {e.id: e for e in session.exec(select(Event).where(col(Event.id).in_(ids)))}
        interactions = {
            i.id: i
            for i in session.exec(
                select(Interaction).where(
                    col(Interaction.id).in_({e.interaction_id for e in events.values()})
                )
            )
        }
        customers = {
            c.id: c
            for c in session.exec(
                select(Customer).where(col(Customer.id).in_({e.customer_id for e in events.values()}))
            )
        }
    hits = []
    for event_id, score, _found in ranked:
        event = events[event_id]
        hits.append(
            _message_hit(
                event, interactions[event.interaction_id], customers[event.customer_id], terms, score
            )
        )
    return Results(hits, offset + limit if more else None)


def _customer_brief(customer: Customer) -> dict[str, Any]:
    return {
        "id": customer.id,
        "display_name": customer.display_name,
        "email": customer.email,
        "phone": customer.phone,
    }


def _message_hit(
    event: Event, interaction: Interaction, customer: Customer, terms: list[Term], score: float
) -> dict[str, Any]:
    return {
        "event_id": event.id,
        "interaction_id": event.interaction_id,
        "kind": event.kind,
        "internal": event.kind == "note",
        "channel": event.channel,
        "author_type": event.author_type,
        "author_name": event.author_name,
        "created_at": iso(event.created_at),
        "interaction_status": interaction.status,
        "queue_id": interaction.queue_id,
        "agent_id": interaction.agent_id,
        "subject": interaction.subject,
        "customer": _customer_brief(customer),
        "score": abs(float(score)),
        **snippet(event.body, terms).as_dict(),
    }


def search_customers(
    db: Database, query: str, *, label_id: int | None = None, offset: int = 0, limit: int = 20
) -> Results:
    """Customers whose name, email or phone number contains every term of ``query``
    (and, with ``label_id``, who carry that label).

    A query of only digits and phone punctuation matches digits anywhere in a
    number: "5550" finds +1 415-555-0100.
    """
    labelled = f" AND {CUSTOMER_CARRIES_LABEL}" if label_id is not None else ""
    offset, limit = _page_args(offset, limit)
    terms = query_terms(query, phone=True)
    if not terms:
        return Results([], None)
    store = backend(db.dialect)
    sql, match = store.customer_sql(labelled), store.match(terms)
    with db.read() as session:
        ranked = (
            session.connection()
            .execute(
                text(sql),
                {
                    "match": match,
                    "limit": limit + 1,
                    "offset": offset,
                    **({"label_id": label_id} if label_id is not None else {}),
                },
            )
            .all()
        )
        more = len(ranked) > limit
        ranked = ranked[:limit]
        found = {
            c.id: c
            for c in session.exec(select(Customer).where(col(Customer.id).in_([r[0] for r in ranked])))
        }
    hits = []
    for customer_id, score in ranked:
        customer = found[customer_id]
        line = " · ".join(v for v in (customer.display_name, customer.email, customer.phone) if v)
        hits.append(
            {
                "customer": _customer_brief(customer),
                "score": abs(float(score)),
                **snippet(line, terms).as_dict(),
            }
        )
    return Results(hits, offset + limit if more else None)
