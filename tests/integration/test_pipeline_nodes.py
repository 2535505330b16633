"""Two real nodes on PostgreSQL and a private Redis: a crash between commit and publish.

Node A dies (``FAULT_EXIT_AFTER_ASSIGN``: ``os._exit`` right after its relay commits
positions, before it publishes). The message is stored; nobody has published it. The
agent's desktop, connected to node B the whole time, must still get it once A is back.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from repository import Database, upgrade
from repository.directory import create_agent, create_queue
from tests.live import ServerProcess, agent, client_id, login, visitor
from tests.services import PrivateRedis, create_database, drop_database

pytestmark = [pytest.mark.server, pytest.mark.postgres, pytest.mark.redis]
PASSWORD = "integration-pass"


@pytest.fixture
def shared(tmp_path: Path) -> Iterator[dict[str, str]]:
    server = os.environ.get("TEST_DATABASE_URL")
    if not server:
        pytest.skip("set TEST_DATABASE_URL for the two-node tests")
    try:
        redis = PrivateRedis()
    except (FileNotFoundError, OSError) as exc:
        pytest.skip(f"no redis-server: {exc}")
    url, name = create_database(server)
    upgrade(url)
    db = Database(url)
    create_queue(db, "General", is_default=True)
    create_agent(db, "ada", "Ada", PASSWORD, capacity={"chat": 5})
    db.dispose()
    yield {"DATABASE_URL": url, "BUS_URL": redis.url}
    redis.stop()
    drop_database(server, name)


async def test_a_node_killed_between_commit_and_publish_loses_nothing(
    shared: dict[str, str], tmp_path: Path
) -> None:
    slow = {**shared, "OUTBOX_POLL_SECONDS": "30"}  # B's own poll must not be what saves us
    node_b = ServerProcess(tmp_path / "b", **slow).start()
    node_a = ServerProcess(tmp_path / "a", **slow, FAULT_EXIT_AFTER_ASSIGN="1")
    restarted: ServerProcess | None = None
    try:
        desk = await agent(node_b, await login(node_b.base, "ada", PASSWORD))
        peer = await visitor(node_b)
        await peer.send({"type": "message", "client_id": client_id(), "body": "first, on B"})
        offer = await desk.wait_for(lambda f: f["type"] == "offer", 20)
        iid = offer["interaction"]["id"]
        await desk.send({"type": "accept", "interaction_id": iid})
        await desk.wait_for(lambda f: f["type"] == "interaction" and f["interaction"]["status"] == "active")
        token = next(f for f in peer.frames if f["type"] == "welcome")["token"]
        await peer.close()

        node_a.start()
        again = await visitor(node_a, token=token)
        await again.send({"type": "message", "client_id": client_id(), "body": "second, on A"})
        assert node_a.proc is not None
        assert node_a.proc.wait(20) == 86  # died right after committing positions
        assert not [f for f in desk.frames if f.get("event", {}).get("body") == "second, on A"]

        restarted = ServerProcess(tmp_path / "a2", **{**shared, "OUTBOX_POLL_SECONDS": "1"}).start()
        frame = await desk.wait_for(
            lambda f: f["type"] == "event" and f["event"].get("body") == "second, on A", 30
        )
        assert frame["interaction_id"] == iid
        ids = [f["event_id"] for f in desk.frames if "event_id" in f and f["type"] != "heartbeat"]
        assert len(ids) == len(set(ids)) and ids == sorted(ids, key=int)
    finally:
        for server in (node_a, node_b, restarted):
            if server is not None:
                server.stop()
