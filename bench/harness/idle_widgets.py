"""Idle widget sockets that behave like the real widget on a page nobody chats from.

The shipped widget (``channels/webchat/static/widget/connection.js`` on ui-core's
``ReconnectingSocket``) says ``hello`` with its language, waits for the ``welcome``,
then sends ``{"type": "ping"}`` every ``PING_MS`` (25 s, ``widget/env.js``) and
drops the socket when no answer comes within ``PONG_TIMEOUT_MS`` (10 s). A browser
also offers permessage-deflate and answers the server's protocol pings by itself;
the ``websockets`` client does both by default. Real widgets open at random moments,
so each idle socket here starts its heartbeat at a random phase of the 25 s period.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from contextlib import suppress
from dataclasses import dataclass, field

from websockets.asyncio.client import ClientConnection, connect

# The widget's own cadence: channels/webchat/static/widget/env.js.
PING_SECONDS = 25.0
PONG_TIMEOUT_SECONDS = 10.0
# As the browser writes it: JSON.stringify({type: "ping"}), no spaces.
PING = json.dumps({"type": "ping"}, separators=(",", ":"))


@dataclass
class IdleWidgets:
    """Idle sockets and their heartbeats; ``late`` counts pongs a real widget would have given up on."""

    url: str
    hello: bool = True
    sockets: list[ClientConnection] = field(default_factory=list)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    pings: int = 0
    late: int = 0

    async def open(self, count: int) -> None:
        """Open ``count`` more, 200 at a time; widgets say hello and get their welcome first."""
        while count > 0:
            batch = min(200, count)
            opened = await asyncio.gather(*(self._one() for _ in range(batch)))
            self.sockets += opened
            self.tasks += [asyncio.ensure_future(self._heartbeat(ws)) for ws in opened]
            count -= batch

    async def _one(self) -> ClientConnection:
        ws = await connect(self.url, open_timeout=120, ping_interval=None, max_size=2**20)
        if self.hello:
            await ws.send(json.dumps({"type": "hello", "lang": "en"}))
            await asyncio.wait_for(ws.recv(), 120)
        return ws

    async def _heartbeat(self, ws: ClientConnection) -> None:
        with suppress(Exception):
            await asyncio.sleep(random.uniform(0, PING_SECONDS))
            while True:
                sent = time.monotonic()
                await ws.send(PING)
                self.pings += 1
                while json.loads(await ws.recv()).get("type") != "pong":
                    pass
                if time.monotonic() - sent > PONG_TIMEOUT_SECONDS:
                    self.late += 1
                await asyncio.sleep(max(0.0, sent + PING_SECONDS - time.monotonic()))

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*(ws.close() for ws in self.sockets), return_exceptions=True)
        self.sockets.clear()
        self.tasks.clear()
