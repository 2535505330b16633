"""tier_c.py's clients: agents' desks, visitors in conversation, and what each received.

Every message body is unique ("v…" visitor → agent, "a…" agent → visitor, "p…" a new
visitor's opener), so a delivery is matched to its send by body, and a body seen twice
is a duplicate.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

LIMIT_MS = 250.0  # issue 13: delivery and screen-pop p99 at 300 msg/s


@dataclass
class Record:
    sent: dict[str, float] = field(default_factory=dict)
    got: dict[str, float] = field(default_factory=dict)
    duplicates: int = 0

    def receive(self, body: str, now: float) -> None:
        if body not in self.sent:
            return
        if body in self.got:
            self.duplicates += 1
        else:
            self.got[body] = now


@dataclass
class Load:
    to_agent: Record = field(default_factory=Record)  # visitor → agent ("v…")
    to_visitor: Record = field(default_factory=Record)  # agent → visitor ("a…")
    pops: Record = field(default_factory=Record)  # new visitor's opener → offer ("p…")
    holder: dict[int, ClientConnection] = field(default_factory=dict)  # interaction → its desk
    accepted: set[int] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)
    counter: itertools.count[int] = field(default_factory=itertools.count)


async def desk(ws: ClientConnection, load: Load) -> None:
    # The server closes every socket with 1012 when the bench stops it: not an error.
    with suppress(ConnectionClosed):
        await _desk(ws, load)


async def _desk(ws: ClientConnection, load: Load) -> None:
    async for raw in ws:
        now = time.perf_counter()
        frame = json.loads(raw)
        kind = frame.get("type")
        if kind == "event":
            body = str(frame["event"].get("body", ""))
            if body.startswith("v"):
                load.to_agent.receive(body, now)
        elif kind == "offer":
            iid = frame["interaction"]["id"]
            for event in frame.get("events", []):
                load.pops.receive(str(event.get("body", "")), now)
            load.holder[iid] = ws
            await ws.send(json.dumps({"type": "accept", "interaction_id": iid}))
        elif kind == "interaction.updated" or kind == "interaction":
            interaction = frame.get("interaction") or {}
            if interaction.get("status") == "active":
                load.accepted.add(interaction["id"])
        elif kind == "error":
            load.errors.append(str(frame)[:200])


class Visitor:
    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.iid: int | None = None

    async def read(self, load: Load) -> None:
        with suppress(ConnectionClosed):
            await self._read(load)

    async def _read(self, load: Load) -> None:
        async for raw in self.ws:
            now = time.perf_counter()
            frame = json.loads(raw)
            kind = frame.get("type")
            if kind == "message":
                body = str(frame["event"].get("body", ""))
                if body.startswith("a"):
                    load.to_visitor.receive(body, now)
            elif kind == "status" and frame.get("conversation"):
                self.iid = frame["conversation"]["id"]
            elif kind == "error":
                load.errors.append(str(frame)[:200])


async def new_visitor(ws_base: str, name: str, load: Load) -> Visitor:
    ws = await connect(
        ws_base + "/channels/webchat/ws", open_timeout=120, ping_interval=20, ping_timeout=None
    )
    await ws.send(json.dumps({"type": "hello", "name": name}))
    await asyncio.wait_for(ws.recv(), 120)
    visitor = Visitor(ws)
    asyncio.ensure_future(visitor.read(load))
    return visitor


def print_table(rows: list[dict[str, Any]]) -> None:
    """One line per offered rate, then the knee (the highest rate holding every p99 < LIMIT_MS)."""
    print(
        "| offered msg/s | achieved | visitor→agent p50 / p99 / max ms | agent→visitor p50 / p99 / max ms "
        "| screen-pop p50 / p99 ms | not delivered 5 s after the step | dup | server CPU ms/msg | server core share |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    knee = None
    for r in rows:
        v, a, p = r["v2a"], r["a2v"], r["pop"]
        print(
            f"| {r['rate']:g} | {r['achieved']:.0f} | {v['p50']:.1f} / {v['p99']:.1f} / {v['max']:.0f} | "
            f"{a['p50']:.1f} / {a['p99']:.1f} / {a['max']:.0f} | {p['p50']:.1f} / {p['p99']:.1f} | "
            f"{r['lost']} | {r['dups']} | {r['cpu_ms']:.2f} | {r['cpu_share'] * 100:.0f}% |"
        )
        if (
            max(v["p99"], a["p99"], p["p99"]) < LIMIT_MS
            and r["lost"] == 0
            and p["got"] == p["sent"]
            and (knee is None or r["rate"] > knee)
        ):
            knee = r["rate"]
    print(f"knee (highest rate with every p99 < {LIMIT_MS:.0f} ms, nothing lost): {knee if knee else 'none'}")
