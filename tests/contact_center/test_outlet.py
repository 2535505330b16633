"""A socket's end of the pipeline: exactly once, and a slow consumer closed with 4408."""

from __future__ import annotations

import asyncio
import logging

import pytest
from starlette.websockets import WebSocketState

from contact_center.bus import create_bus
from contact_center.bus.dispatch import Dispatcher, as_event
from contact_center.bus.outlet import SLOW_CONSUMER_CODE, Outlet
from repository import Database


class FakeSocket:
    """Starlette's websocket as the outlet uses it; ``stuck`` makes every send hang."""

    def __init__(self, *, stuck: bool = False) -> None:
        self.application_state = self.client_state = WebSocketState.CONNECTED
        self.sent: list[str] = []
        self.closed_with: int | None = None
        self.stuck = stuck

    async def send_text(self, text: str) -> None:
        if self.stuck:
            await asyncio.Event().wait()  # the peer stopped reading: the send never completes
        self.sent.append(text)

    async def close(self, code: int = 1000, reason: str = "") -> None:
        self.closed_with = code


async def identity(event):  # type: ignore[no-untyped-def]
    return {"type": "event", "n": event.data.get("n")}


@pytest.fixture
async def dispatcher(db: Database):  # type: ignore[no-untyped-def]
    bus = create_bus("memory://")
    await bus.connect()
    instance = Dispatcher(db, bus, poll_seconds=60)
    await instance.start()
    yield instance
    await instance.stop()
    await bus.disconnect()


def event(position: int, topic: str = "agent:1", size: int = 0) -> object:
    return as_event({"type": "test", "n": position, "pos": position, "topics": [topic], "pad": "x" * size})


async def test_a_position_is_sent_once_even_when_it_arrives_twice(dispatcher: Dispatcher) -> None:
    ws = FakeSocket()
    outlet = Outlet(ws, dispatcher, {"agent:1"}, identity, limit_bytes=1 << 20, label="test")  # type: ignore[arg-type]
    await outlet.open()
    outlet.start()
    start = dispatcher.delivered
    for p in (1, 2, 2, 1, 3):  # a republished row and a database fill overlap the live stream
        dispatcher.accept(event(start + p))  # type: ignore[arg-type]
    dispatcher.accept(event(start + 4, topic="agent:2"))  # type: ignore[arg-type]  # not this socket's
    await asyncio.sleep(0.05)
    assert [f'"n":{start + p}' in text for p, text in zip((1, 2, 3), ws.sent, strict=True)] == [True] * 3
    assert outlet.sent_upto == start + 3
    await outlet.close()


async def test_a_socket_that_stops_reading_is_closed_with_4408_and_a_logged_reason(
    dispatcher: Dispatcher, caplog: pytest.LogCaptureFixture
) -> None:
    ws = FakeSocket(stuck=True)
    outlet = Outlet(ws, dispatcher, {"agent:1"}, identity, limit_bytes=10_000, label="slow desk")  # type: ignore[arg-type]
    await outlet.open()
    outlet.start()
    start = dispatcher.delivered
    with caplog.at_level(logging.WARNING):
        for p in range(1, 40):
            dispatcher.accept(event(start + p, size=500))  # type: ignore[arg-type]
        await asyncio.sleep(0.1)
    assert ws.closed_with == SLOW_CONSUMER_CODE
    assert "slow desk stopped reading" in caplog.text
    # Nothing is buffered for it any more, and later events are not taken.
    assert outlet.sink.pending_bytes == 0 and outlet.sink.closed
    dispatcher.accept(event(start + 40, size=500))  # type: ignore[arg-type]
    assert not outlet.sink.pending
