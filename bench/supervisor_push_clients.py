"""The simulated people of bench/supervisor_push.py: supervisors watching, agents and visitors changing things.

Supervisors only note (version, arrival time) per snapshot and keep the first copy
of each version; agents accept every offer and close each chat ``--hold`` s later;
visitors open one chat each. Every change is timestamped on the bench's one clock.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from dataclasses import dataclass, field

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from bench.harness import VERSION, open_desktop

SNAPSHOT_PREFIX = '{"type":"snapshot"'


@dataclass
class Record:
    """Everything the run saw, on the bench's one clock (``time.perf_counter``)."""

    snapshots: dict[int, str] = field(default_factory=dict)  # version → raw frame (first copy)
    received: list[list[tuple[int, float]]] = field(default_factory=list)  # per supervisor
    created: dict[str, float] = field(default_factory=dict)  # customer name → opener sent
    accepted: dict[int, float] = field(default_factory=dict)  # interaction → accept sent
    closed: dict[int, float] = field(default_factory=dict)  # interaction → close sent
    errors: list[str] = field(default_factory=list)
    closes: list[str] = field(default_factory=list)


async def supervisor_socket(ws_base: str, cookie: str) -> ClientConnection:
    ws = await connect(
        ws_base + "/supervisor/ws",
        additional_headers={"Cookie": f"cc_session={cookie}"},
        max_size=2**24,
        open_timeout=60,
        ping_interval=20,
        ping_timeout=None,
    )
    await ws.send(json.dumps({"type": "hello"}))
    return ws


async def read_supervisor(index: int, ws: ClientConnection, rec: Record) -> None:
    """Only note (version, time) per snapshot; the first copy of a version is kept to study later."""
    mine = rec.received[index]
    try:
        async for raw in ws:
            now = time.perf_counter()
            text = raw if isinstance(raw, str) else raw.decode()
            if text.startswith(SNAPSHOT_PREFIX):
                match = VERSION.search(text, 0, 64)
                version = int(match.group(1)) if match else -1
                mine.append((version, now))
                rec.snapshots.setdefault(version, text)
            elif '"type":"error"' in text[:30]:
                rec.errors.append(f"supervisor {index}: {text[:200]}")
    except ConnectionClosed as exc:
        rec.closes.append(f"supervisor {index}: closed {exc.rcvd.code if exc.rcvd else '?'}")


class Agent:
    def __init__(self, index: int, ws: ClientConnection, rec: Record, hold: float) -> None:
        self.index, self.ws, self.rec, self.hold = index, ws, rec, hold
        self.agent_id: int | None = None
        self.ready = asyncio.Event()
        self.timers: set[asyncio.Task[None]] = set()

    @classmethod
    async def open(cls, index: int, ws_base: str, cookie: str, rec: Record, hold: float) -> Agent:
        ws, agent_id = await open_desktop(ws_base, cookie, f"agent {index}")
        agent = cls(index, ws, rec, hold)
        agent.agent_id = agent_id
        return agent

    async def run(self) -> None:
        try:
            async for raw in self.ws:
                frame = json.loads(raw)
                kind = frame.get("type")
                if kind == "agent_presence" and frame.get("agent_id") == self.agent_id:
                    self.ready.set()
                elif kind == "offer":
                    iid = frame["interaction"]["id"]
                    self.rec.accepted[iid] = time.perf_counter()
                    await self.ws.send(json.dumps({"type": "accept", "interaction_id": iid}))
                elif kind == "interaction":
                    it = frame["interaction"]
                    if (
                        it["status"] == "active"
                        and it["agent_id"] == self.agent_id
                        and it["id"] not in self.rec.closed
                    ):
                        self.rec.closed[it["id"]] = math.inf  # scheduled
                        task = asyncio.create_task(self._close_later(it["id"]))
                        self.timers.add(task)
                        task.add_done_callback(self.timers.discard)
                elif kind == "error":
                    self.rec.errors.append(f"agent {self.index}: {frame.get('code')}: {frame.get('message')}")
        except ConnectionClosed as exc:
            self.rec.closes.append(f"agent {self.index}: closed {exc.rcvd.code if exc.rcvd else '?'}")

    async def _close_later(self, iid: int) -> None:
        await asyncio.sleep(self.hold)
        self.rec.closed[iid] = time.perf_counter()
        await self.ws.send(json.dumps({"type": "close", "interaction_id": iid, "disposition": "resolved"}))


async def visitor_opens_chat(ws_base: str, name: str, rec: Record) -> ClientConnection:
    ws = await connect(
        ws_base + "/channels/webchat/ws", max_size=2**22, open_timeout=60, ping_interval=20, ping_timeout=None
    )
    await ws.send(json.dumps({"type": "hello", "name": name}))
    welcome = json.loads(await asyncio.wait_for(ws.recv(), 60))
    if welcome.get("type") != "welcome":
        raise RuntimeError(f"{name}: expected welcome, got {welcome}")
    rec.created[name] = time.perf_counter()
    await ws.send(json.dumps({"type": "message", "client_id": "open", "body": "hello, I need help"}))
    return ws
