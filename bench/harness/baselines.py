"""Raw baselines measured in the same run: what SQLite and a bare Starlette websocket can do.

A figure is only useful next to what the parts underneath manage on the same machine
at the same moment: single-row SQLite commits (as the product configures SQLite) and
a Starlette echo websocket under uvicorn (as ``contact-center serve`` runs it).
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path

from websockets.asyncio.client import connect

from bench.harness.server import wait_http
from tests.services import free_port


def sqlite_commit_rate(seconds: float) -> float:
    """Single-row INSERT + COMMIT per iteration, WAL + synchronous=NORMAL: commits/s."""
    with tempfile.TemporaryDirectory(prefix="cc-bench-sqlite-") as tmp:
        conn = sqlite3.connect(str(Path(tmp) / "raw.db"), isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, body TEXT NOT NULL, created_at TEXT)")
        count = 0
        started = time.perf_counter()
        deadline = started + seconds
        while time.perf_counter() < deadline:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(
                "INSERT INTO events (body, created_at) VALUES (?, ?)",
                (f"bench v1 m{count}", datetime.now(UTC).isoformat()),
            )
            conn.execute("COMMIT")
            count += 1
        elapsed = time.perf_counter() - started
        conn.close()
    return count / elapsed


ECHO_APP = textwrap.dedent(
    """
    import sys
    import uvicorn
    from starlette.applications import Starlette
    from starlette.routing import WebSocketRoute

    async def echo(ws):
        await ws.accept()
        try:
            while True:
                await ws.send_text(await ws.receive_text())
        except Exception:
            pass

    app = Starlette(routes=[WebSocketRoute("/ws", echo)])
    # The same uvicorn settings as `contact-center serve`.
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", ws_max_size=1024 * 1024)
    """
)


@asynccontextmanager
async def app_process(source: str, *files: tuple[str, str]) -> AsyncIterator[tuple[int, int]]:
    """Run a one-file uvicorn app (``source``) in a subprocess: yields (port, pid).

    ``files`` are (name, text) written beside it and passed as further arguments.
    """
    with tempfile.TemporaryDirectory(prefix="cc-bench-app-") as tmp:
        script = Path(tmp) / "app.py"
        script.write_text(source)
        paths = []
        for name, text in files:
            (Path(tmp) / name).write_text(text)
            paths.append(str(Path(tmp) / name))
        port = free_port()
        proc = subprocess.Popen(
            [sys.executable, str(script), str(port), *paths],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            await wait_http(f"http://127.0.0.1:{port}/", 20, proc)
            yield port, proc.pid
        finally:
            proc.terminate()
            with suppress(subprocess.TimeoutExpired):
                proc.wait(10)
            if proc.poll() is None:
                proc.kill()


async def _echo_client(url: str, seconds: float, compression: str | None) -> int:
    payload = json.dumps({"type": "message", "client_id": "x" * 12, "body": "bench v1 m1"})
    count = 0
    async with connect(url, compression=compression, max_size=2**20) as ws:
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            await ws.send(payload)
            await ws.recv()
            count += 1
    return count


async def echo_throughput(seconds: float, parallel: int, compression: str | None) -> tuple[float, float]:
    """A bare Starlette echo websocket under uvicorn: (1 client msg/s, ``parallel`` clients msg/s)."""
    async with app_process(ECHO_APP) as (port, _pid):
        url = f"ws://127.0.0.1:{port}/ws"
        started = time.perf_counter()
        single = await _echo_client(url, seconds, compression) / (time.perf_counter() - started)
        started = time.perf_counter()
        counts = await asyncio.gather(*(_echo_client(url, seconds, compression) for _ in range(parallel)))
        many = sum(counts) / (time.perf_counter() - started)
    return single, many


async def echo_round_trips(clients: int, rounds: int, compression: str | None) -> list[float]:
    """Seconds per round trip: ``clients`` at once, each doing ``rounds`` send → receive."""
    async with app_process(ECHO_APP) as (port, _pid):
        url = f"ws://127.0.0.1:{port}/ws"

        async def client() -> list[float]:
            out = []
            async with connect(url, compression=compression) as ws:
                for _ in range(rounds):
                    started = time.perf_counter()
                    await ws.send(json.dumps({"type": "ping"}))
                    await ws.recv()
                    out.append(time.perf_counter() - started)
            return out

        results = await asyncio.gather(*(client() for _ in range(clients)))
    return [v for r in results for v in r]
