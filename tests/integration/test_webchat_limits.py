"""Limits on anonymous web chat hold under a flood, and a control pair loses nothing (issue 14, item 2).

The flood comes from 127.0.0.1; the control visitor connects from 127.0.0.2 (another
loopback address, so another "address" to the server) and chats with an agent the
whole time. Every refusal must be an error frame (or HTTP 429) with ``retry_after``;
everything that was acknowledged must be in the store.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from sqlmodel import func, select

from repository import Database, upgrade
from repository.core.models import Event, Interaction
from repository.directory import create_agent, create_queue
from tests.live import Client, ServerProcess, agent, client_id, login

pytestmark = pytest.mark.server
PASSWORD = "limits-pass"
LIMITS = {
    "WIDGET_MESSAGES_PER_SOCKET": "10/minute",
    "WIDGET_SOCKETS_PER_ADDRESS": "5",
    "WIDGET_CONVERSATIONS_PER_ADDRESS": "3/minute",
    "WIDGET_CONVERSATIONS_OVERALL": "50/minute",
    "WIDGET_UPLOADS_PER_VISITOR": "3/minute",
}


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[ServerProcess]:
    proc = ServerProcess(tmp_path / "data", **LIMITS)
    upgrade(proc.database_url)
    db = Database(proc.database_url)
    create_queue(db, "General", is_default=True)
    create_agent(db, "ada", "Ada", PASSWORD, capacity={"chat": 50})
    db.dispose()
    proc.start()
    yield proc
    proc.stop()
    assert not proc.errors_in_log(), proc.log_path.read_text()[-4000:]


async def open_visitor(server: ServerProcess, source: str = "127.0.0.1") -> Client:
    ws = await websockets.connect(server.ws_base + "/channels/webchat/ws", local_addr=(source, 0))
    client = Client(ws)
    client.start()
    try:
        await client.send({"type": "hello"})
    except websockets.ConnectionClosed:
        pass  # refused at once: the error frame came before the close
    await client.wait_for(lambda f: f["type"] in ("welcome", "error"))
    return client


def stored_messages(server: ServerProcess, interaction_id: int) -> list[str]:
    db = Database(server.database_url)
    try:
        with db.read() as session:
            rows = session.exec(
                select(Event).where(Event.interaction_id == interaction_id, Event.kind == "message")
            )
            return [e.body for e in rows]
    finally:
        db.dispose()


def queued_conversations(server: ServerProcess) -> int:
    db = Database(server.database_url)
    try:
        with db.read() as session:
            return int(session.exec(select(func.count()).select_from(Interaction)).one())
    finally:
        db.dispose()


class ControlPair:
    """A visitor on another address and the agent, exchanging messages between flood phases."""

    def __init__(self, visitor: Client, desk: Client) -> None:
        self.visitor, self.desk = visitor, desk
        self.iid: int | None = None
        self.sent: list[str] = []
        self.replies: list[str] = []

    async def exchange(self) -> None:
        body = f"control {len(self.sent)}"
        await self.visitor.send({"type": "message", "client_id": client_id(), "body": body})
        await self.visitor.wait_for(lambda f: f["type"] == "ack" and f["event"]["body"] == body)
        self.sent.append(body)
        if self.iid is None:
            offer = await self.desk.wait_for(lambda f: f["type"] == "offer")
            self.iid = offer["interaction"]["id"]
            await self.desk.send({"type": "accept", "interaction_id": self.iid})
            await self.desk.wait_for(
                lambda f: f["type"] == "interaction" and f["interaction"]["status"] == "active"
            )
        else:
            await self.desk.wait_for(lambda f: f["type"] == "event" and f["event"]["body"] == body)
        # Agents are never limited: a burst of replies all arrive.
        for _ in range(3):
            reply = f"reply {len(self.replies)}"
            await self.desk.send(
                {"type": "reply", "interaction_id": self.iid, "body": reply, "client_id": client_id()}
            )
            self.replies.append(reply)
        last = self.replies[-1]
        await self.visitor.wait_for(lambda f: f["type"] == "message" and f["event"]["body"] == last)


async def test_a_flood_is_limited_and_the_control_pair_loses_nothing(server: ServerProcess) -> None:
    desk = await agent(server, await login(server.base, "ada", PASSWORD))
    control = ControlPair(await open_visitor(server, "127.0.0.2"), desk)
    await control.exchange()

    # 1. One socket floods messages: 10 per minute are stored, the rest refused with retry_after.
    flooder = await open_visitor(server)
    for n in range(200):
        await flooder.send({"type": "message", "client_id": f"f{n}", "body": f"flood {n}"})
    await flooder.wait_for(lambda f: len(flooder.of_type("ack")) + len(flooder.of_type("error")) >= 200, 30)
    acks, errors = flooder.of_type("ack"), flooder.of_type("error")
    assert len(acks) == 10 and len(errors) == 190, (len(acks), len(errors))
    assert {e["code"] for e in errors} == {"rate_limited"}
    assert all(1 <= e["retry_after"] <= 60 and e["message"] for e in errors)
    assert all(e["ref"].startswith("f") for e in errors)  # the widget knows which message to resend
    flood_iid = flooder.of_type("status")[0]["conversation"]["id"]
    assert sorted(stored_messages(server, flood_iid)) == sorted(a["event"]["body"] for a in acks)
    await control.exchange()

    # 2. Sockets per address: 5 at most from 127.0.0.1 (the flooder holds one).
    extra = [await open_visitor(server) for _ in range(10)]
    welcomed = [c for c in extra if c.of_type("welcome")]
    refused = [c for c in extra if c.of_type("error")]
    assert len(welcomed) == 4 and len(refused) == 6
    for c in refused:
        error = c.of_type("error")[0]
        assert error["code"] == "rate_limited" and error["retry_after"] >= 1
    await control.exchange()
    for c in welcomed:
        await c.close()
    await flooder.close()

    # 3. New conversations per address: 3 per minute; the flooder's first counted.
    opened = refused_new = 0
    before = queued_conversations(server)
    for n in range(8):
        fresh = await open_visitor(server)
        await fresh.send({"type": "message", "client_id": "x", "body": f"new {n}"})
        frame = await fresh.wait_for(lambda f: f["type"] in ("ack", "error"))
        if frame["type"] == "ack":
            opened += 1
        else:
            assert frame["code"] == "rate_limited" and frame["retry_after"] >= 1
            refused_new += 1
        await fresh.close()
    assert (opened, refused_new) == (2, 6)
    assert queued_conversations(server) == before + 2
    await control.exchange()

    # The control pair lost nothing: every message and reply is stored and was delivered.
    assert control.iid is not None
    stored = stored_messages(server, control.iid)
    assert [b for b in stored if b.startswith("control")] == control.sent
    assert [b for b in stored if b.startswith("reply")] == control.replies
    await control.visitor.close()
    await desk.close()


async def test_uploads_per_visitor_are_limited_with_429_and_retry_after(server: ServerProcess) -> None:
    peer = await open_visitor(server)
    token = peer.of_type("welcome")[0]["token"]
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    statuses: list[int] = []
    last: dict[str, Any] = {}
    async with httpx.AsyncClient(base_url=server.base) as client:
        for _ in range(5):
            response = await client.post(
                "/channels/webchat/attachments",
                headers={"X-Visitor-Token": token},
                files={"file": ("a.png", png, "image/png")},
            )
            statuses.append(response.status_code)
            last = response.json()
    assert statuses == [201, 201, 201, 429, 429]
    assert last["error"]["code"] == "rate_limited" and last["error"]["retry_after"] >= 1
    await peer.close()


async def test_limits_can_be_switched_off(tmp_path: Path) -> None:
    proc = ServerProcess(tmp_path / "off", WIDGET_MESSAGES_PER_SOCKET="0")
    upgrade(proc.database_url)
    db = Database(proc.database_url)
    create_queue(db, "General", is_default=True)
    db.dispose()
    proc.start()
    try:
        peer = await open_visitor(proc)
        for n in range(80):
            await peer.send({"type": "message", "client_id": f"m{n}", "body": f"m {n}"})
        await peer.wait_for(lambda f: len(peer.of_type("ack")) == 80, 30)
        assert not peer.of_type("error")
        await peer.close()
    finally:
        proc.stop()
    assert not proc.errors_in_log()
