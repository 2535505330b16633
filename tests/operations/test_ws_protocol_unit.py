"""ContactCenterWebSocket's fast pong keeps uvicorn's flow control (a unit test on a fake transport).

The real server is crossed in test_ws_heartbeat.py; here the transport is a fake, so the
test can say "the client stopped reading" (the write buffer is over its high-water mark)
and see where the next ping goes.
"""

from __future__ import annotations

import asyncio
from typing import Any

import uvicorn
from uvicorn.server import ServerState
from websockets.frames import Frame, Opcode
from websockets.protocol import State

from contact_center.ws_protocol import ContactCenterWebSocket


class FakeTransport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.written: list[bytes] = []

    def write(self, data: Any) -> None:
        self.written.append(bytes(data))

    def is_closing(self) -> bool:
        return False

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return ("127.0.0.1", 5000) if name in ("peername", "sockname") else default


async def app(scope: Any, receive: Any, send: Any) -> None:
    pass


async def protocol_on(path: str) -> ContactCenterWebSocket:
    config = uvicorn.Config(app, lifespan="off", log_level="warning")
    config.load()
    proto = ContactCenterWebSocket(config, ServerState(), {}, asyncio.get_running_loop())
    proto.connection_made(FakeTransport())
    proto.scope = {"path": path}  # type: ignore[typeddict-item]
    proto.plain_pong = path == "/channels/webchat/ws"
    proto.handshake_complete = True
    proto.conn.state = State.OPEN  # as after the handshake
    return proto


def ping() -> Frame:
    return Frame(Opcode.TEXT, b'{"type":"ping"}')


async def test_a_ping_is_answered_at_once_while_the_client_reads() -> None:
    proto = await protocol_on("/channels/webchat/ws")
    proto.handle_text(ping())
    assert proto.queue.empty()
    assert b'{"type":"pong"}' in b"".join(proto.transport.written)  # type: ignore[attr-defined]


async def test_a_client_that_stopped_reading_gets_its_pings_through_the_app() -> None:
    proto = await protocol_on("/channels/webchat/ws")
    proto.pause_writing()  # the transport's buffer passed its high-water mark
    proto.handle_text(ping())
    assert proto.transport.written == []  # type: ignore[attr-defined]
    assert proto.queue.get_nowait() == {"type": "websocket.receive", "text": '{"type":"ping"}'}


async def test_the_supervisor_s_ping_is_the_app_s() -> None:
    proto = await protocol_on("/supervisor/ws")
    proto.handle_text(ping())
    assert proto.transport.written == []  # type: ignore[attr-defined]
    assert proto.queue.get_nowait()["text"] == '{"type":"ping"}'
