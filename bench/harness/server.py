"""The product under test: a real ``contact-center serve`` process on a free loopback port.

Every bench drives the same server a user runs (its own process, uvicorn, the real
database file or a scratch PostgreSQL database), so the figures include every layer.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.services import free_port

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    base: str
    tmp: Path
    log_path: Path

    @property
    def ws_base(self) -> str:
        return self.base.replace("http://", "ws://")


async def wait_http(url: str, timeout: float, proc: subprocess.Popen[bytes] | None = None) -> None:
    """Until ``url`` answers below 500; fails early if ``proc`` (the server) has exited."""
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            if proc is not None and proc.poll() is not None:
                raise RuntimeError(f"server exited with status {proc.returncode} while starting")
            with suppress(httpx.HTTPError):
                if (await client.get(url, timeout=1.0)).status_code < 500:
                    return
            await asyncio.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


def start_server(
    tmp: Path, database_url: str, bus_url: str, log_level: str, *, port: int | None = None, **env: str
) -> Server:
    """Start the server in ``tmp`` (its data dir and log); ``env`` adds or overrides settings."""
    port = port or free_port()
    environ = {
        **os.environ,
        "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
        "DATA_DIR": str(tmp / "data"),
        "DATABASE_URL": database_url,
        "BUS_URL": bus_url,
        "SECRET_KEY": "bench-" + uuid.uuid4().hex,
        "ROUTER_TICK_SECONDS": "0.2",
        # Nobody should lose an offer to a timeout while the box is saturated.
        "RESERVATION_TIMEOUT_SECONDS": "3600",
        # Every simulated visitor comes from 127.0.0.1: the anonymous web chat limits
        # (docs/operations.md#web-chat-limits) would measure the limiter, not the hub.
        "WIDGET_MESSAGES_PER_SOCKET": "0",
        "WIDGET_SOCKETS_PER_ADDRESS": "0",
        "WIDGET_CONVERSATIONS_PER_ADDRESS": "0",
        "WIDGET_CONVERSATIONS_OVERALL": "0",
        "LOG_LEVEL": log_level,
        **env,
    }
    log_path = tmp / "server.log"
    command = [
        sys.executable,
        "-m",
        "contact_center.cli",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [*command, "--no-demo"], cwd=tmp, env=environ, stdout=log, stderr=subprocess.STDOUT
        )
    return Server(proc, f"http://127.0.0.1:{port}", tmp, log_path)


def stop_server(server: Server) -> None:
    if server.proc.poll() is None:
        server.proc.send_signal(signal.SIGINT)
        try:
            server.proc.wait(15)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait(5)


def scratch_postgres(server_url: str) -> tuple[str, str]:
    """A fresh database on the PostgreSQL server at ``server_url``: (url, name)."""
    import psycopg

    name = "cc_bench_" + uuid.uuid4().hex[:10]
    dsn = server_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{dsn.rsplit('/', 1)[0]}/{name}", name


def drop_postgres(server_url: str, name: str) -> None:
    import psycopg

    dsn = server_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
