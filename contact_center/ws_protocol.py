"""The websocket protocol ``contact-center serve`` speaks: uvicorn's, with one heartbeat and an idle limit.

Every shipped client keeps its socket alive itself: the widget sends ``{"type":"ping"}``
every 25 s, the desktop every 5 s, and each expects ``{"type":"pong"}`` (docs/protocol.md).
With 10,000 widgets open that is 400 pings a second, and answering each one through the
ASGI stack (queue, Starlette's receive and send wrappers, JSON parsing, the frame walk,
JSON encoding) cost more than the chat messages themselves (bench/README.md, fanout.py).
So on the sockets whose pong carries nothing (the widget's and the desktop's), an exact
ping frame is answered here, on receipt, with a pre-encoded pong; it never reaches the
app. Any other frame, a ping with extra fields included, goes to the app as before.

uvicorn's own protocol pings are off by default (``SERVE_WS_PING_SECONDS``): a second
heartbeat on every socket doubled the work, and its timers (500 a second at 10,000
sockets, each alive 20 s) kept the garbage collector busy. Instead one sweep per node
walks the open websockets every ``WS_IDLE_TIMEOUT_SECONDS / 5`` (15 s by default):
a socket silent for 40 % of the timeout gets a protocol ping (a browser answers it by
itself, so a client that never pings, or a widget in a throttled background tab, stays
connected), and one silent for the whole timeout (75 s) is closed with 4410, which also
ends connections whose peer vanished without a FIN. Nothing is kept per socket but the
time it was last heard from; sockets that ping on their own are never pinged.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.protocol import Protocol, State
from websockets.streams import StreamReader

log = logging.getLogger(__name__)
IDLE_CODE = 4410
# JSON.stringify({type: "ping"}) as browsers write it, and Python's json.dumps spelling.
PINGS = frozenset({b'{"type":"ping"}', b'{"type": "ping"}'})
PONG = b'{"type":"pong"}'
PONG_FRAME = bytes((0x81, len(PONG))) + PONG  # FIN + text, unmasked (server to client)
# A masked client frame: FIN + text, no RSV bits, the mask bit and a 7-bit length.
_PING_HEADERS = {bytes((0x81, 0x80 | len(ping))): len(ping) for ping in PINGS}
# What websockets' parser waits in when it has read whole frames and awaits the next one.
_AT_EOF = StreamReader.at_eof.__code__
# Sockets whose app answers a ping with a bare pong (the supervisor's pong carries a version).
PLAIN_PONG_PATHS = frozenset({"/channels/webchat/ws", "/agent/ws"})

# One sweep per event loop (a test process may run several servers, each on its own loop).
_sweeps: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.TimerHandle] = (
    weakref.WeakKeyDictionary()
)


class ContactCenterWebSocket(WebSocketsSansIOProtocol):
    """uvicorn's sans-I/O websocket protocol; see the module docstring for what it adds."""

    idle_timeout: float = 75.0
    heard_at: float = 0.0
    plain_pong: bool = False

    def data_received(self, data: bytes) -> None:
        self.heard_at = self.loop.time()
        if self._is_plain_ping(data):
            self.transport.write(PONG_FRAME)
            return
        super().data_received(data)

    def _is_plain_ping(self, data: bytes) -> bool:
        """Whether ``data`` is exactly one masked ping frame the parser need never see.

        websockets' parser leaves objects behind after every frame (the generator that waits
        for the next one, the frame itself, fresh event and write lists). On a widget that
        pings every 25 s they live until the next ping, so the collector promotes them:
        about 1,600 a second at 10,000 widgets, which made every young collection walk
        40,000 objects (bench/README.md). A whole ping in one read, with nothing buffered
        before it and no fragmented message in progress, is unambiguous: it can be answered
        from the bytes. Anything else (a compressed frame, a split read, a longer frame)
        takes the parser. "Nothing buffered" is not enough by itself: a frame whose header
        came in an earlier read leaves the buffer empty too, so the parser's own position
        is checked.
        """
        length = _PING_HEADERS.get(data[:2])
        if length is None or len(data) != 6 + length or not self.plain_pong:
            return False
        conn = self.conn
        if (
            conn.state is not State.OPEN
            or conn.reader.buffer
            or conn.current_size is not None
            or self.close_sent
            or not self.writable.is_set()
            or not _between_frames(conn)
        ):
            return False
        mask = int.from_bytes((data[2:6] * 4)[:length])
        return (int.from_bytes(data[6:]) ^ mask).to_bytes(length) in PINGS

    def handle_connect(self, event: Any) -> None:
        super().handle_connect(event)
        scope = getattr(self, "scope", None)
        self.plain_pong = scope is not None and scope["path"] in PLAIN_PONG_PATHS
        if self.idle_timeout > 0:
            _ensure_sweep(self.loop, self.connections, self.idle_timeout)

    def start_keepalive(self) -> None:
        # uvicorn calls this right after the handshake response went out. The handshake's
        # request and response (their headers: a list per name) are never read again, and an
        # idle socket would otherwise keep them, and the collector walk them, for its life.
        self.request = self.response = None  # type: ignore[assignment]
        conn = self.conn
        if conn.state is State.OPEN and _between_frames(conn):
            # websockets' server parser read the request into a local of its generator and
            # keeps it there; its frame loop is the base class's, so start that afresh.
            conn.parser = Protocol.parse(conn)
            next(conn.parser)
        super().start_keepalive()

    def handle_text(self, event: Any) -> None:
        # Only while our write buffer drains: a client that pings without reading its pongs
        # then goes the app's way, whose send waits for the buffer and stops reading from it
        # (uvicorn's flow control), so it cannot make the server buffer pongs without bound.
        if (
            self.plain_pong
            and event.fin
            and not self.close_sent
            and self.writable.is_set()
            and bytes(event.data) in PINGS
        ):
            self.conn.send_text(PONG)
            self.transport.write(b"".join(self.conn.data_to_send()))
            return
        super().handle_text(event)

    def ping(self) -> None:
        """A protocol ping; the peer's pong (any data) counts as hearing from it."""
        if self.close_sent or self.transport.is_closing():
            return
        self.conn.send_ping(b"")
        self.transport.write(b"".join(self.conn.data_to_send()))

    def close_idle(self) -> None:
        """Close from our side: the app's reader sees a disconnect, the peer a 4410 close frame."""
        if self.close_sent or self.transport.is_closing():
            return
        self.queue.put_nowait({"type": "websocket.disconnect", "code": IDLE_CODE, "reason": "idle"})
        self.conn.send_close(IDLE_CODE, "idle: nothing received")
        self.transport.write(b"".join(self.conn.data_to_send()))
        self.close_sent = True
        if self.read_paused:
            self.read_paused = False
            self.transport.resume_reading()
        self.close_timer = self.loop.call_later(self.close_timeout, self.transport.close)


def _between_frames(conn: Protocol) -> bool:
    """Whether websockets' parser has consumed whole frames and waits for the next one."""
    parser: Any = conn.parser
    while parser.gi_yieldfrom is not None:  # parse() -> at_eof(), or -> Frame.parse() -> read_exact()
        parser = parser.gi_yieldfrom
    return parser.gi_code is _AT_EOF


def _ensure_sweep(loop: asyncio.AbstractEventLoop, connections: set[Any], timeout: float) -> None:
    if loop not in _sweeps:
        _sweeps[loop] = loop.call_later(timeout / 5, _sweep, loop, connections, timeout)


def _sweep(loop: asyncio.AbstractEventLoop, connections: set[Any], timeout: float) -> None:
    if loop.is_closed():
        return
    now = loop.time()
    closed = 0
    for connection in list(connections):
        if not (
            isinstance(connection, ContactCenterWebSocket)
            and connection.handshake_complete
            and connection.initial_response is None
        ):
            continue
        silent = now - connection.heard_at
        if silent < timeout * 0.4:
            continue
        try:
            if silent >= timeout:
                connection.close_idle()
                closed += 1
            else:
                connection.ping()
        except Exception:  # one broken connection must not stop the sweep for the others
            log.exception("cannot ping or close an idle websocket")
    if closed:
        log.info("closed %d websockets silent for more than %.0f s", closed, timeout)
    if connections:
        _sweeps[loop] = loop.call_later(timeout / 5, _sweep, loop, connections, timeout)
    else:
        _sweeps.pop(loop, None)  # nothing open: the next handshake starts it again


def protocol_class(idle_timeout: float) -> type[ContactCenterWebSocket]:
    return type("ContactCenterWebSocket", (ContactCenterWebSocket,), {"idle_timeout": idle_timeout})
