"""The simulated people of bench/chat_loop.py: agent desktops, visitors, and what they saw.

Every frame is timestamped on the bench's one clock (``time.perf_counter``), so
latency is measured without comparing two machines' clocks. A message body carries
its visitor and sequence number (``bench v<visitor> m<seq>``) so that each delivery
can be checked against the agent holding that conversation.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from bench.harness import open_desktop

BODY = re.compile(r"^bench v(\d+) m(\d+)$")


@dataclass
class Delivery:
    agent: int
    at: float
    path: str  # "offer" (in the offer's snapshot) or "live" (an ``event`` frame)
    event_id: int


@dataclass
class Stats:
    sent: dict[tuple[int, int], float] = field(default_factory=dict)
    acked: dict[tuple[int, int], tuple[float, int]] = field(default_factory=dict)
    ack_count: dict[tuple[int, int], int] = field(default_factory=dict)
    deliveries: dict[tuple[int, int], list[Delivery]] = field(default_factory=dict)
    conversation: dict[int, int] = field(default_factory=dict)  # visitor → interaction id
    offers: dict[int, list[tuple[int, float]]] = field(default_factory=dict)  # interaction → [(agent, t)]
    accepted: dict[int, float] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    closes: list[str] = field(default_factory=list)
    foreign: int = 0  # event frames about conversations the bench does not know
    echoed: set[int] = field(default_factory=set)  # event ids a visitor saw come back over the bus
    progress: asyncio.Event = field(default_factory=asyncio.Event)

    def deliver(self, key: tuple[int, int], delivery: Delivery) -> None:
        self.deliveries.setdefault(key, []).append(delivery)
        self.progress.set()


class AgentClient:
    def __init__(self, index: int, ws: ClientConnection, stats: Stats) -> None:
        self.index = index
        self.ws = ws
        self.stats = stats
        self.agent_id: int | None = None
        self.ready = asyncio.Event()

    @classmethod
    async def open(
        cls, index: int, base: str, cookie: str, stats: Stats, compression: str | None
    ) -> AgentClient:
        ws, agent_id = await open_desktop(base, cookie, f"agent {index}", compression=compression)
        client = cls(index, ws, stats)
        client.agent_id = agent_id
        return client

    async def run(self) -> None:
        try:
            async for raw in self.ws:
                frame = json.loads(raw)
                handler = getattr(self, "on_" + frame.get("type", ""), None)
                if handler is not None:
                    await handler(frame)
        except ConnectionClosed as exc:
            self.stats.closes.append(f"agent {self.index}: closed {exc.rcvd.code if exc.rcvd else '?'}")

    async def on_agent_presence(self, frame: dict[str, Any]) -> None:
        if frame["agent_id"] == self.agent_id and frame["presence"] == "available":
            self.ready.set()

    async def on_offer(self, frame: dict[str, Any]) -> None:
        now = time.perf_counter()
        iid = frame["interaction"]["id"]
        self.stats.offers.setdefault(iid, []).append((self.index, now))
        for event in frame.get("events", []):
            self._record(event, "offer", now)
        await self.ws.send(json.dumps({"type": "accept", "interaction_id": iid}))
        self.stats.progress.set()

    async def on_interaction(self, frame: dict[str, Any]) -> None:
        interaction = frame["interaction"]
        if interaction["status"] == "active" and interaction["agent_id"] == self.agent_id:
            self.stats.accepted.setdefault(interaction["id"], time.perf_counter())
            self.stats.progress.set()

    async def on_event(self, frame: dict[str, Any]) -> None:
        self._record(frame["event"], "live", time.perf_counter())

    async def on_error(self, frame: dict[str, Any]) -> None:
        self.stats.errors.append(f"agent {self.index}: {frame.get('code')}: {frame.get('message')}")

    def _record(self, event: dict[str, Any], path: str, now: float) -> None:
        if event.get("kind") != "message" or event.get("author_type") != "customer":
            return
        match = BODY.match(event.get("body", ""))
        if match is None:
            self.stats.foreign += 1
            return
        key = (int(match.group(1)), int(match.group(2)))
        self.stats.deliver(key, Delivery(self.index, now, path, int(event["id"])))


class VisitorClient:
    def __init__(self, index: int, ws: ClientConnection, stats: Stats, pipeline: int) -> None:
        self.index = index
        self.ws = ws
        self.stats = stats
        self.window = asyncio.Semaphore(pipeline)
        self.acked_all = asyncio.Event()
        self.pending: set[str] = set()

    @classmethod
    async def open(
        cls, index: int, base: str, stats: Stats, pipeline: int, compression: str | None
    ) -> VisitorClient:
        ws = await connect(
            base + "/channels/webchat/ws",
            compression=compression,
            max_size=2**22,
            open_timeout=60,
            ping_interval=20,
            ping_timeout=None,
        )
        await ws.send(json.dumps({"type": "hello", "name": f"Bench Visitor {index}"}))
        welcome = json.loads(await asyncio.wait_for(ws.recv(), 60))
        if welcome.get("type") != "welcome":
            raise RuntimeError(f"visitor {index}: expected welcome, got {welcome}")
        return cls(index, ws, stats, pipeline)

    async def send(self, seq: int) -> None:
        await self.window.acquire()
        client_id = f"m{seq}"
        self.pending.add(client_id)
        self.acked_all.clear()
        self.stats.sent[(self.index, seq)] = time.perf_counter()
        await self.ws.send(
            json.dumps({"type": "message", "client_id": client_id, "body": f"bench v{self.index} m{seq}"})
        )

    async def send_all(self, seqs: range) -> None:
        for seq in seqs:
            await self.send(seq)
        if self.pending:
            await self.acked_all.wait()

    async def run(self) -> None:
        try:
            async for raw in self.ws:
                frame = json.loads(raw)
                kind = frame.get("type")
                if kind == "ack":
                    self._on_ack(frame)
                elif kind == "message" and frame["event"].get("author_type") == "customer":
                    # The visitor's own message, back from the bus: proof it was published.
                    self.stats.echoed.add(int(frame["event"]["id"]))
                    self.stats.progress.set()
                elif kind == "status" and frame.get("conversation"):
                    self.stats.conversation.setdefault(self.index, frame["conversation"]["id"])
                elif kind == "error":
                    self.stats.errors.append(
                        f"visitor {self.index}: {frame.get('code')}: {frame.get('message')}"
                    )
                    if frame.get("ref") in self.pending:
                        self._release(frame["ref"])
        except ConnectionClosed as exc:
            self.stats.closes.append(f"visitor {self.index}: closed {exc.rcvd.code if exc.rcvd else '?'}")

    def _on_ack(self, frame: dict[str, Any]) -> None:
        client_id = frame["client_id"]
        key = (self.index, int(client_id[1:]))
        self.stats.ack_count[key] = self.stats.ack_count.get(key, 0) + 1
        self.stats.acked.setdefault(key, (time.perf_counter(), int(frame["event"]["id"])))
        self._release(client_id)

    def _release(self, client_id: str) -> None:
        if client_id in self.pending:
            self.pending.discard(client_id)
            self.window.release()
        if not self.pending:
            self.acked_all.set()
