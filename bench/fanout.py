"""Fan-out cost: does one chat message cost more when thousands of idle widgets are open?

Issue 12: every bus event used to wake every socket of the node, so a message's cost
grew with the number of connected widgets. Now each node's one reader hands an event
only to the sockets of its topics. This bench measures, at the same **open-loop**
message rate (messages are sent on a fixed schedule, not when the last one was
answered), the visitor→agent latency (send of the visitor's message → the agent's
``event`` frame) and the server's CPU per message, with 0, 1,000, 5,000 and 10,000
idle widget sockets connected, plus the server's memory per idle widget socket. The idle
sockets behave like the shipped widget (``bench/harness/idle_widgets.py``): ``hello``
with a language, then a ``ping`` every 25 s, each answered by a ``pong``; each level is
measured after a full heartbeat period, so every idle socket is pinging meanwhile.

Beside it, in the same run and with the same idle sockets: a bare Starlette app under
uvicorn that relays each message from one socket to another (the raw floor for "a
message goes in one websocket and out of another while N others sit idle"); its idle
sockets send the same heartbeat and get a ``pong``, and it compresses websockets exactly
when the product does (``SERVE_WS_COMPRESSION``).

    python bench/fanout.py --visitors 100 --agents 20 --rate 50 --seconds 20 --idle 0,1000,5000,10000

10,000 sockets need ``ulimit -n`` above 10,100 for this process and the server: the bench
raises its soft limit to the hard one (the server inherits it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import shutil
import sys
import tempfile
import time
from contextlib import suppress
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from websockets.asyncio.client import ClientConnection, connect  # noqa: E402
from websockets.exceptions import ConnectionClosed  # noqa: E402

from bench.harness import (  # noqa: E402
    login,
    open_desktop,
    pct,
    print_header,
    proc_cpu_seconds,
    run_main,
    seed,
    start_server,
    stop_server,
    wait_http,
)
from bench.harness.baselines import app_process  # noqa: E402
from bench.harness.idle_widgets import PING_SECONDS, IdleWidgets  # noqa: E402
from bench.harness.load import drain, open_loop  # noqa: E402
from bench.harness.process import raise_open_files_limit, rss_kib  # noqa: E402
from bench.harness.relay_baseline import RELAY_APP  # noqa: E402
from bench.harness.report import gc_pauses, load_average  # noqa: E402
from config import load_settings  # noqa: E402


class Product:
    def __init__(self, base: str, pid: int) -> None:
        self.base, self.pid = base, pid
        self.ws_base = base.replace("http://", "ws://")
        self.sent: dict[str, float] = {}
        self.latency: dict[str, float] = {}
        self.visitors: list[ClientConnection] = []
        self.counter = 0

    async def desk(self, cookie: str) -> None:
        ws, _agent_id = await open_desktop(self.ws_base, cookie, "agent")
        with suppress(ConnectionClosed):  # the server stops at the end of its part
            async for raw in ws:
                frame = json.loads(raw)
                if frame["type"] == "offer":
                    await ws.send(
                        json.dumps({"type": "accept", "interaction_id": frame["interaction"]["id"]})
                    )
                elif frame["type"] == "event":
                    body = frame["event"].get("body", "")
                    if body in self.sent and body not in self.latency:
                        self.latency[body] = time.perf_counter() - self.sent[body]

    async def visitor(self, index: int) -> None:
        ws = await connect(
            self.ws_base + "/channels/webchat/ws", open_timeout=120, ping_interval=20, ping_timeout=None
        )
        await ws.send(json.dumps({"type": "hello", "name": f"fan {index}"}))
        await asyncio.wait_for(ws.recv(), 60)
        self.visitors.append(ws)
        asyncio.ensure_future(drain(ws))

    async def send(self, n: int) -> None:
        self.counter += 1  # unique across levels: a reused client_id is a retry, stored once
        ws = self.visitors[n % len(self.visitors)]
        body = f"fan {self.counter}"
        self.sent[body] = time.perf_counter()
        await ws.send(json.dumps({"type": "message", "client_id": f"c{self.counter}", "body": body}))


async def measure(
    label: str,
    idle: int,
    rate: float,
    seconds: float,
    pid: int,
    sent: dict[str, float],
    latency: dict[str, float],
    send: Any,
) -> dict[str, Any]:
    sent.clear()
    latency.clear()
    await asyncio.sleep(2)
    cpu0 = proc_cpu_seconds(pid)
    count = await open_loop(rate, seconds, send)
    await asyncio.sleep(3)  # the last ones arrive
    cpu = proc_cpu_seconds(pid) - cpu0
    values = sorted(latency.values())
    return {
        "label": label,
        "idle": idle,
        "sent": count,
        "delivered": len(values),
        "p50": pct(values, 50) * 1000 if values else math.nan,
        "p99": pct(values, 99) * 1000 if values else math.nan,
        "cpu_ms": cpu / max(1, count) * 1000,
    }


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--visitors", type=int, default=100)
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--idle", default="0,1000,5000,10000")
    args = parser.parse_args()
    levels = [int(x) for x in args.idle.split(",")]
    raise_open_files_limit(max(levels) + args.visitors + args.agents + 200)
    settings = load_settings()
    compression = settings.serve_ws_compression
    load_before = load_average()
    print_header(
        "Fan-out: one message's cost with idle widget sockets open",
        f"SQLite, memory://, websocket compression {'on' if compression else 'off'}, "
        f"protocol pings {f'every {settings.serve_ws_ping_seconds:g} s' if settings.serve_ws_ping_seconds else 'off'}",
        load_before,
    )
    tmp = Path(tempfile.mkdtemp(prefix="cc-bench-fanout-"))
    rows: list[dict[str, Any]] = []
    memory: list[str] = []
    heartbeats: list[str] = []
    try:
        url = f"sqlite:///{tmp / 'data' / 'cc.db'}"
        seed(
            url,
            queue="General",
            description="fan-out",
            agents=args.agents,
            capacity={"chat": math.ceil(args.visitors / args.agents) + 1},
        )
        server = start_server(tmp, url, "memory://", "WARNING")
        await wait_http(server.base + "/healthz", 60, server.proc)
        product = Product(server.base, server.proc.pid)
        for i in range(args.agents):
            asyncio.ensure_future(product.desk(await login(server.base, f"bench{i}")))
        await asyncio.sleep(1)
        for i in range(args.visitors):
            await product.visitor(i)
        for i, ws in enumerate(product.visitors):  # open every conversation; agents accept
            await ws.send(json.dumps({"type": "message", "client_id": f"open{i}", "body": f"open {i}"}))
        await asyncio.sleep(5)
        widgets = IdleWidgets(product.ws_base + "/channels/webchat/ws")
        rss0 = rss_kib(server.proc.pid)
        for level in levels:
            await widgets.open(level - len(widgets.sockets))
            if level:  # after one heartbeat period every idle socket is pinging
                await asyncio.sleep(PING_SECONDS)
                grown = rss_kib(server.proc.pid) - rss0
                memory.append(
                    f"{level:,} idle widgets: server RSS +{grown / 1024:.1f} MiB, {grown / level:.1f} KiB per socket"
                )
            before = gc_pauses(server.base)
            rows.append(
                await measure(
                    "product",
                    level,
                    args.rate,
                    args.seconds,
                    server.proc.pid,
                    product.sent,
                    product.latency,
                    product.send,
                )
            )
            print(rows[-1], flush=True)
            # A full collection in the window shows as a p99 outlier; say whether one did.
            print(f"  before the window: {before}\n  after it:          {gc_pauses(server.base)}", flush=True)
        heartbeats.append(f"product: {widgets.pings:,} idle pings, {widgets.late} answered after 10 s")
        await widgets.close()
        stop_server(server)

        prefix = f"COMPRESSION = {compression}\nPROTOCOL_PING = {settings.serve_ws_ping_seconds}\n"
        async with app_process(prefix + RELAY_APP) as (port, pid):
            raw = f"ws://127.0.0.1:{port}"
            sent: dict[str, float] = {}
            latency: dict[str, float] = {}
            receiver = await connect(raw + "/recv", ping_interval=None)
            sender = await connect(raw + "/send", ping_interval=None)

            async def collect() -> None:
                async for text in receiver:
                    latency[str(text)] = time.perf_counter() - sent[str(text)]

            asyncio.ensure_future(collect())

            async def send(n: int) -> None:
                sent[f"m{n}"] = time.perf_counter()
                await sender.send(f"m{n}")

            raw_idle = IdleWidgets(raw + "/idle", hello=False)
            rss0 = rss_kib(pid)
            for level in levels:
                await raw_idle.open(level - len(raw_idle.sockets))
                if level:
                    await asyncio.sleep(PING_SECONDS)
                    grown = rss_kib(pid) - rss0
                    memory.append(
                        f"raw Starlette, {level:,} idle sockets: RSS +{grown / 1024:.1f} MiB, "
                        f"{grown / level:.1f} KiB per socket"
                    )
                rows.append(
                    await measure(
                        "raw Starlette relay", level, args.rate, args.seconds, pid, sent, latency, send
                    )
                )
                print(rows[-1], flush=True)
            heartbeats.append(f"raw: {raw_idle.pings:,} idle pings, {raw_idle.late} answered after 10 s")
            await raw_idle.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print()
    print(
        f"open loop at {args.rate:g} msg/s for {args.seconds:g} s per level; {args.visitors} visitors "
        f"in conversation with {args.agents} agents; load average before {load_before}, after {load_average()}"
    )
    print("| what | idle widgets | sent | delivered | p50 ms | p99 ms | server CPU ms / message |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['label']} | {r['idle']:,} | {r['sent']} | {r['delivered']} | {r['p50']:.1f} | "
            f"{r['p99']:.1f} | {r['cpu_ms']:.2f} |"
        )
    for line in memory + heartbeats:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main()))
