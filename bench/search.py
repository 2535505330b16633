"""CCR search over 1,000,000 stored messages: the product's search next to a raw FTS5 query.

    python bench/search.py                      # 1,000,000 messages in a temp dir
    python bench/search.py --messages 200000 --keep /tmp/search-bench
    python bench/search.py --database-url postgresql://postgres@127.0.0.1:5432/cc_search_bench

With ``--database-url`` the same corpus goes into a PostgreSQL database the bench
creates and drops (``search_corpus_pg.py``), and the baselines are raw tsquery queries.

Builds a SQLite store the product's way (``repository.upgrade``), then loads
customers, interactions and messages with ``executemany`` in one transaction:
Simplified and Traditional Chinese, English, mixed text, emails, order numbers and
phone numbers. The index rows come from the product's own analyser
(``repository.search.text.tokens``) into the product's own FTS5 table, exactly what
the write hook would store. Then a realistic query mix runs through
``repository.search.query.search_messages`` / ``search_customers`` and, in the same run on
the same data, as a raw ``SELECT rowid FROM search_events WHERE search_events MATCH ?
ORDER BY rank LIMIT 20``. Prints p50/p95/p99 for both.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.search_corpus import load  # noqa: E402
from repository import Database  # noqa: E402
from repository.search.postgres import match as pg_query  # noqa: E402
from repository.search.query import CANDIDATES, Filters, search_customers, search_messages
from repository.search.sqlite import match as fts5_query  # noqa: E402
from repository.search.text import query_terms  # noqa: E402

QUERIES = [
    "退货", "发票", "發票", "退貨", "物流", "快递", "优惠券", "發票抬頭", "保修", "海关",
    "refund", "invoice", "warranty", "tracking number", "damaged package", "fund", "voice",
    "iPhone退货", "MacBook 维修", "AirPods 耳機", "订单号", "example.com", "415-555",
    "我要退货", "什么时候发货", "password reset", "customs", "preorder",
]  # fmt: skip
CUSTOMER_QUERIES = ["王伟", "張偉", "smith", "garcia.1", "5550", "+1 415", "example.cn", "lim"]


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    q = statistics.quantiles(samples, n=100, method="inclusive")
    return q[49], q[94], q[98]


class RawQueries:
    """The two raw baselines, straight on the store's index table with its own driver."""

    def __init__(self, url: str, path: Path | None) -> None:
        self.postgres = path is None
        if self.postgres:
            from bench.search_corpus_pg import dsn

            self.conn: Any = psycopg.connect(dsn(url), autocommit=True)
            self.match = pg_query
        else:
            self.conn = sqlite3.connect(path)  # type: ignore[arg-type]
            self.match = fts5_query

    def statements(self, table: str) -> tuple[str, str]:
        """(every match ranked, newest CANDIDATES matches ranked), both LIMIT 20."""
        if not self.postgres:
            return (
                f"SELECT rowid FROM {table} WHERE {table} MATCH ? ORDER BY rank LIMIT 20",  # noqa: S608
                f"SELECT id FROM (SELECT rowid AS id, bm25({table}) AS score FROM {table} WHERE {table} MATCH ?"  # noqa: S608
                f" ORDER BY rowid DESC LIMIT {CANDIDATES}) ORDER BY score LIMIT 20",
            )
        key = "event_id" if table == "search_events" else "customer_id"
        rank = "ts_rank(terms, CAST(%s AS tsquery), 1)"
        where = "terms @@ CAST(%s AS tsquery)"
        return (
            f"SELECT {key} FROM {table} WHERE {where} ORDER BY {rank} DESC LIMIT 20",  # noqa: S608
            f"SELECT id FROM (SELECT {key} AS id, {rank} AS score FROM {table} WHERE {where}"  # noqa: S608
            f" ORDER BY {key} DESC LIMIT {CANDIDATES}) AS newest ORDER BY score DESC LIMIT 20",
        )

    def timed(self, statement: str, match: str) -> float:
        args = (match, match) if self.postgres and statement.count("%s") == 2 else (match,)
        t0 = time.perf_counter()
        self.conn.execute(statement, args).fetchall()
        return (time.perf_counter() - t0) * 1000


def run(url: str, path: Path | None, rounds: int) -> None:
    db = Database(url)
    raw = RawQueries(url, path)
    store = "PostgreSQL tsquery" if raw.postgres else "FTS5 MATCH"
    now = datetime.now(UTC)
    mix: list[tuple[str, object]] = []
    for q in QUERIES:
        mix.append(("messages", (q, Filters())))
    for q in QUERIES[:8]:
        mix.append(("messages", (q, Filters(channel="email", since=now - timedelta(days=30)))))
        mix.append(("messages", (q, Filters(status="active"))))
    for q in CUSTOMER_QUERIES:
        mix.append(("customers", q))
    product: list[float] = []
    baseline: list[float] = []
    capped: list[float] = []
    slowest: list[tuple[float, str]] = []
    for _ in range(rounds):
        for kind, arg in mix:
            if kind == "messages":
                q, filters = arg  # type: ignore[misc]
                match = raw.match(query_terms(q))
                table = "search_events"
            else:
                q, filters = arg, None  # type: ignore[assignment]
                match = raw.match(query_terms(q, phone=True))
                table = "search_customers"
            every, newest = raw.statements(table)
            baseline.append(raw.timed(every, match))
            capped.append(raw.timed(newest, match))
            t0 = time.perf_counter()
            if kind == "messages":
                search_messages(db, q, filters=filters, include_notes=True, limit=20)
            else:
                search_customers(db, q, limit=20)
            elapsed = (time.perf_counter() - t0) * 1000
            product.append(elapsed)
            slowest.append((elapsed, f"{kind}:{q}:{filters}"))
    p = percentiles(product)
    b = percentiles(baseline)
    c = percentiles(capped)
    print(f"\n{len(product)} searches ({len(mix)} distinct, {rounds} rounds) on {db.dialect}")
    print(f"{'':44}{'p50':>9}{'p95':>9}{'p99':>9}  (ms)")
    print(f"{'product search (ranked+snippets)':44}{p[0]:9.1f}{p[1]:9.1f}{p[2]:9.1f}")
    print(f"{'raw ' + store + ', all ranked':44}{b[0]:9.1f}{b[1]:9.1f}{b[2]:9.1f}")
    print(f"{'raw ' + store + ', newest 1,100 ranked':44}{c[0]:9.1f}{c[1]:9.1f}{c[2]:9.1f}")
    print("slowest:", ", ".join(f"{label} {ms:.0f} ms" for ms, label in sorted(slowest, reverse=True)[:5]))
    with open("/proc/loadavg") as f:
        print("load average:", " ".join(f.read().split()[:3]))
    raw.conn.close()
    db.dispose()


def run_postgres(url: str, messages: int, seed: int, rounds: int, keep: bool) -> None:
    from bench import search_corpus_pg as pg

    if pg.database_exists(url):
        if not keep:
            raise SystemExit(f"database {pg.database_name(url)} exists: pass --keep-database to reuse it")
        print(f"reusing {pg.database_name(url)} ({pg.message_count(url):,} messages)")
    else:
        pg.create_database(url)
        try:
            seconds = pg.load(url, messages, seed)
        except BaseException:
            pg.drop_database(url)
            raise
        print(f"loaded {messages:,} messages + index in {seconds:.0f} s; database {pg.size(url)}")
    try:
        run(url, None, rounds)
    finally:
        if not keep:
            pg.drop_database(url)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="build (or reuse) the SQLite store in this directory")
    parser.add_argument(
        "--database-url",
        help="run on PostgreSQL instead: postgresql://USER@HOST:PORT/NEW_DB (created, loaded, dropped)",
    )
    parser.add_argument(
        "--keep-database", action="store_true", help="with --database-url: reuse it if present, keep it after"
    )
    args = parser.parse_args()
    if args.database_url:
        run_postgres(args.database_url, args.messages, args.seed, args.rounds, args.keep_database)
        return
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="cc-search-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / "ccr.db"
    url = f"sqlite:///{path}"
    if not path.exists():
        seconds = load(url, path, args.messages, args.seed)
        size = sum(f.stat().st_size for f in workdir.iterdir()) / 1e6
        print(f"loaded {args.messages:,} messages + index in {seconds:.0f} s; store {size:,.0f} MB at {path}")
    else:
        print(f"reusing {path}")
    run(url, path, args.rounds)
    if args.keep is None:
        for f in workdir.iterdir():
            f.unlink()
        workdir.rmdir()


if __name__ == "__main__":
    main()
