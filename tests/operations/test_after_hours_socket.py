"""A chat cannot start outside the chat queue's hours, even from a client that ignores the
widget's after-hours form: the visitor socket refuses the message that would open a new
conversation with an ``after_hours`` error frame, while a conversation already under way
goes on. On a real server, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select

from repository import Database, upgrade
from repository.core.models import Interaction
from repository.directory import create_queue
from repository.directory.business_hours import save_hours
from tests.live import ServerProcess, client_id, visitor
from tests.services import create_database, drop_database

pytestmark = pytest.mark.server
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALWAYS = {day: [["00:00", "24:00"]] for day in DAYS}


def closed_until_tomorrow_nine() -> tuple[dict[str, Any], datetime]:
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    nine = tomorrow.replace(hour=9, minute=0, second=0, microsecond=0)
    return {DAYS[tomorrow.weekday()]: [["09:00", "17:00"]]}, nine


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def server(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[ServerProcess]:
    env: dict[str, str] = {}
    pg: tuple[str, str] | None = None
    if request.param == "postgresql":
        pg = create_database(request.getfixturevalue("postgres_server"))
        env["DATABASE_URL"] = pg[0]
    proc = ServerProcess(tmp_path / "data", **env)
    upgrade(proc.database_url)
    db = Database(proc.database_url)
    queue = create_queue(db, "Chat", is_default=True)
    save_hours(db, queue.id, {"business_hours": ALWAYS, "time_zone": "UTC"})
    proc.queue_id = queue.id  # type: ignore[attr-defined]
    db.dispose()
    proc.start()
    yield proc
    proc.stop()
    assert not proc.errors_in_log(), proc.log_path.read_text()[-4000:]
    if pg is not None:
        drop_database(request.getfixturevalue("postgres_server"), pg[1])


def conversations(server: ServerProcess) -> list[Interaction]:
    db = Database(server.database_url)
    try:
        with db.read() as session:
            return list(session.exec(select(Interaction).order_by(Interaction.id)).all())
    finally:
        db.dispose()


def set_hours(server: ServerProcess, hours: dict[str, Any]) -> None:
    db = Database(server.database_url)
    try:
        save_hours(db, server.queue_id, {"business_hours": hours, "time_zone": "UTC"})  # type: ignore[attr-defined]
    finally:
        db.dispose()


async def say(client: Any, body: str, cid: str | None = None) -> dict[str, Any]:
    """Send a message; the ack or the error frame that answers it (not an earlier one)."""
    cid = cid or client_id()
    before = len(client.frames)
    await client.send({"type": "message", "client_id": cid, "body": body})

    def answer(frame: dict[str, Any]) -> bool:
        if not any(frame is f for f in client.frames[before:]):
            return False
        if frame["type"] == "ack":
            return bool(frame["client_id"] == cid)
        return frame["type"] == "error" and frame.get("ref") == cid

    return await client.wait_for(answer)


async def test_a_new_chat_is_refused_after_hours_and_a_chat_under_way_goes_on(server: ServerProcess) -> None:
    early = await visitor(server)
    assert (await say(early, "Hello, is anyone there?"))["type"] == "ack"

    closed, nine = closed_until_tomorrow_nine()
    set_hours(server, closed)

    # Already open: the conversation continues after closing time.
    assert (await say(early, "Still waiting, thanks"))["type"] == "ack"

    # A client that skips the after-hours form and opens a chat over the socket anyway.
    late = await visitor(server)
    cid = client_id()
    refused = await say(late, "Let me in", cid)
    assert refused["type"] == "error" and refused["code"] == "after_hours", refused
    assert datetime.fromisoformat(refused["next_open_at"]) == nine
    assert "Leave a message" in refused["message"]
    assert late.of_type("status") == [] and late.of_type("ack") == []
    assert len(conversations(server)) == 1, "the refused message opened nothing"
    await late.barrier()  # the socket stays open

    # A visitor whose conversation has ended cannot start another one either.
    await early.send({"type": "end"})
    await early.wait_for(lambda f: f["type"] == "status" and f["conversation"]["status"] == "ended")
    again = await say(early, "One more question")
    assert again["type"] == "error" and again["code"] == "after_hours"
    assert len(conversations(server)) == 1

    # Open again: the refused message, resent with its client_id, starts the chat.
    set_hours(server, ALWAYS)
    assert (await say(late, "Let me in", cid))["type"] == "ack"
    assert len(conversations(server)) == 2
    await early.close()
    await late.close()


async def test_the_error_frame_speaks_the_widget_language(server: ServerProcess) -> None:
    closed, _nine = closed_until_tomorrow_nine()
    set_hours(server, closed)
    import json

    import websockets

    async with websockets.connect(server.ws_base + "/channels/webchat/ws") as ws:
        await ws.send(json.dumps({"type": "hello", "lang": "zh-Hant"}))
        assert json.loads(await ws.recv())["type"] == "welcome"
        await ws.send(json.dumps({"type": "message", "client_id": "c1", "body": "hi"}))
        frame = json.loads(await ws.recv())
    assert frame["code"] == "after_hours" and frame["ref"] == "c1"
    assert "留言" in frame["message"], frame
