"""Screen-pop latency: a signed Twilio voice webhook in → the offer frame on an agent's websocket.

It starts a real server process (``contact-center serve``) with SQLite and memory://,
seeds one queue and N agents (voice capacity 1), signs them in like a browser, opens N
agent websockets set to available, then fires N incoming-call webhooks at once, each
signed with twilio's RequestValidator exactly as Twilio signs. For every call it
measures from just before the webhook is sent to the moment the agent's websocket
delivers the offer (the screen-pop) for that call, and prints p50/p99/max.

Beside it, measured in the same run on the same machine:

* raw websocket echo: a bare Starlette echo websocket under uvicorn, N clients doing
  round trips at once (what one websocket hop costs here);
* the product's own websocket round trip: ``ping`` → ``pong`` on the N agent desktops.

    python bench/screen_pop.py --calls 50

Not part of the test run. Figures: bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from contextlib import suppress
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from twilio.request_validator import RequestValidator  # noqa: E402

from bench.harness import (  # noqa: E402
    echo_round_trips,
    login,
    open_desktop,
    pct,
    proc_cpu_seconds,
    seed,
    start_profiler,
    start_server,
    stop_profiler,
    stop_server,
    wait_http,
)
from tests.services import free_port  # noqa: E402

TOKEN = "bench-auth-token"
ACCOUNT = "AC" + "0" * 32


def line(name: str, values: list[float]) -> str:
    return (
        f"{name:<44} n={len(values):<4} p50={pct(values, 50) * 1000:7.1f} ms  p99={pct(values, 99) * 1000:7.1f} ms"
        f"  max={max(values) * 1000:7.1f} ms"
    )


class Desk:
    """One agent's websocket, recording when each offer arrived."""

    def __init__(self, ws: object) -> None:
        self.ws = ws
        self.offers: dict[str, float] = {}
        self.pongs: asyncio.Queue[float] = asyncio.Queue()

    async def read(self, arrived: asyncio.Event) -> None:
        async for raw in self.ws:  # type: ignore[attr-defined]
            now = time.perf_counter()
            frame = json.loads(raw)
            if frame.get("type") == "offer":
                for event in frame.get("events", []):
                    call = (event.get("payload") or {}).get("call")
                    if call:
                        self.offers[call["call_id"]] = now
                        arrived.set()
            elif frame.get("type") == "pong":
                self.pongs.put_nowait(now)


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=50, help="concurrent calls and agents (default 50)")
    parser.add_argument("--echo-rounds", type=int, default=20)
    parser.add_argument(
        "--profile",
        metavar="FILE",
        help="sample the server with py-spy during the call burst: FILE.svg flame graph, else collapsed stacks",
    )
    args = parser.parse_args()
    n = args.calls

    # Deflate, as the desktop's browser negotiates it.
    echo = await echo_round_trips(n, args.echo_rounds, "deflate")

    with tempfile.TemporaryDirectory(prefix="cc-screen-pop-") as tmp:
        port = free_port()
        database_url = f"sqlite:///{Path(tmp) / 'data' / 'contact_center.db'}"
        seed(
            database_url, queue="Phones", description="screen_pop benchmark", agents=n, capacity={"voice": 1}
        )
        server = start_server(
            Path(tmp),
            database_url,
            "memory://",
            "WARNING",
            port=port,
            TWILIO_ACCOUNT_SID=ACCOUNT,
            TWILIO_AUTH_TOKEN=TOKEN,
            PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",
        )
        try:
            await wait_http(server.base + "/healthz", 60, server.proc)
            # One at a time: 50 argon2 checks at once would only measure the password hash.
            cookies = [await login(server.base, f"bench{i}") for i in range(n)]
            desks, readers, arrived = [], [], asyncio.Event()
            for i, cookie in enumerate(cookies):
                ws, _agent_id = await open_desktop(
                    server.ws_base, cookie, f"agent {i}", compression="deflate"
                )
                desk = Desk(ws)
                desks.append(desk)
                readers.append(asyncio.create_task(desk.read(arrived)))
            await asyncio.sleep(1.0)

            # The product's own websocket round trip, all desktops at once.
            async def ping(desk: Desk) -> float:
                started = time.perf_counter()
                await desk.ws.send(json.dumps({"type": "ping"}))  # type: ignore[attr-defined]
                return await desk.pongs.get() - started

            app_ws = [v for _ in range(5) for v in await asyncio.gather(*(ping(d) for d in desks))]

            validator = RequestValidator(TOKEN)
            url = server.base + "/channels/twilio/voice"
            sent: dict[str, float] = {}
            answered: list[float] = []

            async def call(client: httpx.AsyncClient, i: int) -> None:
                sid = "CA" + f"{i + 1:032x}"
                params = {
                    "CallSid": sid,
                    "AccountSid": ACCOUNT,
                    "From": f"+1415555{i:04d}",
                    "To": "+14155550100",
                    "CallStatus": "ringing",
                    "Direction": "inbound",
                    "ApiVersion": "2010-04-01",
                }
                headers = {"X-Twilio-Signature": validator.compute_signature(url, params)}
                sent[sid] = time.perf_counter()
                response = await client.post(url, data=params, headers=headers)
                answered.append(time.perf_counter() - sent[sid])
                assert response.status_code == 200, response.text

            profiler = start_profiler(server.proc.pid, args.profile, rate=200, settle=1.0)
            cpu_before, burst_started = proc_cpu_seconds(server.proc.pid), time.perf_counter()
            async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=n)) as client:
                await asyncio.gather(*(call(client, i) for i in range(n)))
            deadline = time.perf_counter() + 60
            while sum(len(d.offers) for d in desks) < n and time.perf_counter() < deadline:
                arrived.clear()
                with suppress(TimeoutError):
                    await asyncio.wait_for(arrived.wait(), 1)
            burst_wall, burst_cpu = (
                time.perf_counter() - burst_started,
                proc_cpu_seconds(server.proc.pid) - cpu_before,
            )
            stop_profiler(profiler)
            popped = {sid: at for d in desks for sid, at in d.offers.items()}
            latencies = [popped[sid] - sent[sid] for sid in sent if sid in popped]
            for task in readers:
                task.cancel()
        finally:
            stop_server(server)

    print(
        f"screen-pop benchmark: {n} concurrent calls, {n} agents, SQLite + memory://, {os.cpu_count()} CPUs"
    )
    print(line("raw websocket echo (bare Starlette, same run)", echo))
    print(line("product websocket ping→pong (agent desktops)", app_ws))
    print(line("webhook answered (TwiML after commit)", answered))
    print(line("screen-pop: webhook sent → offer frame", latencies))
    if len(latencies) < n:
        print(f"MISSING: {n - len(latencies)} calls never popped")
        raise SystemExit(1)
    print(
        f"server CPU during the burst: {burst_cpu:.2f} s over {burst_wall:.2f} s wall (1-min load {os.getloadavg()[0]:.1f})"
    )
    print(f"median screen-pop / median echo: {statistics.median(latencies) / statistics.median(echo):.0f}x")


if __name__ == "__main__":
    asyncio.run(main())
