"""`contact-center serve --workers 2`: two processes on one port share the bus and the database.

Visitors' and the agent's connections land on either worker (the kernel spreads them);
every chat still reaches the agent as one offer, because the workers share Redis and
PostgreSQL and exactly one of them leads the router. A worker killed with SIGKILL is
replaced and chats keep being offered. With the memory:// bus, --workers is refused.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from repository import Database, upgrade
from repository.directory import create_agent, create_queue
from tests.live import REPO_ROOT, ServerProcess, agent, client_id, login, visitor
from tests.services import PrivateRedis, create_database, drop_database

pytestmark = [pytest.mark.server, pytest.mark.postgres, pytest.mark.redis]
PASSWORD = "integration-pass"
CHATS = 8


@pytest.fixture
def shared(tmp_path: Path) -> Iterator[dict[str, str]]:
    server = os.environ.get("TEST_DATABASE_URL")
    if not server:
        pytest.skip("set TEST_DATABASE_URL for the worker tests")
    try:
        private = PrivateRedis()
    except (FileNotFoundError, OSError) as exc:
        pytest.skip(f"no redis-server: {exc}")
    url, name = create_database(server)
    upgrade(url)
    db = Database(url)
    create_queue(db, "General", is_default=True)
    create_agent(db, "ada", "Ada", PASSWORD, capacity={"chat": 50})
    db.dispose()
    yield {"DATABASE_URL": url, "BUS_URL": private.url}
    private.stop()
    drop_database(server, name)


def workers_of(parent: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(parent)], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


async def replacement_of(parent: int, dead: int, seconds: float = 15) -> list[int]:
    """The parent's workers once a new one has taken ``dead``'s place (or as they are at the deadline)."""
    deadline = time.monotonic() + seconds
    while True:
        now = workers_of(parent)
        if (len(now) == 2 and dead not in now) or time.monotonic() > deadline:
            return now
        await asyncio.sleep(0.2)


async def chats_reach_the_agent(node: ServerProcess, desk: object, count: int, tag: str) -> None:
    for n in range(count):
        peer = await visitor(node)
        await peer.send({"type": "message", "client_id": client_id(), "body": f"{tag} {n}"})
        await peer.wait_for(lambda f: f["type"] == "ack")
    for n in range(count):
        await desk.wait_for(  # type: ignore[attr-defined]
            lambda f, n=n: (
                f["type"] == "offer" and any(e.get("body") == f"{tag} {n}" for e in f.get("events", []))
            ),
            20,
        )


async def test_two_workers_share_one_port_the_bus_and_the_router(
    shared: dict[str, str], tmp_path: Path
) -> None:
    node = ServerProcess(tmp_path / "node", **shared)
    node.extra_args = ["--workers", "2"]
    node.start()
    replaced: list[int] = []
    try:
        assert node.proc is not None
        first = workers_of(node.proc.pid)
        assert len(first) == 2
        desk = await agent(node, await login(node.base, "ada", PASSWORD))
        await chats_reach_the_agent(node, desk, CHATS, "before")
        offers = [f for f in desk.frames if f["type"] == "offer"]
        assert len(offers) == CHATS == len({f["interaction"]["id"] for f in offers})

        os.kill(first[0], signal.SIGKILL)  # a worker crashes: it is replaced, the node goes on
        desk2 = await agent(node, await login(node.base, "ada", PASSWORD))
        await chats_reach_the_agent(node, desk2, 3, "after")
        # The parent waits RESTART_BACKOFF_SECONDS before forking the replacement; the three
        # chats above may all be served by the survivor within that second.
        replaced = await replacement_of(node.proc.pid, first[0])
        assert len(replaced) == 2 and first[0] not in replaced
        await chats_reach_the_agent(node, desk2, 4, "replaced")
    finally:
        node.stop()
    # Stopping the parent stops its workers too: none is left behind.
    assert [pid for pid in replaced if Path(f"/proc/{pid}").exists()] == []


def test_workers_on_the_memory_bus_are_refused_with_a_reason(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cc.db'}",
        "BUS_URL": "memory://",
        "SECRET_KEY": "x",
        "PYTHONPATH": str(REPO_ROOT),
    }
    done = subprocess.run(
        [sys.executable, "-m", "contact_center.cli", "serve", "--no-demo", "--workers", "2"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "needs BUS_URL=redis://" in done.stderr
