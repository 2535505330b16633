"""Raw baseline for server push: a bare Starlette app broadcasting one payload to N sockets.

The app encodes the payload once per broadcast (as the product encodes a snapshot
once per version) and sends it to every connected client. Two phases: flat out
(lock-step: the next broadcast when every client has the last one) and paced at a
given rate, so the product's push can be read against both.
"""

from __future__ import annotations

import asyncio
import re
import textwrap
import time
from contextlib import suppress
from dataclasses import dataclass, field

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from bench.harness.baselines import app_process
from bench.harness.process import proc_cpu_seconds

# Where a pushed frame says which version it carries (within its first 64 characters).
VERSION = re.compile(r'"version":(\d+)')

BROADCAST_APP = textwrap.dedent(
    """
    import asyncio
    import json
    import sys
    import uvicorn
    from starlette.applications import Starlette
    from starlette.routing import WebSocketRoute

    payload = json.loads(open(sys.argv[2]).read())
    clients = set()

    async def listen(ws):
        await ws.accept()
        clients.add(ws)
        try:
            while True:
                await ws.receive_text()
        except Exception:
            pass
        finally:
            clients.discard(ws)

    async def drive(ws):
        # Each text frame received is a version number: encode once, send to every client.
        await ws.accept()
        try:
            while True:
                payload["version"] = int(await ws.receive_text())
                text = json.dumps(payload, separators=(",", ":"))
                await asyncio.gather(*(c.send_text(text) for c in list(clients)), return_exceptions=True)
        except Exception:
            pass

    app = Starlette(routes=[WebSocketRoute("/ws", listen), WebSocketRoute("/drive", drive)])
    # The same uvicorn settings as `contact-center serve`.
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", ws_max_size=1024 * 1024)
    """
)


@dataclass
class Baseline:
    label: str
    messages: int = 0
    seconds: float = 0.0
    latency: list[float] = field(default_factory=list)
    cpu: float = 0.0


async def broadcast_baseline(
    payload: str, clients: int, seconds: float, paced_rate: float
) -> tuple[Baseline, Baseline]:
    """``payload`` (JSON) to ``clients`` sockets: (flat out, paced at ``paced_rate``/s)."""
    async with app_process(BROADCAST_APP, ("payload.json", payload)) as (port, pid):
        url = f"ws://127.0.0.1:{port}"
        sockets = [await connect(url + "/ws", max_size=2**24, ping_interval=None) for _ in range(clients)]
        driver = await connect(url + "/drive", ping_interval=None)
        await asyncio.sleep(0.5)
        flat = await _broadcast_phase("flat out", sockets, driver, seconds, None, pid)
        paced = await _broadcast_phase(
            f"paced at {paced_rate:.1f}/s", sockets, driver, seconds, paced_rate, pid
        )
        for ws in [*sockets, driver]:
            await ws.close()
    return flat, paced


async def _broadcast_phase(
    label: str,
    sockets: list[ClientConnection],
    driver: ClientConnection,
    seconds: float,
    rate: float | None,
    pid: int,
) -> Baseline:
    result = Baseline(label)
    sent: dict[int, float] = {}
    remaining: dict[int, int] = {}
    round_done: dict[int, asyncio.Event] = {}

    async def receive(ws: ClientConnection) -> None:
        with suppress(ConnectionClosed):
            async for raw in ws:
                now = time.perf_counter()
                match = VERSION.search(raw if isinstance(raw, str) else raw.decode(), 0, 64)
                if match is None:
                    continue
                version = int(match.group(1))
                result.latency.append(now - sent[version])
                result.messages += 1
                remaining[version] -= 1
                if remaining[version] == 0:
                    round_done[version].set()

    readers = [asyncio.create_task(receive(ws)) for ws in sockets]
    cpu0 = proc_cpu_seconds(pid)
    started = time.perf_counter()
    version = int(started * 1000)  # distinct from the other phase's versions
    while time.perf_counter() - started < seconds:
        version += 1
        remaining[version] = len(sockets)
        round_done[version] = asyncio.Event()
        sent[version] = time.perf_counter()
        await driver.send(str(version))
        if rate is None:
            await asyncio.wait_for(round_done[version].wait(), 30)
        else:
            await asyncio.sleep(max(0.0, started + (len(sent)) / rate - time.perf_counter()))
    await asyncio.wait_for(asyncio.gather(*(e.wait() for e in round_done.values())), 30)
    result.seconds = time.perf_counter() - started
    result.cpu = proc_cpu_seconds(pid) - cpu0
    for task in readers:
        task.cancel()
    await asyncio.gather(*readers, return_exceptions=True)
    return result
