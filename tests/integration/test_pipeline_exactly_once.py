"""Exactly once, in order, across nodes: visitors on A, agents on B coming online while
visitors send. Run ten times. Counted per desktop: event ids received twice, event ids
out of order, and customer messages shown twice (an offer's snapshot, then live)."""

from __future__ import annotations

import asyncio
import itertools
import os
import time
from collections.abc import Iterator
from typing import Any

import pytest

from repository import Database, upgrade
from repository.directory import create_agent, create_queue
from tests.live import Client, ServerProcess, agent, client_id, login, visitor
from tests.services import PrivateRedis, create_database, drop_database

pytestmark = [pytest.mark.server, pytest.mark.postgres, pytest.mark.redis]
PASSWORD = "integration-pass"
VISITORS, MESSAGES, AGENTS = 8, 10, 3
_names = itertools.count()


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    server = os.environ.get("TEST_DATABASE_URL") or pytest.skip(
        "set TEST_DATABASE_URL for the two-node tests"
    )
    try:
        redis = PrivateRedis()
    except (FileNotFoundError, OSError) as exc:
        pytest.skip(f"no redis-server: {exc}")
    url, name = create_database(server)
    upgrade(url)
    db = Database(url)
    create_queue(db, "General", is_default=True)
    env = {"DATABASE_URL": url, "BUS_URL": redis.url}
    a = ServerProcess(tmp_path_factory.mktemp("a"), **env).start()
    b = ServerProcess(tmp_path_factory.mktemp("b"), **env).start()
    yield {"a": a, "b": b, "db": db}
    for node in (a, b):
        node.stop()
    db.dispose()
    redis.stop()
    drop_database(server, name)


async def auto_accept(desk: Client, stop: asyncio.Event) -> None:
    handled: set[int] = set()
    while not stop.is_set():
        for frame in desk.of_type("offer"):
            if frame["interaction"]["id"] not in handled:
                handled.add(frame["interaction"]["id"])
                await desk.send({"type": "accept", "interaction_id": frame["interaction"]["id"]})
        await asyncio.sleep(0.05)


def messages(desk: Client) -> list[dict[str, Any]]:
    """Customer messages in the order this desktop received them (snapshots included)."""
    out: list[dict[str, Any]] = []
    for frame in desk.frames:
        if frame["type"] == "offer":
            out += [e for e in frame["events"] if e["author_type"] == "customer"]
        elif frame["type"] == "event" and frame["event"]["author_type"] == "customer":
            out.append(frame["event"])
    return out


@pytest.mark.parametrize("round_", range(10))
async def test_every_message_once_and_in_order_across_nodes(nodes: dict[str, Any], round_: int) -> None:
    a, b, db = nodes["a"], nodes["b"], nodes["db"]
    names = [f"agent{next(_names)}" for _ in range(AGENTS)]
    for name in names:
        create_agent(db, name, name, PASSWORD, capacity={"chat": VISITORS})
    cookies = [await login(b.base, name, PASSWORD) for name in names]
    peers = [await visitor(a) for _ in range(VISITORS)]
    acked: list[str] = []

    async def chat(index: int, peer: Client) -> None:
        for n in range(MESSAGES):
            cid, body = client_id(), f"r{round_}-v{index}-m{n:02d}"
            await peer.send({"type": "message", "client_id": cid, "body": body})
            await peer.wait_for(lambda f, cid=cid: f["type"] == "ack" and f["client_id"] == cid, 20)
            acked.append(body)
            await asyncio.sleep(0.1)

    senders = [asyncio.create_task(chat(i, p)) for i, p in enumerate(peers)]
    stop = asyncio.Event()
    desks, accepters = [], []
    for cookie in cookies:  # agents come online while the visitors are sending
        await asyncio.sleep(0.3)
        desk = await agent(b, cookie)
        desks.append(desk)
        accepters.append(asyncio.create_task(auto_accept(desk, stop)))
    await asyncio.gather(*senders)
    deadline = time.monotonic() + 30
    wanted = set(acked)
    while time.monotonic() < deadline and wanted - {m["body"] for d in desks for m in messages(d)}:
        await asyncio.sleep(0.2)
    stop.set()
    await asyncio.gather(*accepters)

    duplicate_ids = out_of_order = shown_twice = misordered_messages = 0
    for desk in desks:
        ids = [int(f["event_id"]) for f in desk.frames if "event_id" in f and f["type"] != "heartbeat"]
        duplicate_ids += len(ids) - len(set(ids))
        out_of_order += sum(1 for x, y in itertools.pairwise(ids) if y <= x)
        seen = messages(desk)
        shown_twice += len(seen) - len({m["id"] for m in seen})
        by_visitor: dict[str, list[str]] = {}
        for m in seen:
            if m["body"].startswith(f"r{round_}-"):
                by_visitor.setdefault(m["body"].rsplit("-", 1)[0], []).append(m["body"])
        misordered_messages += sum(1 for bodies in by_visitor.values() if bodies != sorted(bodies))
    missing = wanted - {m["body"] for d in desks for m in messages(d)}
    print(
        f"round {round_}: acked {len(acked)}, missing {len(missing)}, duplicate ids {duplicate_ids}, "
        f"ids out of order {out_of_order}, messages shown twice {shown_twice}, "
        f"message order broken {misordered_messages}"
    )
    assert (len(missing), duplicate_ids, out_of_order, shown_twice, misordered_messages) == (0, 0, 0, 0, 0)
    for peer in peers:  # end the chats, so later rounds' agents are not handed these
        await peer.send({"type": "end"})
        await peer.wait_for(lambda f: f["type"] == "status" and f["conversation"]["status"] == "ended")
    for client in (*peers, *desks):
        await client.close()
