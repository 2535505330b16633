"""One heartbeat per socket, answered cheaply, and an idle limit (contact_center/ws_protocol.py, issue 12).

The widget's and the desktop's ``{"type":"ping"}`` is answered on receipt, before the app;
uvicorn's protocol pings are off, and the server pings only a socket that has been
silent for a while, closing it with 4410 when it stays silent for WS_IDLE_TIMEOUT_SECONDS.

The peer here is websockets' sans-I/O client on a raw TCP stream, so the test decides
whether protocol pings are answered and sees every frame the server sends, pings included.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.uri import parse_uri

from repository import Database, upgrade
from repository.directory import create_agent, create_queue
from tests.live import ServerProcess, login

pytestmark = pytest.mark.server
TIMEOUT = 2.0  # WS_IDLE_TIMEOUT_SECONDS: sweeps every 0.4 s, pings after 0.8 s of silence
BROWSER_PING = b'{"type":"ping"}'  # JSON.stringify({type: "ping"})


class RawPeer:
    """A websocket client that answers nothing on its own: pongs only when told to."""

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, proto: ClientProtocol
    ) -> None:
        self.reader, self.writer, self.proto = reader, writer, proto
        self.frames: list[Frame] = []

    @classmethod
    async def open(cls, server: ServerProcess, path: str, cookie: str | None = None) -> RawPeer:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        proto = ClientProtocol(parse_uri(server.ws_base + path))
        request = proto.connect()
        if cookie:
            request.headers["Cookie"] = f"cc_session={cookie}"
        request.headers["Origin"] = server.base
        proto.send_request(request)
        peer = cls(reader, writer, proto)
        peer.flush()
        while proto.handshake_exc is None and proto.state.name == "CONNECTING":
            proto.receive_data(await asyncio.wait_for(reader.read(65536), 10))
        assert proto.handshake_exc is None, proto.handshake_exc
        peer.collect(answer_pings=False)
        return peer

    def flush(self) -> None:
        self.writer.write(b"".join(self.proto.data_to_send()))

    def send(self, data: bytes) -> None:
        self.proto.send_text(data)
        self.flush()

    def collect(self, *, answer_pings: bool) -> None:
        for event in self.proto.events_received():
            if isinstance(event, Frame):
                self.frames.append(event)
        if answer_pings:
            self.flush()  # the protocol queued a pong for every ping it parsed
        else:
            self.proto.data_to_send()  # drop the queued pongs: this peer is deaf

    async def read_for(self, seconds: float, *, answer_pings: bool) -> None:
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                data = await asyncio.wait_for(self.reader.read(65536), left)
            except TimeoutError:
                return
            if not data:
                self.proto.receive_eof()
                self.collect(answer_pings=answer_pings)
                return
            self.proto.receive_data(data)
            self.collect(answer_pings=answer_pings)
            if self.proto.close_rcvd is not None:
                return

    def texts(self) -> list[dict[str, object]]:
        return [json.loads(f.data) for f in self.frames if f.opcode == Opcode.TEXT]

    def count(self, opcode: Opcode) -> int:
        return sum(1 for f in self.frames if f.opcode == opcode)

    def close_code(self) -> int | None:
        return self.proto.close_rcvd.code if self.proto.close_rcvd is not None else None

    def close(self) -> None:
        self.writer.close()


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[ServerProcess]:
    proc = ServerProcess(tmp_path / "data", WS_IDLE_TIMEOUT_SECONDS=str(TIMEOUT))
    upgrade(proc.database_url)
    db = Database(proc.database_url)
    create_queue(db, "General", is_default=True)
    create_agent(db, "ann", "Ann", "heartbeat-pass")
    db.dispose()
    await asyncio.to_thread(proc.start)
    yield proc
    proc.stop()
    assert not proc.errors_in_log(), proc.log_path.read_text()[-4000:]


async def test_the_browser_ping_is_answered_before_the_app_reads_it(server: ServerProcess) -> None:
    peer = await RawPeer.open(server, "/channels/webchat/ws")
    # The app refuses any first frame but "hello" (hello_required, 4400); the ping never
    # reaches it, so it is answered and the socket still waits for its hello.
    peer.send(BROWSER_PING)
    await peer.read_for(1.0, answer_pings=True)
    assert peer.texts() == [{"type": "pong"}]
    peer.send(b'{"type":"hello","name":"Ping first"}')
    await peer.read_for(1.0, answer_pings=True)
    assert [t["type"] for t in peer.texts()] == ["pong", "welcome"]
    # A ping with anything else in it is the app's: after the hello, still a pong.
    peer.send(b'{"type": "ping", "note": "x"}')
    await peer.read_for(1.0, answer_pings=True)
    assert [t["type"] for t in peer.texts()][-1] == "pong"
    assert peer.close_code() is None
    peer.close()


async def test_the_desktop_ping_is_answered_on_receipt(server: ServerProcess) -> None:
    cookie = await login(server.base, "ann", "heartbeat-pass")
    peer = await RawPeer.open(server, "/agent/ws", cookie)
    peer.send(b'{"type":"hello"}')
    await peer.read_for(1.0, answer_pings=True)
    before = len(peer.texts())
    peer.send(BROWSER_PING)
    await peer.read_for(0.5, answer_pings=True)
    assert {"type": "pong"} in peer.texts()[before:]
    peer.close()


async def test_a_socket_that_pings_itself_is_never_pinged_nor_closed(server: ServerProcess) -> None:
    peer = await RawPeer.open(server, "/channels/webchat/ws")
    peer.send(b'{"type":"hello"}')
    for _ in range(10):  # 3 s, one and a half idle timeouts, a ping every 0.3 s
        peer.send(BROWSER_PING)
        await peer.read_for(0.3, answer_pings=False)
    assert peer.count(Opcode.PING) == 0
    assert [t["type"] for t in peer.texts()].count("pong") == 10
    assert peer.close_code() is None
    peer.close()


async def test_a_silent_socket_that_answers_protocol_pings_stays_open(server: ServerProcess) -> None:
    peer = await RawPeer.open(server, "/channels/webchat/ws")
    peer.send(b'{"type":"hello"}')
    await peer.read_for(3 * TIMEOUT, answer_pings=True)  # sends nothing of its own
    assert peer.count(Opcode.PING) >= 2
    assert peer.close_code() is None
    peer.send(BROWSER_PING)
    await peer.read_for(1.0, answer_pings=True)
    assert peer.texts()[-1] == {"type": "pong"}
    peer.close()


async def test_a_silent_socket_that_answers_nothing_is_closed_with_4410(server: ServerProcess) -> None:
    deaf = await RawPeer.open(server, "/channels/webchat/ws")
    deaf.send(b'{"type":"hello"}')
    started = time.monotonic()
    await deaf.read_for(3 * TIMEOUT, answer_pings=False)
    assert deaf.count(Opcode.PING) >= 1  # it was asked first
    assert deaf.close_code() == 4410
    assert time.monotonic() - started < TIMEOUT + 1.5
    deaf.close()
    # The app noticed too: the server goes on serving others, with nothing in its log.
    other = await RawPeer.open(server, "/channels/webchat/ws")
    other.send(b'{"type":"hello"}')
    await other.read_for(1.0, answer_pings=True)
    assert [t["type"] for t in other.texts()] == ["welcome"]
    other.close()
