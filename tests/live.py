"""A real server process on loopback, and websocket clients that speak to it like users.

Used by the integration, hostile-input and browser tests. The server is the same
``contact-center serve`` a user runs, so these tests cross the real boundaries:
HTTP, websockets, the process, the database file.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import websockets

from tests.services import free_port

REPO_ROOT = Path(__file__).resolve().parents[1]
# Tests of other features open many visitors from one loopback address; the anonymous web
# chat limits are tested on their own (tests/integration/test_webchat_limits.py sets them).
WEBCHAT_LIMITS_OFF = {
    "WIDGET_MESSAGES_PER_SOCKET": "0",
    "WIDGET_SOCKETS_PER_ADDRESS": "0",
    "WIDGET_CONVERSATIONS_PER_ADDRESS": "0",
    "WIDGET_CONVERSATIONS_OVERALL": "0",
    "WIDGET_UPLOADS_PER_VISITOR": "0",
}


class ServerProcess:
    def __init__(self, data_dir: Path, **env: str) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.env = {
            **os.environ,
            "DATA_DIR": str(data_dir),
            "DATABASE_URL": f"sqlite:///{data_dir / 'cc.db'}",
            "BUS_URL": "memory://",
            "SECRET_KEY": "integration-secret",
            "ROUTER_TICK_SECONDS": "0.2",
            "HEARTBEAT_SECONDS": "0.5",
            "LOG_LEVEL": "WARNING",
            **WEBCHAT_LIMITS_OFF,
            # The server under test is this checkout, even if another copy is pip-installed.
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH", "")])),
            **env,
        }
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = data_dir / f"server-{self.port}.log"
        # More `serve` options, e.g. ["--workers", "2"].
        self.extra_args: list[str] = []

    @property
    def database_url(self) -> str:
        return self.env["DATABASE_URL"]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_base(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self) -> ServerProcess:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "contact_center.cli",
                "serve",
                "--no-demo",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                *self.extra_args,
            ],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self.data_dir,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log_path.read_text()[-3000:]}")
            try:
                if httpx.get(self.base + "/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"server did not become healthy:\n{self.log_path.read_text()[-3000:]}")

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def errors_in_log(self) -> list[str]:
        text = self.log_path.read_text() if self.log_path.exists() else ""
        return [line for line in text.splitlines() if "Traceback" in line or " 500 " in line]


async def login(base: str, username: str, password: str) -> str:
    """Sign in through the real form; returns the session cookie value."""
    async with httpx.AsyncClient(base_url=base) as client:
        page = await client.get("/login")
        match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert match, "login page has no CSRF token"
        response = await client.post(
            "/login",
            data={"csrf_token": match.group(1), "username": username, "password": password, "next": "/agent"},
        )
        assert response.status_code == 303, response.text
        return str(client.cookies.get("cc_session"))


@dataclass
class Client:
    """A websocket peer that records every frame it receives, by type."""

    ws: Any
    frames: list[dict[str, Any]] = field(default_factory=list)
    _reader: asyncio.Task[None] | None = None
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    def start(self) -> None:
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                self.frames.append(json.loads(raw))
                self._changed.set()
        except websockets.ConnectionClosed:
            pass
        finally:
            self._changed.set()

    async def send(self, frame: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(frame))

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [f for f in self.frames if f.get("type") == kind]

    async def wait_for(self, predicate: Any, timeout: float = 10.0) -> dict[str, Any]:
        """The first recorded frame matching ``predicate``, waiting for it if needed."""

        async def scan() -> dict[str, Any]:
            seen = 0
            while True:
                for frame in self.frames[seen:]:
                    if predicate(frame):
                        return frame
                seen = len(self.frames)
                self._changed.clear()
                if self._reader is not None and self._reader.done():
                    raise ConnectionError(f"socket closed; frames: {self.frames[-5:]}")
                await self._changed.wait()

        return await asyncio.wait_for(scan(), timeout)

    async def barrier(self, timeout: float = 10.0) -> None:
        """A ping/pong round trip: every frame queued for this socket before the ping has arrived.

        For "nothing arrived" checks once the event in question has reached another socket
        of the same server (so it is in this socket's queue too, if it was going to be):
        frames are sent in order, so it is recorded before the pong. Unlike a sleep, it
        waits as long as the server needs, and a slow machine cannot let it slip past.
        """
        before = len(self.of_type("pong"))
        # Not the bare ping: that one is answered on receipt, ahead of the app (docs/protocol.md#heartbeat).
        await self.send({"type": "ping", "barrier": True})
        await self.wait_for(lambda f: f.get("type") == "pong" and len(self.of_type("pong")) > before, timeout)

    async def close(self) -> None:
        await self.ws.close()
        if self._reader is not None:
            await asyncio.wait_for(self._reader, 5)


async def visitor(
    server: ServerProcess,
    *,
    token: str | None = None,
    name: str = "",
    email: str = "",
    origin: str | None = None,
) -> Client:
    headers = {"Origin": origin} if origin else None
    ws = await websockets.connect(
        server.ws_base + "/channels/webchat/ws", additional_headers=headers, max_size=2**22
    )
    client = Client(ws)
    client.start()
    hello: dict[str, Any] = {"type": "hello"}
    if token:
        hello["token"] = token
    if name:
        hello["name"] = name
    if email:
        hello["email"] = email
    await client.send(hello)
    await client.wait_for(lambda f: f["type"] in ("welcome", "error"))
    return client


async def agent(
    server: ServerProcess, cookie: str, *, last_event_id: str | None = None, available: bool = True
) -> Client:
    ws = await websockets.connect(
        server.ws_base + "/agent/ws", additional_headers={"Cookie": f"cc_session={cookie}"}, max_size=2**22
    )
    client = Client(ws)
    client.start()
    hello: dict[str, Any] = {"type": "hello"}
    if last_event_id:
        hello["last_event_id"] = last_event_id
    await client.send(hello)
    await client.wait_for(lambda f: f["type"] in ("welcome", "resumed", "error"))
    if available:
        await client.send({"type": "presence", "state": "available"})
    return client


def client_id() -> str:
    return uuid.uuid4().hex
