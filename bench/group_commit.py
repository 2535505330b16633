"""Group commit: commits/s and messages/s, one commit per message against batched, FULL and NORMAL.

In one process, against a real SQLite file set up by ``repository.upgrade``: C
concurrent writers (visitors) each append chat follow-ups to their own live
conversation with the product's lean write (``repository.core.chat_append.follow_up``:
event, search index row, outbox row) for S seconds, waiting for each commit before
the next message, as a widget waits for its ack. Two ways of committing:

- **one commit per message**: each message is its own ``db.write()`` transaction in a
  worker thread, as every write was before;
- **group commit**: ``contact_center.group_commit.GroupCommit`` puts what arrives
  during one commit into the next transaction.

Each under ``PRAGMA synchronous=NORMAL`` (the product's setting: durable at the WAL
checkpoint, safe against a process crash) and ``synchronous=FULL`` (an fsync per
commit: safe against power loss). Beside them, in the same run: raw single-row
``INSERT``+``COMMIT`` with the sqlite3 module under each setting.

    python bench/group_commit.py --writers 100 --seconds 5
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from anyio import to_thread  # noqa: E402
from sqlalchemy import event  # noqa: E402

from bench.harness import load_average, print_header, run_main, self_cpu_seconds  # noqa: E402
from contact_center.group_commit import GroupCommit  # noqa: E402
from repository import (  # noqa: E402
    Database,
    InboundItem,
    directory,
    ingest,  # noqa: E402
    upgrade,
)
from repository.core.chat_append import follow_up  # noqa: E402


def raw_commits(path: Path, synchronous: str, seconds: float) -> float:
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={synchronous}")
    conn.execute("CREATE TABLE IF NOT EXISTS raw (id INTEGER PRIMARY KEY, body TEXT)")
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO raw (body) VALUES (?)", (f"m{count}",))
        conn.execute("COMMIT")
        count += 1
    conn.close()
    return count / (time.perf_counter() - started)


def store(tmp: Path, synchronous: str, writers: int) -> tuple[Database, list[Any]]:
    url = f"sqlite:///{tmp / f'cc-{synchronous}.db'}"
    upgrade(url)
    db = Database(url)

    @event.listens_for(db.engine, "connect")
    def _sync(dbapi_connection: Any, _record: Any) -> None:  # after the product's own pragmas
        dbapi_connection.execute(f"PRAGMA synchronous={synchronous}")

    directory.create_queue(db, "General", is_default=True)
    interactions = []
    for i in range(writers):
        item = InboundItem(channel="chat", identities=[("webchat", f"v{i}")], thread_key=f"v{i}", body="hi")
        interactions.append(ingest(db, item).interaction)
    return db, interactions


async def drive(db: Database, interactions: list[Any], seconds: float, grouped: bool) -> dict[str, float]:
    group = GroupCommit(db)
    sent = 0
    stop_at = time.perf_counter() + seconds

    async def writer(index: int) -> None:
        nonlocal sent
        interaction = interactions[index]
        n = 0
        while time.perf_counter() < stop_at:
            n += 1
            external = f"{interaction.thread_key}:{'g' if grouped else 's'}{n}"

            def work(session: Any, external: str = external, n: int = n) -> Any:
                return follow_up(session, interaction, body=f"message {n}", external_id=external)

            if grouped:
                result = await group.run(work)
            else:

                def alone(work: Any = work) -> Any:
                    with db.write() as session:
                        return work(session)

                result = await to_thread.run_sync(alone)
            assert result is not None
            sent += 1

    cpu0, started = self_cpu_seconds(), time.perf_counter()
    await asyncio.gather(*(writer(i) for i in range(len(interactions))))
    elapsed = time.perf_counter() - started
    cpu = self_cpu_seconds() - cpu0
    commits = group.commits if grouped else sent
    return {
        "messages_s": sent / elapsed,
        "commits_s": commits / elapsed,
        "per_commit": sent / max(1, commits),
        "cpu_ms": cpu / max(1, sent) * 1000,
    }


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--writers", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    load_before = load_average()
    print_header("Group commit: one commit per message against batched", "SQLite (WAL)", load_before)
    rows = []
    with tempfile.TemporaryDirectory(prefix="cc-bench-group-") as name:
        tmp = Path(name)
        for synchronous in ("NORMAL", "FULL"):
            raw = raw_commits(tmp / f"raw-{synchronous}.db", synchronous, 2.0)
            db, interactions = store(tmp, synchronous, args.writers)
            single = await drive(db, interactions, args.seconds, grouped=False)
            grouped = await drive(db, interactions, args.seconds, grouped=True)
            db.dispose()
            rows.append((synchronous, raw, single, grouped))
    print(
        f"{args.writers} concurrent writers, {args.seconds:g} s each way; load average after {load_average()}"
    )
    print("| synchronous | way | messages/s | commits/s | messages per commit | CPU ms / message |")
    print("|---|---|---:|---:|---:|---:|")
    for synchronous, raw, single, grouped in rows:
        print(f"| {synchronous} | raw sqlite3 single-row INSERT+COMMIT | {raw:,.0f} | {raw:,.0f} | 1 | |")
        for label, r in (("one commit per message", single), ("group commit", grouped)):
            print(
                f"| {synchronous} | {label} | {r['messages_s']:,.0f} | {r['commits_s']:,.0f} | "
                f"{r['per_commit']:.1f} | {r['cpu_ms']:.3f} |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main()))
