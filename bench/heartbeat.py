"""One heartbeat write for N agents: the set-based UPDATE next to the ORM way and raw sqlite3.

    python bench/heartbeat.py            # 1,000 agents in a fresh SQLite store
    python bench/heartbeat.py --agents 5000

A node writes the heartbeat of every agent whose desktop it holds every
HEARTBEAT_SECONDS (contact_center/presence.py). Prints the CPU of one such write,
median of 7, for ``repository.directory.heartbeat`` (one UPDATE … IN per chunk of 500
ids), for the ORM load-and-update it replaced (kept here only as the comparison), and
for raw sqlite3 doing the same UPDATEs: the floor.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402
from sqlmodel import col, select  # noqa: E402

from repository import Database, upgrade  # noqa: E402
from repository.core.models import Agent, utcnow  # noqa: E402
from repository.directory import heartbeat  # noqa: E402
from repository.directory.agents import HEARTBEAT_CHUNK  # noqa: E402


def orm_heartbeat(db: Database, agent_ids: list[int]) -> None:
    """The write as it was: every agent loaded as an ORM object, one UPDATE each at flush."""
    with db.write() as session:
        for agent in session.exec(select(Agent).where(col(Agent.id).in_(agent_ids))).all():
            agent.last_heartbeat = utcnow()
            session.add(agent)


def cpu_ms(write: Callable[[], None], runs: int = 7) -> float:
    spent = []
    for _ in range(runs):
        started = time.process_time()
        write()
        spent.append(time.process_time() - started)
    return statistics.median(spent) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--agents", type=int, default=1000)
    args = parser.parse_args()
    path = Path(tempfile.mkdtemp(prefix="cc-bench-heartbeat-")) / "cc.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    db = Database(url)
    rows = [
        {"username": f"a{i}", "display_name": f"A{i}", "password_hash": "x", "role": "agent", "skills": [],
         "capacity": {"chat": 3}, "skill_levels": {}, "presence": "available", "is_active": True}
        for i in range(args.agents)
    ]  # fmt: skip
    with db.write() as session:
        session.execute(insert(Agent.__table__), rows)  # type: ignore[attr-defined]
    with db.read() as session:
        ids = [int(i) for i in session.exec(select(Agent.id)).all() if i is not None]

    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute("PRAGMA synchronous=NORMAL")

    def raw_write() -> None:
        raw.execute("BEGIN IMMEDIATE")
        for start in range(0, len(ids), HEARTBEAT_CHUNK):
            chunk = ids[start : start + HEARTBEAT_CHUNK]
            marks = ",".join("?" * len(chunk))
            raw.execute(f"UPDATE agents SET last_heartbeat = ? WHERE id IN ({marks})", [utcnow(), *chunk])
        raw.execute("COMMIT")

    print(f"one heartbeat write for {len(ids):,} agents, SQLite (WAL), CPU ms, median of 7")
    for _ in range(2):  # twice, alternating, so a warm cache favours neither
        print(f"  ORM load-and-update (before)        {cpu_ms(lambda: orm_heartbeat(db, ids)):8.2f}")
        print(f"  set-based UPDATE per 500 ids (now)  {cpu_ms(lambda: heartbeat(db, ids)):8.2f}")
    print(f"  raw sqlite3, same UPDATEs           {cpu_ms(raw_write):8.2f}")
    db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
