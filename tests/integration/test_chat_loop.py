"""The core loop on a real server process: visitors chat, the router offers, agents answer.

Each test starts ``contact-center serve`` on loopback with its own SQLite file and
talks to it only over HTTP and websockets, as the widget and the desktop do.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from repository import Database, upgrade
from repository.core.models import Event, Interaction
from repository.directory import create_agent, create_queue
from tests.live import Client, ServerProcess, agent, client_id, login, visitor

pytestmark = pytest.mark.server

AGENTS = ("ada", "ben", "cy")
PASSWORD = "integration-pass"


def seed(database_url: str, *, chat_capacity: int) -> None:
    upgrade(database_url)
    db = Database(database_url)
    create_queue(db, "General", is_default=True)
    for name in AGENTS:
        create_agent(db, name, name.title(), PASSWORD, capacity={"chat": chat_capacity})
    db.dispose()


@pytest.fixture
def make_server(tmp_path: Path) -> Iterator[Any]:
    servers: list[ServerProcess] = []

    def make(*, chat_capacity: int = 7, **env: str) -> ServerProcess:
        server = ServerProcess(tmp_path / "data", **env)
        if not servers:
            seed(server.database_url, chat_capacity=chat_capacity)
        servers.append(server)
        return server.start()

    yield make
    for server in servers:
        server.stop()
        assert not server.errors_in_log(), server.log_path.read_text()[-4000:]


async def auto_accept(desk: Client, stop: asyncio.Event) -> None:
    """Accept every offer this desktop receives, like an eager agent."""
    handled: set[int] = set()
    while not stop.is_set():
        for frame in desk.of_type("offer"):
            iid = frame["interaction"]["id"]
            if iid not in handled:
                handled.add(iid)
                await desk.send({"type": "accept", "interaction_id": iid})
        desk._changed.clear()
        try:
            await asyncio.wait_for(desk._changed.wait(), 0.5)
        except TimeoutError:
            pass


def customer_messages_seen(desk: Client, interaction_id: int) -> list[dict[str, Any]]:
    """Customer messages this desktop got for one interaction, in arrival order, deduped by id."""
    seen: dict[int, dict[str, Any]] = {}
    for frame in desk.frames:
        events = []
        if frame["type"] == "offer" and frame["interaction"]["id"] == interaction_id:
            events = frame["events"]
        elif frame["type"] == "event" and frame["interaction_id"] == interaction_id:
            events = [frame["event"]]
        for event in events:
            if event["kind"] == "message" and event["author_type"] == "customer":
                seen.setdefault(event["id"], event)
    return list(seen.values())


async def test_twenty_visitors_three_agents_every_message_once_and_in_order(make_server: Any) -> None:
    server = make_server(chat_capacity=7)
    desks = [await agent(server, await login(server.base, name, PASSWORD)) for name in AGENTS]
    stop = asyncio.Event()
    acceptors = [asyncio.create_task(auto_accept(d, stop)) for d in desks]
    visitors = [await visitor(server, name=f"Visitor {i}") for i in range(20)]

    async def chat(index: int, peer: Client) -> None:
        for n in range(5):
            cid = client_id()
            await peer.send({"type": "message", "client_id": cid, "body": f"v{index}-m{n}"})
            await peer.wait_for(lambda f, cid=cid: f["type"] == "ack" and f["client_id"] == cid)

    await asyncio.gather(*(chat(i, v) for i, v in enumerate(visitors)))
    interaction_of = {}
    for i, peer in enumerate(visitors):
        status = await peer.wait_for(lambda f: f["type"] == "status" and f["conversation"])
        interaction_of[i] = status["conversation"]["id"]

    async def delivered() -> dict[int, int]:
        while True:
            owners: dict[int, int] = {}
            for d_index, desk in enumerate(desks):
                for frame in desk.of_type("offer"):
                    owners.setdefault(frame["interaction"]["id"], d_index)
            if (
                all(
                    len(customer_messages_seen(desks[owners[iid]], iid)) == 5
                    for iid in interaction_of.values()
                    if iid in owners
                )
                and len(owners) == 20
            ):
                return owners
            await asyncio.sleep(0.1)

    owners = await asyncio.wait_for(delivered(), 30)
    stop.set()
    await asyncio.gather(*acceptors)

    per_agent: dict[int, int] = defaultdict(int)
    for index, iid in interaction_of.items():
        desk = desks[owners[iid]]
        bodies = [e["body"] for e in customer_messages_seen(desk, iid)]
        assert bodies == [f"v{index}-m{n}" for n in range(5)], f"visitor {index} arrived as {bodies}"
        for other, other_desk in enumerate(desks):
            if other != owners[iid]:
                assert customer_messages_seen(other_desk, iid) == [], "a message reached a second agent"
        per_agent[owners[iid]] += 1
        # The raw event frames never repeat an event id for the owner either.
        ids = [f["event"]["id"] for f in desk.of_type("event") if f["interaction_id"] == iid]
        assert len(ids) == len(set(ids))
    assert sum(per_agent.values()) == 20
    assert max(per_agent.values()) <= 7, "an agent went past their chat capacity"

    # Agents answer; each visitor sees exactly its own agent's reply.
    for index, iid in interaction_of.items():
        await desks[owners[iid]].send(
            {"type": "reply", "interaction_id": iid, "body": f"answer-{index}", "client_id": client_id()}
        )
    for index, peer in enumerate(visitors):
        reply = await peer.wait_for(lambda f: f["type"] == "message" and f["event"]["author_type"] == "agent")
        assert reply["event"]["body"] == f"answer-{index}"
    for peer in visitors:
        await peer.close()
    for desk in desks:
        await desk.close()


async def test_reservation_timeout_offers_the_contact_to_the_next_agent(make_server: Any) -> None:
    server = make_server(RESERVATION_TIMEOUT_SECONDS="1.5")
    first = await agent(server, await login(server.base, "ada", PASSWORD))
    peer = await visitor(server, name="Waiting Wendy")
    await peer.send({"type": "message", "client_id": client_id(), "body": "anyone there?"})
    offer = await first.wait_for(lambda f: f["type"] == "offer")
    iid = offer["interaction"]["id"]
    second = await agent(server, await login(server.base, "ben", PASSWORD))
    # Ada ignores the offer; after the timeout it goes back and on to Ben.
    revoked = await first.wait_for(
        lambda f: f["type"] == "interaction" and f["interaction"]["status"] == "queued", 10
    )
    assert revoked["reason"] == "reservation timed out"
    reoffer = await second.wait_for(lambda f: f["type"] == "offer" and f["interaction"]["id"] == iid, 10)
    assert [e["body"] for e in reoffer["events"] if e["kind"] == "message"] == ["anyone there?"]
    for client in (first, second, peer):
        await client.close()


async def test_agent_disconnect_requeues_only_after_the_grace_period(make_server: Any) -> None:
    server = make_server(AGENT_DISCONNECT_GRACE_SECONDS="3")
    ada_cookie = await login(server.base, "ada", PASSWORD)
    ada = await agent(server, ada_cookie)
    peer = await visitor(server, name="Dropped Dora")
    await peer.send({"type": "message", "client_id": client_id(), "body": "hello"})
    offer = await ada.wait_for(lambda f: f["type"] == "offer")
    iid = offer["interaction"]["id"]
    await ada.send({"type": "accept", "interaction_id": iid})
    await peer.wait_for(lambda f: f["type"] == "status" and f["conversation"]["status"] == "connected")
    ben = await agent(server, await login(server.base, "ben", PASSWORD))
    ada.ws.transport.abort()  # a network drop: no close handshake
    await asyncio.sleep(1.0)
    assert not ben.of_type("offer"), "requeued before the grace period ended"
    reoffer = await ben.wait_for(lambda f: f["type"] == "offer" and f["interaction"]["id"] == iid, 10)
    assert reoffer["interaction"]["status"] == "offered"
    waiting = await peer.wait_for(
        lambda f: f["type"] == "status" and f["conversation"]["status"] == "waiting", 5
    )
    assert waiting["conversation"]["id"] == iid
    await ben.close()
    await peer.close()


async def test_kill_9_loses_no_acknowledged_message_and_reoffers_waiting_contacts(
    make_server: Any, tmp_path: Path
) -> None:
    # A restarted node gives the desktops it last heard one grace period to come back
    # before it releases their offers (issue 16); Ada never does, so keep it short.
    server = make_server(RESERVATION_TIMEOUT_SECONDS="60", AGENT_DISCONNECT_GRACE_SECONDS="3")
    ada_cookie = await login(server.base, "ada", PASSWORD)
    ada = await agent(server, ada_cookie)
    acked: list[str] = []
    peers = [await visitor(server, name=f"Crash {i}") for i in range(6)]
    for i, peer in enumerate(peers):
        for n in range(3):
            cid = client_id()
            await peer.send({"type": "message", "client_id": cid, "body": f"c{i}-{n}"})
            await peer.wait_for(lambda f, cid=cid: f["type"] == "ack" and f["client_id"] == cid)
            acked.append(cid)
    # Ada accepts one contact; the rest are waiting or sitting in an unanswered offer.
    first_offer = await ada.wait_for(lambda f: f["type"] == "offer")
    await ada.send({"type": "accept", "interaction_id": first_offer["interaction"]["id"]})
    await ada.wait_for(lambda f: f["type"] == "interaction" and f["interaction"]["status"] == "active")
    server.kill9()

    db = Database(server.database_url)
    with db.read() as session:
        stored = {e.external_id for e in session.exec(select(Event).where(Event.kind == "message")).all()}
        waiting = [
            i.id
            for i in session.exec(
                select(Interaction).where(Interaction.status.in_(("queued", "offered")))
            ).all()
        ]  # type: ignore[attr-defined]
    db.dispose()
    missing = [cid for cid in acked if not any(ext and ext.endswith(":" + cid) for ext in stored)]
    assert missing == [], f"acknowledged but lost: {missing}"
    assert len(waiting) == 5

    restarted = ServerProcess(
        server.data_dir,
        **{
            k: v
            for k, v in server.env.items()
            if k in ("RESERVATION_TIMEOUT_SECONDS", "AGENT_DISCONNECT_GRACE_SECONDS")
        },
    )
    restarted.port = server.port
    restarted.start()
    try:
        desks = [
            await agent(restarted, await login(restarted.base, name, PASSWORD)) for name in ("ben", "cy")
        ]

        async def all_offered() -> set[int]:
            while True:
                offered = {f["interaction"]["id"] for d in desks for f in d.of_type("offer")}
                if set(waiting) <= offered:
                    return offered
                await asyncio.sleep(0.1)

        offered = await asyncio.wait_for(all_offered(), 20)
        assert set(waiting) <= offered
        for desk in desks:
            await desk.close()
    finally:
        restarted.stop()
        assert not restarted.errors_in_log(), restarted.log_path.read_text()[-4000:]


async def test_a_waiting_visitor_who_reloads_sees_their_place_in_the_queue_at_once(make_server: Any) -> None:
    server = make_server()
    peer = await visitor(server, name="Patient Pat")
    await peer.send({"type": "message", "client_id": client_id(), "body": "hello?"})
    first = await peer.wait_for(lambda f: f["type"] == "queue")
    assert first["position"] == 1
    assert first["estimated_wait_seconds"] == -1  # no agent online: no made-up estimate
    token = peer.of_type("welcome")[0]["token"]
    await peer.close()
    again = await visitor(server, token=token)
    queue = await again.wait_for(lambda f: f["type"] == "queue", 3)
    assert queue["position"] == 1
    assert [m["body"] for m in again.of_type("welcome")[0]["history"]] == ["hello?"]
    await again.close()


async def test_typing_a_note_is_shown_to_colleagues_not_to_the_customer(make_server: Any) -> None:
    server = make_server()
    ada = await agent(server, await login(server.base, "ada", PASSWORD))
    peer = await visitor(server, name="Curious Cat")
    await peer.send({"type": "message", "client_id": client_id(), "body": "hi"})
    iid = (await ada.wait_for(lambda f: f["type"] == "offer"))["interaction"]["id"]
    await ada.send({"type": "accept", "interaction_id": iid})
    joined = await peer.wait_for(
        lambda f: f["type"] == "status" and f["conversation"]["status"] == "connected"
    )
    assert joined["conversation"]["agent_name"] == "Ada"
    await ada.send({"type": "typing", "interaction_id": iid, "state": True, "internal": True})
    await ada.send({"type": "note", "interaction_id": iid, "body": "VIP, be nice", "client_id": client_id()})
    await ada.send({"type": "typing", "interaction_id": iid, "state": True})
    typing = await peer.wait_for(lambda f: f["type"] == "typing")
    assert typing == {"type": "typing", "name": "Ada", "state": True}
    assert len(peer.of_type("typing")) == 1, "the note's typing leaked to the customer"
    await ada.send(
        {"type": "reply", "interaction_id": iid, "body": "How can I help?", "client_id": client_id()}
    )
    await peer.wait_for(lambda f: f["type"] == "message" and f["event"]["author_type"] == "agent")
    assert not any("VIP" in f["event"]["body"] for f in peer.of_type("message")), (
        "a note reached the customer"
    )
    await ada.close()
    await peer.close()
