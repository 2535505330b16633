"""One supervisor snapshot at tier-C size: read afresh from the CCR, next to the feed's cache.

Seeds a store (SQLite in a temp dir, or a scratch PostgreSQL database) with ``--agents``
agents (available since 08:00), ``--live`` chats in conversation and ``--closed``
contacts closed earlier today, each with its status lines (offered, accepted, some
transferred and accepted again, closed) and ``--messages`` message events, then
measures, in one run and on the same data:

1. **fresh**: ``snapshot.compute`` as it was, every status line read from the CCR
   (the raw baseline);
2. **cached**: the same through one ``StatusLineCache`` as the live feed keeps it:
   its first round (the full read it does at start and every 5 minutes), then
   steady rounds, each after ``--changes`` status changes (half new chats accepted,
   half live chats closed), so the cache reads forward as it does under load.

It checks the two give the same snapshot at the end. Median and max per round.

    python bench/supervisor_snapshot.py                       # SQLite, 1,000 agents, 3,000 live
    python bench/supervisor_snapshot.py --database-url postgresql://postgres@127.0.0.1:5432/postgres

Not part of the test run. Figures: bench/README.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.harness import drop_postgres, load_average, print_header, scratch_postgres  # noqa: E402
from bench.harness.supervisor_seed import CAPACITY, Seeder, churn  # noqa: E402


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def measure(url: str, args: argparse.Namespace) -> None:
    from contact_center.supervision.snapshot import compute
    from contact_center.supervision.status_cache import StatusLineCache
    from repository.core.models import utcnow

    seeder = Seeder(url, utcnow())
    began = time.perf_counter()
    seeder.seed(args.agents, args.live, args.closed, args.messages)
    lines = args.closed * (4.2) + args.live * 2
    print(
        f"seeded {args.agents:,} agents, {args.live:,} live chats, {args.closed:,} closed today "
        f"(~{lines:,.0f} status lines, {(args.closed + args.live) * args.messages:,} messages) "
        f"in {time.perf_counter() - began:.1f} s",
        flush=True,
    )
    db = seeder.db
    cache = StatusLineCache()
    fresh_times, cached_times = [], []
    build, _ = timed(lambda: compute(db, utcnow(), CAPACITY, cache))
    for _ in range(args.rounds):
        churn(seeder, args.changes, args.agents)
        cached, _ = timed(lambda: compute(db, utcnow(), CAPACITY, cache))
        fresh, _ = timed(lambda: compute(db, utcnow(), CAPACITY))
        cached_times.append(cached)
        fresh_times.append(fresh)
    now = utcnow()
    same = compute(db, now, CAPACITY, cache) == compute(db, now, CAPACITY)

    def line(label: str, values: list[float]) -> str:
        return f"  {label:<44} median {statistics.median(values) * 1000:7.1f} ms, max {max(values) * 1000:7.1f} ms"

    print(f"per snapshot, {args.rounds} rounds, {args.changes} status changes before each:")
    print(line("fresh (every status line from the CCR)", fresh_times))
    print(line("cached (StatusLineCache, read forward)", cached_times))
    print(f"  {'cached, first round (full read, as every 5 min)':<44} {build * 1000:7.1f} ms")
    print(f"  cache: {cache.rows_read:,} status lines read in all, {cache.rebuilds} full read(s)")
    print(f"  same snapshot from both: {'yes' if same else 'NO'}")
    print(f"  speed-up (median): {statistics.median(fresh_times) / statistics.median(cached_times):.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--live", type=int, default=3000)
    parser.add_argument("--closed", type=int, default=12000, help="contacts closed earlier today")
    parser.add_argument("--messages", type=int, default=10, help="message events per contact")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--changes", type=int, default=40, help="status changes between two snapshots")
    parser.add_argument(
        "--database-url", default="", help="a PostgreSQL server to make a scratch database on"
    )
    args = parser.parse_args()
    load = load_average()
    if args.database_url:
        url, scratch = scratch_postgres(args.database_url)
        try:
            measure(url, args)
        finally:
            drop_postgres(args.database_url, scratch)
        store = "store PostgreSQL (scratch database)"
    else:
        with tempfile.TemporaryDirectory() as tmp:
            measure(f"sqlite:///{tmp}/bench.db", args)
        store = "store SQLite (WAL)"
    print_header(
        f"supervisor_snapshot  {args.agents:,} agents, {args.live:,} live, {args.closed:,} closed today",
        store,
        load,
    )


if __name__ == "__main__":
    main()
