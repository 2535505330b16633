"""Redis stopped for 10 s under load, then started empty: nothing acknowledged is lost.

Two real nodes on PostgreSQL: visitors on node A, agents on node B, a Redis this test
starts, stops and starts again (empty). Counted: acknowledged messages, messages both
acknowledged and reported failed, and acknowledged messages the holding agents never
received. Also: sockets opened during the outage get a clear frame, and /healthz
answers 503 within a second with Redis stopped and with Redis frozen (SIGSTOP).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from repository import Database, upgrade
from repository.directory import create_agent, create_queue
from tests.live import Client, ServerProcess, agent, client_id, login, visitor
from tests.services import create_database, drop_database, free_port, wait_port

pytestmark = [pytest.mark.server, pytest.mark.postgres, pytest.mark.redis]
PASSWORD = "integration-pass"
AGENTS = ("ada", "ben", "cy")
VISITORS = 20


class RestartableRedis:
    """A redis-server on a fixed port that the test can stop, start (empty) and freeze."""

    def __init__(self) -> None:
        self.binary = shutil.which("redis-server") or pytest.skip("redis-server is not installed")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_port(self.port)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.terminate()
            self.proc.wait(10)


@pytest.fixture
def nodes(tmp_path: Path) -> Iterator[dict[str, Any]]:
    server = os.environ.get("TEST_DATABASE_URL") or pytest.skip(
        "set TEST_DATABASE_URL for the two-node tests"
    )
    redis = RestartableRedis()
    url, name = create_database(server)
    upgrade(url)
    db = Database(url)
    create_queue(db, "General", is_default=True)
    for username in AGENTS:
        create_agent(db, username, username.title(), PASSWORD, capacity={"chat": 10})
    db.dispose()
    env = {"DATABASE_URL": url, "BUS_URL": redis.url}
    a = ServerProcess(tmp_path / "a", **env).start()
    b = ServerProcess(tmp_path / "b", **env).start()
    yield {"a": a, "b": b, "redis": redis}
    for node in (a, b):
        node.stop()
    redis.stop()
    drop_database(server, name)


async def auto_accept(desk: Client, stop: asyncio.Event) -> None:
    handled: set[int] = set()
    while not stop.is_set():
        for frame in desk.of_type("offer"):
            iid = frame["interaction"]["id"]
            if iid not in handled:
                handled.add(iid)
                await desk.send({"type": "accept", "interaction_id": iid})
        await asyncio.sleep(0.1)


def seen_by(desks: list[Client]) -> set[str]:
    """Customer message bodies the desktops received: live, in an offer, or in a welcome."""
    bodies: set[str] = set()
    for desk in desks:
        for frame in desk.frames:
            events: list[dict[str, Any]] = []
            if frame["type"] == "offer":
                events = frame["events"]
            elif frame["type"] == "event":
                events = [frame["event"]]
            elif frame["type"] == "welcome":
                events = [e for c in frame.get("conversations", []) for e in c["events"]]
            bodies.update(e["body"] for e in events if e.get("author_type") == "customer")
    return bodies


def healthz_seconds(node: ServerProcess) -> tuple[float, int, dict[str, Any]]:
    started = time.monotonic()
    response = httpx.get(node.base + "/healthz", timeout=5)
    return time.monotonic() - started, response.status_code, response.json()


async def test_redis_stopped_for_ten_seconds_under_load_loses_no_acknowledged_message(
    nodes: dict[str, Any],
) -> None:
    a, b, redis = nodes["a"], nodes["b"], nodes["redis"]
    desks = [await agent(b, await login(b.base, name, PASSWORD)) for name in AGENTS]
    stop_accepting = asyncio.Event()
    accepters = [asyncio.create_task(auto_accept(d, stop_accepting)) for d in desks]
    peers = [await visitor(a) for _ in range(VISITORS)]
    for index, peer in enumerate(peers):
        await peer.send({"type": "message", "client_id": client_id(), "body": f"hello-{index}"})
    deadline = time.monotonic() + 60
    while sum(len(d.of_type("offer")) for d in desks) < VISITORS and time.monotonic() < deadline:
        await asyncio.sleep(0.2)

    acked: dict[str, str] = {}
    failed: set[str] = set()
    stop_sending = asyncio.Event()

    async def chat(index: int, peer: Client) -> None:
        n = 0
        while not stop_sending.is_set():
            cid, body = client_id(), f"v{index}-m{n}"
            n += 1
            await peer.send({"type": "message", "client_id": cid, "body": body})
            try:
                frame = await peer.wait_for(
                    lambda f, cid=cid: f.get("client_id") == cid or f.get("ref") == cid, 20
                )
            except (TimeoutError, ConnectionError):
                continue
            if frame["type"] == "ack":
                acked[cid] = body
            await asyncio.sleep(0.3)

    senders = [asyncio.create_task(chat(i, p)) for i, p in enumerate(peers)]
    await asyncio.sleep(3)

    redis.stop()  # the outage begins
    outage_started = time.monotonic()
    took, status, body = await asyncio.to_thread(healthz_seconds, a)
    print(f"healthz with Redis stopped: {status} in {took:.3f}s, down={body.get('down')}")
    assert status == 503 and took < 1.0 and "bus" in body["down"]
    newcomer = await visitor(a)
    assert newcomer.frames[0]["type"] == "welcome"
    late_desk = await agent(b, await login(b.base, "ada", PASSWORD), available=False)
    assert late_desk.frames[0]["type"] == "welcome"
    await asyncio.sleep(max(0.0, 10 - (time.monotonic() - outage_started)))
    during = len(acked)
    redis.start()  # back, and empty
    await asyncio.sleep(5)
    stop_sending.set()
    await asyncio.gather(*senders)

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and set(acked.values()) - seen_by(desks):
        await asyncio.sleep(0.5)
    missing = set(acked.values()) - seen_by(desks)
    for peer in peers:
        for frame in peer.frames:
            if frame["type"] == "error" and (frame.get("client_id") in acked or frame.get("ref") in acked):
                failed.add(frame.get("client_id") or frame.get("ref"))
    duplicates = 0
    for desk in desks:
        ids = [f["event_id"] for f in desk.frames if "event_id" in f and f["type"] != "heartbeat"]
        duplicates += len(ids) - len(set(ids))
        assert ids == sorted(ids, key=int)
    print(
        f"acknowledged {len(acked)} ({during} before Redis came back), missing at agents {len(missing)}, "
        f"acked and failed {len(failed)}, duplicate event ids {duplicates}"
    )
    assert missing == set() and failed == set() and duplicates == 0

    assert redis.proc is not None
    redis.proc.send_signal(signal.SIGSTOP)
    try:
        took, status, body = await asyncio.to_thread(healthz_seconds, b)
        print(f"healthz with Redis frozen (SIGSTOP): {status} in {took:.3f}s, down={body.get('down')}")
        assert status == 503 and took < 1.0 and "bus" in body["down"]
    finally:
        redis.proc.send_signal(signal.SIGCONT)
    stop_accepting.set()
    await asyncio.gather(*accepters)
    for client in (*peers, *desks, newcomer, late_desk):
        await client.close()
