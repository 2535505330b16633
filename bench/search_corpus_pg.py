"""The search bench's corpus in a PostgreSQL database the bench creates and drops.

Same corpus as the SQLite store (``search_corpus.corpus``), loaded with ``COPY``: the
schema comes from ``repository.upgrade``, every row is cloned from one real ingest,
and each index row is what the product's write hook stores, built by the product's
own functions (``search.text.tokens`` → ``search.postgres.tsvector_literal``). The
GIN index is dropped during the load and created again with the product's own DDL
(``search.postgres.DDL``), which builds the same index faster than 1,000,000 inserts.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import Json
from sqlalchemy.engine import make_url

from bench.search_corpus import corpus, customer_index_sections, seed_store
from repository.search import postgres as pg_search
from repository.search.text import tokens

GIN_INDEXES = ("ix_search_events_terms", "ix_search_customers_terms")


def _server_dsn(url: str, database: str) -> str:
    parsed = make_url(url).set(drivername="postgresql", database=database)
    return parsed.render_as_string(hide_password=False)


def database_name(url: str) -> str:
    name = make_url(url).database
    if not name:
        raise SystemExit("--database-url must name the database the bench creates, e.g. …/cc_search_bench")
    return name


def dsn(url: str) -> str:
    """A libpq connection string for the bench's database (psycopg, not SQLAlchemy's URL)."""
    return _server_dsn(url, database_name(url))


def size(url: str) -> str:
    with psycopg.connect(dsn(url)) as conn:
        row = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()
    return str(row[0]) if row else "?"


def database_exists(url: str) -> bool:
    with psycopg.connect(_server_dsn(url, "postgres"), autocommit=True) as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database_name(url),)).fetchone()
    return row is not None


def create_database(url: str) -> None:
    with psycopg.connect(_server_dsn(url, "postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database_name(url))))


def drop_database(url: str) -> None:
    with psycopg.connect(_server_dsn(url, "postgres"), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database_name(url)))
        )


def message_count(url: str) -> int:
    with psycopg.connect(dsn(url)) as conn:
        row = conn.execute("SELECT count(*) FROM search_events").fetchone()
    return int(row[0]) if row else 0


def _adapt(value: Any) -> Any:
    return Json(value) if isinstance(value, dict | list) else value


def load(url: str, messages: int, seed: int) -> float:
    """Create the schema and COPY the corpus in; returns the seconds the bulk load took."""
    seed_store(url)
    start = time.perf_counter()
    with psycopg.connect(dsn(url)) as conn:
        conn.execute("SET maintenance_work_mem = '256MB'")
        templates = {}
        for table in ("customers", "interactions", "events"):
            cur = conn.execute(sql.SQL("SELECT * FROM {} ORDER BY id LIMIT 1").format(sql.Identifier(table)))
            columns = [d.name for d in cur.description or ()]
            templates[table] = (columns, dict(zip(columns, cur.fetchone() or (), strict=True)))
        for index in GIN_INDEXES:
            conn.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(index)))

        def copy(table: str, columns: list[str], rows: Any) -> None:
            stmt = sql.SQL("COPY {} ({}) FROM STDIN").format(
                sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
            )
            with conn.cursor().copy(stmt) as out:
                for row in rows:
                    out.write_row(row)

        for table, changes in corpus(messages, seed, datetime.now(UTC)):
            columns, base = templates[table]
            copy(table, columns, (tuple(_adapt({**base, **c}[k]) for k in columns) for c in changes))
            if table == "customers":
                copy(
                    "search_customers",
                    ["customer_id", "terms"],
                    (
                        (c["id"], pg_search.tsvector_literal([(name, "A"), (contact, "")]))
                        for c in changes
                        for name, contact in [customer_index_sections(c)]
                    ),
                )
            elif table == "events":
                copy(
                    "search_events",
                    ["event_id", "terms"],
                    ((e["id"], pg_search.tsvector_literal([(tokens(str(e["body"])), "")])) for e in changes),
                )
        for ddl in pg_search.DDL:  # the product's own CREATE INDEX statements
            conn.execute(ddl)
        for table in ("customers", "interactions", "events"):
            conn.execute(
                sql.SQL("SELECT setval(pg_get_serial_sequence({}, 'id'), (SELECT max(id) FROM {}))").format(
                    sql.Literal(table), sql.Identifier(table)
                )
            )
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")
    return time.perf_counter() - start
