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
import signal
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from contextlib import suppress
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from twilio.request_validator import RequestValidator  # noqa: E402
from websockets.asyncio.client import connect  # noqa: E402

from repository import Database, upgrade  # noqa: E402
from repository.directory import create_agent, create_queue  # noqa: E402
from tests.live import ServerProcess, login  # noqa: E402
from tests.services import free_port  # noqa: E402

TOKEN = "bench-auth-token"
ACCOUNT = "AC" + "0" * 32
PASSWORD = "bench-pass-123"
ECHO_APP = textwrap.dedent(
    """
    import sys, uvicorn
    from starlette.applications import Starlette
    from starlette.routing import WebSocketRoute

    async def echo(ws):
        await ws.accept()
        try:
            while True:
                await ws.send_text(await ws.receive_text())
        except Exception:
            pass

    uvicorn.run(Starlette(routes=[WebSocketRoute("/ws", echo)]), host="127.0.0.1", port=int(sys.argv[1]),
                log_level="warning")
    """
)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))] * 1000


def line(name: str, values: list[float]) -> str:
    return (
        f"{name:<44} n={len(values):<4} p50={pct(values, 50):7.1f} ms  p99={pct(values, 99):7.1f} ms"
        f"  max={max(values) * 1000:7.1f} ms"
    )


async def echo_baseline(clients: int, rounds: int) -> list[float]:
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="cc-echo-") as tmp:
        script = Path(tmp) / "echo.py"
        script.write_text(ECHO_APP)
        proc = subprocess.Popen([sys.executable, str(script), str(port)], stderr=subprocess.DEVNULL)
        try:
            for _ in range(100):
                with suppress(OSError):
                    async with connect(f"ws://127.0.0.1:{port}/ws"):
                        break
                await asyncio.sleep(0.1)

            async def client() -> list[float]:
                out = []
                async with connect(f"ws://127.0.0.1:{port}/ws") as ws:
                    for _ in range(rounds):
                        started = time.perf_counter()
                        await ws.send(json.dumps({"type": "ping"}))
                        await ws.recv()
                        out.append(time.perf_counter() - started)
                return out

            results = await asyncio.gather(*(client() for _ in range(clients)))
        finally:
            proc.terminate()
            proc.wait(10)
    return [v for r in results for v in r]


def start_profiler(server: ServerProcess, path: str | None) -> subprocess.Popen[bytes] | None:
    """py-spy on the server, sampling only the thread that holds the GIL: where its one core goes."""
    if not path or server.proc is None:
        return None
    fmt = "flamegraph" if path.endswith(".svg") else "raw"
    command = ["py-spy", "record", "--pid", str(server.proc.pid), "--rate", "200", "--nonblocking", "--gil"]
    proc = subprocess.Popen(
        [*command, "--format", fmt, "--output", path], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    time.sleep(1.0)  # py-spy attaches before the burst
    return proc


def cpu_seconds(server: ServerProcess) -> float:
    """User + system CPU the server process has used so far (Linux /proc)."""
    assert server.proc is not None
    fields = Path(f"/proc/{server.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stop_profiler(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is not None:
        proc.send_signal(signal.SIGINT)
        with suppress(subprocess.TimeoutExpired):
            proc.wait(60)


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

    echo = await echo_baseline(n, args.echo_rounds)

    with tempfile.TemporaryDirectory(prefix="cc-screen-pop-") as tmp:
        server = ServerProcess(
            Path(tmp) / "data",
            TWILIO_ACCOUNT_SID=ACCOUNT,
            TWILIO_AUTH_TOKEN=TOKEN,
            RESERVATION_TIMEOUT_SECONDS="3600",
            LOG_LEVEL="WARNING",
        )
        server.env["PUBLIC_BASE_URL"] = server.base
        server.env["PYTHONPATH"] = str(ROOT)
        upgrade(server.database_url)
        db = Database(server.database_url)
        create_queue(db, "Phones", is_default=True)
        for i in range(n):
            create_agent(db, f"agent{i}", f"Agent {i}", PASSWORD, capacity={"voice": 1})
        db.dispose()
        server.start()
        try:
            # One at a time: 50 argon2 checks at once would only measure the password hash.
            cookies = [await login(server.base, f"agent{i}", PASSWORD) for i in range(n)]
            desks, readers, arrived = [], [], asyncio.Event()
            for cookie in cookies:
                ws = await connect(
                    server.ws_base + "/agent/ws", additional_headers={"Cookie": f"cc_session={cookie}"}
                )
                await ws.send(json.dumps({"type": "hello"}))
                await ws.recv()  # welcome
                await ws.send(json.dumps({"type": "presence", "state": "available"}))
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

            profiler = start_profiler(server, args.profile)
            cpu_before, burst_started = cpu_seconds(server), time.perf_counter()
            async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=n)) as client:
                await asyncio.gather(*(call(client, i) for i in range(n)))
            deadline = time.perf_counter() + 60
            while sum(len(d.offers) for d in desks) < n and time.perf_counter() < deadline:
                arrived.clear()
                with suppress(TimeoutError):
                    await asyncio.wait_for(arrived.wait(), 1)
            burst_wall, burst_cpu = time.perf_counter() - burst_started, cpu_seconds(server) - cpu_before
            stop_profiler(profiler)
            popped = {sid: at for d in desks for sid, at in d.offers.items()}
            latencies = [popped[sid] - sent[sid] for sid in sent if sid in popped]
            for task in readers:
                task.cancel()
        finally:
            server.stop()

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
