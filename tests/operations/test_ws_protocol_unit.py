"""ContactCenterWebSocket's fast pong keeps uvicorn's flow control (a unit test on a fake transport).

The real server is crossed in test_ws_heartbeat.py; here the transport is a fake, so the
test can say "the client stopped reading" (the write buffer is over its high-water mark)
and see where the next ping goes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn
from uvicorn.server import ServerState
from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.protocol import Protocol, State
from websockets.uri import parse_uri

from contact_center.ws_protocol import ContactCenterWebSocket


class FakeTransport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.written: list[bytes] = []
        self.closed = False

    def write(self, data: Any) -> None:
        self.written.append(bytes(data))

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return ("127.0.0.1", 5000) if name in ("peername", "sockname") else default


async def app(scope: Any, receive: Any, send: Any) -> None:
    """Accept, then leave every later frame in the protocol's queue for the test to read."""
    assert (await receive())["type"] == "websocket.connect"
    await send({"type": "websocket.accept"})
    await scope["state"]["release"].wait()


@pytest.fixture(autouse=True)
async def release_apps() -> AsyncIterator[None]:
    yield
    for event in _releases:
        event.set()
    await asyncio.sleep(0)
    _releases.clear()


_releases: list[asyncio.Event] = []


async def protocol_on(path: str, early: bytes = b"") -> ContactCenterWebSocket:
    """A protocol after a real opening handshake, so websockets' parser is reading frames.

    ``early``: bytes the client sent right behind its request, before the app accepted.
    """
    config = uvicorn.Config(app, lifespan="off", log_level="warning", ws_per_message_deflate=False)
    config.load()
    release = asyncio.Event()
    _releases.append(release)
    proto = ContactCenterWebSocket(config, ServerState(), {"release": release}, asyncio.get_running_loop())
    proto.connection_made(FakeTransport())
    client = ClientProtocol(parse_uri(f"ws://127.0.0.1:5000{path}"))
    client.send_request(client.connect())
    proto.data_received(b"".join(client.data_to_send()) + early)
    for _ in range(20):
        if proto.handshake_complete:
            break
        await asyncio.sleep(0)
    assert proto.handshake_complete and proto.conn.state is State.OPEN
    assert proto.transport.written[0].startswith(b"HTTP/1.1 101")  # type: ignore[attr-defined]
    proto.transport.written.clear()  # type: ignore[attr-defined]
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


def client_frame(opcode: Opcode, data: bytes, *, fin: bool = True, rsv1: bool = False) -> bytes:
    """A frame as a browser puts it on the wire: masked, with a random key."""
    wire = bytearray(Frame(opcode, data, fin=fin).serialize(mask=True))
    if rsv1:
        wire[0] |= 0x40  # websockets will not serialize a reserved bit without its extension
    return bytes(wire)


def parsed_through(proto: ContactCenterWebSocket) -> list[bytes]:
    """Record what reaches websockets' parser from now on."""
    seen: list[bytes] = []
    receive = proto.conn.receive_data

    def spy(data: bytes | bytearray) -> None:
        seen.append(bytes(data))
        receive(data)

    proto.conn.receive_data = spy  # type: ignore[method-assign]
    return seen


async def test_a_whole_ping_in_one_read_is_answered_without_the_parser() -> None:
    proto = await protocol_on("/channels/webchat/ws")
    parsed = parsed_through(proto)
    for spelling in (b'{"type":"ping"}', b'{"type": "ping"}'):
        proto.data_received(client_frame(Opcode.TEXT, spelling))
    assert parsed == []
    assert proto.transport.written == [b'\x81\x0f{"type":"pong"}'] * 2  # type: ignore[attr-defined]
    assert proto.queue.empty()
    # The parser is still in step: the next real message reaches the app.
    proto.data_received(client_frame(Opcode.TEXT, b'{"type":"message","text":"hi"}'))
    assert proto.queue.get_nowait()["text"] == '{"type":"message","text":"hi"}'


async def test_anything_but_a_lone_whole_ping_takes_the_parser() -> None:
    proto = await protocol_on("/channels/webchat/ws")
    parsed = parsed_through(proto)
    ping_bytes = client_frame(Opcode.TEXT, b'{"type":"ping"}')
    proto.data_received(ping_bytes[:9])  # a ping split across two reads
    proto.data_received(ping_bytes[9:])
    proto.data_received(ping_bytes + client_frame(Opcode.TEXT, b'{"type":"hello"}'))  # two in one read
    proto.data_received(client_frame(Opcode.TEXT, b'{"type":"pinG"}'))  # same length, other text
    assert len(parsed) == 4
    # The parser answered the pings it saw (split, and first of two); the rest went to the app.
    assert proto.transport.written.count(b'\x81\x0f{"type":"pong"}') == 2  # type: ignore[attr-defined]
    assert [proto.queue.get_nowait()["text"] for _ in range(2)] == ['{"type":"hello"}', '{"type":"pinG"}']


async def test_a_ping_inside_a_fragmented_message_is_a_protocol_error_as_before() -> None:
    proto = await protocol_on("/channels/webchat/ws")
    proto.data_received(client_frame(Opcode.TEXT, b'{"type":', fin=False))
    proto.data_received(client_frame(Opcode.TEXT, b'{"type":"ping"}'))
    assert b'\x81\x0f{"type":"pong"}' not in proto.transport.written  # type: ignore[attr-defined]
    assert proto.conn.state is not State.OPEN  # websockets failed the connection (1002)


async def test_a_compressed_or_stalled_ping_takes_the_parser() -> None:
    proto = await protocol_on("/channels/webchat/ws")
    parsed = parsed_through(proto)
    proto.pause_writing()
    proto.data_received(client_frame(Opcode.TEXT, b'{"type":"ping"}'))
    assert len(parsed) == 1 and proto.transport.written == []  # type: ignore[attr-defined]
    proto.resume_writing()
    # RSV1 marks a compressed frame; without the extension websockets rejects it.
    proto.data_received(client_frame(Opcode.TEXT, b'{"type":"ping"}', rsv1=True))
    assert len(parsed) == 2
    assert b'\x81\x0f{"type":"pong"}' not in proto.transport.written  # type: ignore[attr-defined]


async def test_the_rest_of_a_frame_that_looks_like_a_ping_is_the_frame_s() -> None:
    # A binary frame whose 2-byte header came in one read; its remaining 21 bytes start
    # like a masked ping header and unmask (with the wrong key) to the ping's text.
    # Nothing is buffered then, but the parser is inside the frame: it must get the bytes.
    proto = await protocol_on("/channels/webchat/ws")
    fake_key = b"\x01\x02\x03\x04"
    fake_payload = bytes(b ^ fake_key[i % 4] for i, b in enumerate(b'{"type":"ping"}'))
    rest = b"\x81\x8f" + fake_key + fake_payload  # the real key, then the masked payload
    real_key, masked = rest[:4], rest[4:]
    payload = bytes(b ^ real_key[i % 4] for i, b in enumerate(masked))
    proto.data_received(bytes((0x82, 0x80 | len(masked))))
    proto.data_received(rest)
    assert b'\x81\x0f{"type":"pong"}' not in proto.transport.written  # type: ignore[attr-defined]
    assert proto.queue.get_nowait() == {"type": "websocket.receive", "bytes": payload}


async def test_after_the_handshake_the_parser_keeps_no_request() -> None:
    proto = await protocol_on("/channels/webchat/ws")
    # The frame loop itself, not the server parser whose frame holds the request's headers.
    assert proto.conn.parser.gi_code is Protocol.parse.__code__  # type: ignore[attr-defined]
    proto.data_received(client_frame(Opcode.TEXT, b'{"type":"hello"}'))
    assert proto.queue.get_nowait()["text"] == '{"type":"hello"}'


async def test_half_a_frame_sent_with_the_request_still_arrives_whole() -> None:
    frame = client_frame(Opcode.TEXT, b'{"type":"hello","lang":"en"}')
    proto = await protocol_on("/channels/webchat/ws", early=frame[:7])
    proto.data_received(frame[7:])
    assert proto.queue.get_nowait()["text"] == '{"type":"hello","lang":"en"}'
