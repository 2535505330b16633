"""The two search stores behind one interface: ``sqlite.py`` and ``postgres.py``.

Each module holds everything that differs between the stores (the index tables, how
rows are written and forgotten, the MATCH / tsquery syntax, the ranking SQL), so the
index's bookkeeping (index.py) and the queries (query.py) are written once.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.engine import Connection

from repository.search import postgres, sqlite
from repository.search.text import Term


class SearchBackend(Protocol):
    DDL: tuple[str, ...]
    EVENT_KEY: str  # the index column holding an event id, for joins
    NEWEST_ID_SQL: str  # the highest indexed event id
    NEWEST_WINDOW: int  # look among this many newest ids first; 0: never

    def match(self, terms: list[Term]) -> str: ...
    def index_events(self, conn: Connection, rows: list[tuple[int, list[str]]]) -> None: ...
    def unindex_event(self, conn: Connection, event_id: int, old_terms: list[str]) -> None: ...
    def write_customer(
        self, conn: Connection, customer_id: int, sections: tuple[list[str], list[str]] | None
    ) -> None: ...
    def clear(self, conn: Connection) -> None: ...
    def message_sql(self, joins: str, extra: str, window: bool = False) -> str: ...
    def customer_sql(self, extra: str) -> str: ...


def backend(dialect: str) -> SearchBackend:
    """The search store for a SQLAlchemy dialect name ("sqlite" or "postgresql")."""
    return sqlite if dialect == "sqlite" else postgres
