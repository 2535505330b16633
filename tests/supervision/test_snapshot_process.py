"""The supervisor snapshot computed in a child process: same picture, replaced if it dies,
gone when its parent is killed.

The child exists so a big centre's snapshot never holds the chat loop's interpreter
lock (contact_center/supervision/snapshot_process.py); these tests run it for real.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from contact_center.supervision.live import SupervisorFeed
from contact_center.supervision.snapshot import compute
from repository import Database
from repository.core.models import Agent, Customer, Interaction, Queue, utcnow

ROOT = Path(__file__).resolve().parents[2]


def child_pids(feed: SupervisorFeed) -> list[int]:
    pool = feed._process._pool if feed._process is not None else None  # noqa: SLF001
    return [p.pid for p in (getattr(pool, "_processes", None) or {}).values() if p.pid is not None]


def a_waiting_chat(db: Database) -> int:
    with db.write() as session:
        queue = Queue(name="billing")
        customer = Customer(display_name="<b>Ada</b>")
        agent = Agent(username="kim", display_name="Kim", password_hash="!", presence="available")
        session.add_all([queue, customer, agent])
        session.flush()
        chat = Interaction(
            channel="chat",
            thread_key="chat:ada",
            customer_id=customer.id,
            queue_id=queue.id,
            status="queued",
            queued_at=utcnow(),
        )
        session.add(chat)
        session.flush()
        assert chat.id is not None
        return chat.id


def essentials(snapshot: dict[str, object]) -> dict[str, object]:
    """What does not move with the clock: who waits, who works, which queues exist."""
    return {
        "contacts": sorted((c["id"], c["status"], c["customer"]) for c in snapshot["contacts"]),  # type: ignore[attr-defined,index]
        "agents": sorted((a["id"], a["name"], a["state"]) for a in snapshot["agents"]),  # type: ignore[attr-defined,index]
        "queues": sorted(q["name"] for q in snapshot["queues"]),  # type: ignore[attr-defined,index]
    }


async def next_snapshot(feed: SupervisorFeed, mailbox: object) -> dict[str, object]:
    got = await asyncio.wait_for(mailbox.get(), 30)  # type: ignore[attr-defined]
    assert got is not None
    return json.loads(got.text)  # type: ignore[no-any-return]


async def test_the_child_computes_the_same_picture_as_the_ccr_shows(
    feed: SupervisorFeed, db: Database
) -> None:
    chat_id = a_waiting_chat(db)
    async with feed.listen("s") as mailbox:
        frame = await next_snapshot(feed, mailbox)
    assert frame["type"] == "snapshot" and frame["version"] == feed.version
    children = child_pids(feed)
    assert children and os.getpid() not in children, "computed in a child process"
    fresh = compute(db, utcnow(), feed.ctx.hub.channels.capacity)
    assert essentials(frame) == essentials(fresh)
    assert chat_id in [c[0] for c in essentials(frame)["contacts"]]  # type: ignore[union-attr]
    assert feed.latest is not None and feed.latest["version"] == feed.version


async def test_a_killed_child_is_replaced_and_the_next_snapshot_arrives(
    feed: SupervisorFeed, db: Database
) -> None:
    a_waiting_chat(db)
    async with feed.listen("s") as mailbox:
        first = await next_snapshot(feed, mailbox)
        (child,) = child_pids(feed)
        os.kill(child, signal.SIGKILL)
        await asyncio.sleep(0.5)
        feed.poke()
        second = await next_snapshot(feed, mailbox)
    assert second["version"] > first["version"]  # type: ignore[operator]
    assert essentials(second) == essentials(first)
    assert child not in child_pids(feed)


def test_the_child_leaves_when_its_parent_is_killed(tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import asyncio, os, sys, time
        sys.path.insert(0, {str(ROOT)!r})
        from contact_center.supervision.snapshot_process import SnapshotProcess

        async def main():
            process = SnapshotProcess("sqlite:///{tmp_path}/cc.db")
            pool = process._ensure()
            print(await asyncio.get_running_loop().run_in_executor(pool, os.getpid), flush=True)
            time.sleep(120)

        if __name__ == "__main__":
            asyncio.run(main())
        """
    )
    (tmp_path / "parent.py").write_text(script)
    parent = subprocess.Popen(
        [sys.executable, str(tmp_path / "parent.py")], stdout=subprocess.PIPE, text=True
    )
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        os.kill(child, 0)  # alive
    finally:
        parent.kill()  # SIGKILL: the parent gets no chance to stop its child
        parent.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            return
        # A dead child stays a zombie until reaped; its parent is gone, so init reaps it.
        if Path(f"/proc/{child}/stat").read_text().split(") ", 1)[1].startswith("Z"):
            return
        time.sleep(0.2)
    pytest.fail(f"child {child} outlived its parent by 10 s")
