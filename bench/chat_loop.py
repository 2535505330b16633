"""End-to-end chat benchmark: visitors → webchat websocket → CCR → bus → router → agent desktops.

It starts a real server process (``contact-center serve``) on a free loopback port,
seeds one queue and M agents straight into the store, signs the agents in over HTTP
(CSRF token, ``cc_session`` cookie), opens M agent websockets and N visitor
websockets, and measures:

* routing: how long it takes until every one of the N new contacts has been
  offered to (and accepted by) an agent;
* chat: K follow-up messages per visitor, end to end from the visitor's send to the
  agent's ``event`` frame: messages/s and latency p50/p99/max;
* exactly-once: every message must reach the agent holding the conversation once.
  Loss, duplicates, deliveries to the wrong agent and rows missing from the CCR are
  counted and printed; any of them makes the exit status non-zero.

Beside the figures it prints two raw baselines measured in the same run on the same
machine: SQLite single-row commits (WAL, synchronous=NORMAL, as the product sets it)
and a bare Starlette websocket echo served by uvicorn.

    python bench/chat_loop.py --visitors 200 --agents 50 --messages 5

Not part of the test run. See bench/README.md for figures and how to read them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import re
import resource
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from contextlib import closing, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from websockets.asyncio.client import ClientConnection, connect  # noqa: E402
from websockets.exceptions import ConnectionClosed  # noqa: E402

PASSWORD = "bench-password-123"
BODY = re.compile(r"^bench v(\d+) m(\d+)$")


# -- small helpers ------------------------------------------------------------------


def free_port() -> int:
    with closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


def ms3(values: list[float]) -> str:
    if not values:
        return "n/a"
    return f"{pct(values, 50) * 1000:.1f} / {pct(values, 99) * 1000:.1f} / {max(values) * 1000:.1f} ms"


def proc_cpu_seconds(pid: int) -> float:
    """user+system CPU time of a process and its threads, from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def self_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def wait_http(url: str, timeout: float, proc: subprocess.Popen[bytes] | None = None) -> None:
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


# -- baselines ----------------------------------------------------------------------


def sqlite_baseline(seconds: float) -> float:
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


async def echo_baseline(seconds: float, parallel: int, compression: str | None) -> tuple[float, float]:
    """A bare Starlette echo websocket under uvicorn: (1 client msg/s, ``parallel`` clients msg/s)."""
    with tempfile.TemporaryDirectory(prefix="cc-bench-echo-") as tmp:
        script = Path(tmp) / "echo_app.py"
        script.write_text(ECHO_APP)
        port = free_port()
        proc = subprocess.Popen(
            [sys.executable, str(script), str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        try:
            await wait_http(f"http://127.0.0.1:{port}/", 20, proc)
            url = f"ws://127.0.0.1:{port}/ws"
            started = time.perf_counter()
            single = await _echo_client(url, seconds, compression) / (time.perf_counter() - started)
            started = time.perf_counter()
            counts = await asyncio.gather(*(_echo_client(url, seconds, compression) for _ in range(parallel)))
            many = sum(counts) / (time.perf_counter() - started)
        finally:
            proc.terminate()
            with suppress(subprocess.TimeoutExpired):
                proc.wait(10)
            if proc.poll() is None:
                proc.kill()
    return single, many


# -- the system under test --------------------------------------------------------------


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    base: str
    tmp: Path
    log_path: Path

    @property
    def ws_base(self) -> str:
        return self.base.replace("http://", "ws://")


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


def seed(database_url: str, agents: int, chat_capacity: int) -> None:
    """One default queue and ``agents`` agents, through the store API."""
    from repository import Database, upgrade
    from repository.directory import create_agent, create_queue

    upgrade(database_url)
    db = Database(database_url)
    try:
        create_queue(db, "Bench", description="chat_loop benchmark", is_default=True)
        for i in range(agents):
            create_agent(db, f"bench{i}", f"Bench Agent {i}", PASSWORD, capacity={"chat": chat_capacity})
    finally:
        db.dispose()


def count_stored_messages(database_url: str) -> int:
    from sqlmodel import func, select

    from repository import Database
    from repository.models import Event

    db = Database(database_url)
    try:
        with db.read() as session:
            return int(
                session.exec(
                    select(func.count()).where(Event.kind == "message", Event.author_type == "customer")
                ).one()
            )
    finally:
        db.dispose()


def start_server(tmp: Path, database_url: str, bus_url: str, log_level: str) -> Server:
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
        "DATA_DIR": str(tmp / "data"),
        "DATABASE_URL": database_url,
        "BUS_URL": bus_url,
        "SECRET_KEY": "bench-" + uuid.uuid4().hex,
        "ROUTER_TICK_SECONDS": "0.2",
        # Nobody should lose an offer to a timeout while the box is saturated.
        "RESERVATION_TIMEOUT_SECONDS": "3600",
        "LOG_LEVEL": log_level,
    }
    log_path = tmp / "server.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "contact_center.cli",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--no-demo",
            ],
            cwd=tmp,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
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


# -- bookkeeping --------------------------------------------------------------------------


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


# -- agents ---------------------------------------------------------------------------------


async def login(base: str, username: str) -> str:
    """Sign in like a browser: read the form's CSRF token, post it, keep the session cookie."""
    async with httpx.AsyncClient(base_url=base, follow_redirects=False, timeout=60) as client:
        page = await client.get("/login")
        page.raise_for_status()
        match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        if match is None:
            raise RuntimeError("no csrf_token on /login")
        response = await client.post(
            "/login",
            data={"csrf_token": match.group(1), "username": username, "password": PASSWORD, "next": "/agent"},
        )
        if response.status_code != 303:
            raise RuntimeError(f"login of {username} failed with HTTP {response.status_code}")
        cookie = client.cookies.get("cc_session")
        if not cookie:
            raise RuntimeError("login set no cc_session cookie")
        return cookie


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
        ws = await connect(
            base + "/agent/ws",
            additional_headers={"Cookie": f"cc_session={cookie}"},
            compression=compression,
            max_size=2**22,
            open_timeout=60,
            ping_interval=None,
        )
        client = cls(index, ws, stats)
        await ws.send(json.dumps({"type": "hello"}))
        welcome = json.loads(await asyncio.wait_for(ws.recv(), 60))
        if welcome.get("type") != "welcome":
            raise RuntimeError(f"agent {index}: expected welcome, got {welcome}")
        client.agent_id = welcome["agent"]["id"]
        await ws.send(json.dumps({"type": "presence", "state": "available"}))
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


# -- visitors -------------------------------------------------------------------------------


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
            ping_interval=None,
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


async def scrape_metrics(base: str) -> dict[str, float]:
    """The server's own counters that explain the figures: router passes and bus traffic."""
    wanted = re.compile(
        r'^(cc_router_pass_seconds_(?:sum|count)|cc_bus_events_total\{type="([^"]*)"\}) (\S+)$'
    )
    found: dict[str, float] = {}
    async with httpx.AsyncClient() as client:
        text = (await client.get(base + "/metrics", timeout=30)).text
    for line in text.splitlines():
        match = wanted.match(line)
        if match:
            found[match.group(2) or match.group(1)] = float(match.group(3))
    return found


# -- the run ----------------------------------------------------------------------------------


async def wait_until(stats: Stats, done: Any, stall_seconds: float) -> bool:
    """Wait until ``done()`` holds; give up after ``stall_seconds`` without any progress."""
    while not done():
        stats.progress.clear()
        try:
            await asyncio.wait_for(stats.progress.wait(), stall_seconds)
        except TimeoutError:
            return done()
    return True


@dataclass
class RunResult:
    stats: Stats
    visitors: int
    messages: int
    routing_started: float = 0.0
    routing_offered: float = 0.0
    routing_accepted: float = 0.0
    chat_started: float = 0.0
    chat_sent_done: float = 0.0
    chat_finished: float = 0.0
    server_cpu: float = 0.0
    client_cpu: float = 0.0
    stored_messages: int = -1
    metrics: dict[str, float] = field(default_factory=dict)


async def run_chat(args: argparse.Namespace, server: Server, database_url: str) -> RunResult:
    stats = Stats()
    compression = "deflate" if args.deflate else None
    result = RunResult(stats, args.visitors, args.messages)
    await wait_http(server.base + "/healthz", 60, server.proc)

    cookies = await asyncio.gather(*(login(server.base, f"bench{i}") for i in range(args.agents)))
    agents = await asyncio.gather(
        *(AgentClient.open(i, server.ws_base, c, stats, compression) for i, c in enumerate(cookies))
    )
    tasks = [asyncio.create_task(a.run()) for a in agents]
    await asyncio.wait_for(asyncio.gather(*(a.ready.wait() for a in agents)), 60)
    visitors = []
    for start in range(0, args.visitors, 50):  # open in batches, as a real crowd trickles in
        batch = range(start, min(args.visitors, start + 50))
        visitors += await asyncio.gather(
            *(VisitorClient.open(i, server.ws_base, stats, args.pipeline, compression) for i in batch)
        )
    tasks += [asyncio.create_task(v.run()) for v in visitors]
    print(f"  {len(agents)} agents signed in and available, {len(visitors)} visitors connected", flush=True)

    # Phase 1: every visitor opens a conversation; the router must place all of them.
    cpu0, self0 = proc_cpu_seconds(server.proc.pid), self_cpu_seconds()
    result.routing_started = time.perf_counter()
    if args.rush:
        # Everything at once: follow-ups race the router's offers.
        result.chat_started = result.routing_started
        await asyncio.gather(*(v.send_all(range(0, args.messages + 1)) for v in visitors))
        result.chat_sent_done = time.perf_counter()
    else:
        await asyncio.gather(*(v.send_all(range(0, 1)) for v in visitors))
    all_offered = await wait_until(
        stats, lambda: len(stats.offers) >= args.visitors and len(stats.accepted) >= args.visitors, args.stall
    )
    if stats.offers:
        result.routing_offered = max(t for offers in stats.offers.values() for _, t in offers)
    if stats.accepted:
        result.routing_accepted = max(stats.accepted.values())
    if not all_offered:
        print(f"  routing stalled: {len(stats.offers)} offered, {len(stats.accepted)} accepted", flush=True)

    # Phase 2: K follow-ups per visitor into conversations that agents hold.
    if not args.rush:
        result.chat_started = time.perf_counter()
        await asyncio.gather(*(v.send_all(range(1, args.messages + 1)) for v in visitors))
        result.chat_sent_done = time.perf_counter()
    expected = {(v, s) for v in range(args.visitors) for s in range(args.messages + 1)}
    await wait_until(
        stats,
        lambda: expected <= stats.deliveries.keys() and {e for _, e in stats.acked.values()} <= stats.echoed,
        args.stall,
    )
    result.chat_finished = max(
        (d.at for ds in stats.deliveries.values() for d in ds), default=time.perf_counter()
    )
    result.server_cpu = proc_cpu_seconds(server.proc.pid) - cpu0
    result.client_cpu = self_cpu_seconds() - self0
    await asyncio.sleep(0.5)  # let late duplicates, if any, arrive before counting
    result.metrics = await scrape_metrics(server.base)

    for ws in [*(a.ws for a in agents), *(v.ws for v in visitors)]:
        await ws.close()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    result.stored_messages = await asyncio.to_thread(count_stored_messages, database_url)
    return result


# -- report -----------------------------------------------------------------------------------


@dataclass
class Verdict:
    expected: int = 0
    delivered: int = 0
    lost: list[tuple[int, int]] = field(default_factory=list)
    duplicated: int = 0
    overlap: int = 0
    wrong_agent: int = 0
    stored_twice: int = 0
    unacked: int = 0
    unpublished: int = 0
    acked_twice: int = 0
    live_latency: list[float] = field(default_factory=list)
    offer_latency: list[float] = field(default_factory=list)
    ack_latency: list[float] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (
            self.lost
            or self.duplicated
            or self.wrong_agent
            or self.stored_twice
            or self.unacked
            or self.unpublished
        )


def judge(result: RunResult) -> Verdict:
    stats = result.stats
    verdict = Verdict(expected=len(stats.sent))
    holder = {iid: offers[-1][0] for iid, offers in stats.offers.items()}
    for key, sent_at in stats.sent.items():
        if key in stats.acked:
            verdict.ack_latency.append(stats.acked[key][0] - sent_at)
            verdict.unpublished += stats.acked[key][1] not in stats.echoed
        else:
            verdict.unacked += 1
        verdict.acked_twice += max(0, stats.ack_count.get(key, 0) - 1)
        right = holder.get(stats.conversation.get(key[0], -1))
        deliveries = stats.deliveries.get(key, [])
        mine = [d for d in deliveries if d.agent == right]
        verdict.wrong_agent += len(deliveries) - len(mine)
        if not mine:
            verdict.lost.append(key)
            continue
        verdict.delivered += 1
        if len({d.event_id for d in mine}) > 1:
            verdict.stored_twice += 1  # two CCR events for one client_id: idempotency broke
        live = [d for d in mine if d.path == "live"]
        offered = [d for d in mine if d.path == "offer"]
        verdict.duplicated += max(0, len(live) - 1) + max(0, len(offered) - 1)
        if live and offered:
            verdict.overlap += 1
        first = min(mine, key=lambda d: d.at)
        (verdict.live_latency if first.path == "live" else verdict.offer_latency).append(first.at - sent_at)
    return verdict


def describe_machine() -> str:
    model = "unknown CPU"
    with suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return (
        f"{os.cpu_count()} cores ({model}), Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}, SQLite {sqlite3.sqlite_version}"
    )


def load_average() -> str:
    return f"{os.getloadavg()[0]:.2f}"


def report(
    args: argparse.Namespace, result: RunResult | None, baselines: dict[str, float], db_kind: str
) -> Verdict | None:
    line = "-" * 78
    print()
    print(line)
    print(
        f"chat_loop  {args.visitors} visitors, {args.agents} agents, 1 opening + {args.messages} follow-up "
        f"messages each, pipeline {args.pipeline}{', rush' if args.rush else ''}"
    )
    print(f"store {db_kind}, bus {args.bus_url.split('@')[-1]}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"machine: {describe_machine()}")
    print(
        f"1-min load average before {args.load_before}, after {load_average()} (anything above ~1 is other work)"
    )
    print(line)
    verdict = None
    if result is not None:
        stats = result.stats
        verdict = judge(result)
        n = args.visitors
        offer_times = [offers[0][1] - result.routing_started for offers in stats.offers.values()]
        print("routing (every visitor's opening message creates a contact)")
        print(f"  contacts offered / accepted        {len(stats.offers)} / {len(stats.accepted)} of {n}")
        if result.routing_offered:
            print(
                f"  all offered after                  {result.routing_offered - result.routing_started:.2f} s"
            )
        if result.routing_accepted:
            print(
                f"  all accepted after                 {result.routing_accepted - result.routing_started:.2f} s"
            )
        print(f"  time to offer p50 / p99 / max      {ms3(offer_times)}")
        reoffers = sum(len(o) - 1 for o in stats.offers.values())
        print(f"  offers made twice                  {reoffers}")
        print("chat (visitor send → the holding agent receives it)")
        chat_msgs = len(verdict.live_latency)
        span = result.chat_finished - result.chat_started
        print(
            f"  messages delivered                 {verdict.delivered} / {verdict.expected}"
            f"   ({len(verdict.offer_latency)} inside offers, {chat_msgs} as live event frames)"
        )
        if args.rush and span > 0:
            rate = verdict.delivered / span
            print(
                f"  throughput, all messages           {rate:,.0f} msg/s  ({verdict.delivered} in {span:.2f} s)"
            )
        elif chat_msgs and span > 0:
            print(
                f"  throughput, follow-ups             {chat_msgs / span:,.0f} msg/s  ({chat_msgs} in {span:.2f} s)"
            )
        print(f"  live delivery p50 / p99 / max      {ms3(verdict.live_latency)}")
        print(f"  via offer  p50 / p99 / max         {ms3(verdict.offer_latency)}")
        print(f"  ack (stored) p50 / p99 / max       {ms3(verdict.ack_latency)}")
        elapsed = result.chat_finished - result.routing_started
        if elapsed > 0:
            print(
                f"  CPU while measuring                server {result.server_cpu / elapsed:.0%} of a core, "
                f"bench client {result.client_cpu / elapsed:.0%}"
            )
        print("exactly once")
        print(
            f"  lost                               {len(verdict.lost)}"
            + (f"  e.g. {verdict.lost[:5]}" if verdict.lost else "")
        )
        print(f"  duplicated                         {verdict.duplicated}")
        print(
            f"  in offer snapshot and live again   {verdict.overlap}   (a desktop must de-duplicate by event id)"
        )
        print(f"  delivered to the wrong agent       {verdict.wrong_agent}")
        print(f"  stored twice (two event ids)       {verdict.stored_twice}")
        print(f"  never acknowledged / acked twice   {verdict.unacked} / {verdict.acked_twice}")
        print(f"  customer messages in the CCR       {result.stored_messages} (expected {verdict.expected})")
        # Published after the commit; one that failed is in the CCR but reached nobody live.
        print(f"  stored, never seen on the bus      {verdict.unpublished}   (no echo to the visitor)")
        if stats.errors:
            print(f"  error frames                       {len(stats.errors)}  e.g. {stats.errors[:3]}")
        if stats.closes:
            print(f"  sockets closed by the server       {len(stats.closes)}  e.g. {stats.closes[:3]}")
        m = result.metrics
        if m:
            print("server internals (from its /metrics)")
            passes = m.get("cc_router_pass_seconds_count", 0)
            if passes:
                total = m.get("cc_router_pass_seconds_sum", 0)
                print(
                    f"  router passes                      {passes:.0f}, {total:.2f} s in all, {total / passes * 1000:.0f} ms each"
                )
            events = {k: v for k, v in m.items() if not k.startswith("cc_")}
            published = sum(events.values())
            subscribers = args.visitors + args.agents
            print(
                f"  bus events published               {published:,.0f} ("
                + ", ".join(f"{k} {v:,.0f}" for k, v in sorted(events.items(), key=lambda kv: -kv[1]))
                + ")"
            )
            print(
                f"  each goes to every subscription    ~{subscribers} websocket subscriptions → "
                f"~{published * subscribers:,.0f} wake-ups to filter"
            )
    print("raw baselines (same run, same machine)")
    if "sqlite" in baselines:
        print(
            f"  {'SQLite INSERT+COMMIT, WAL, synchronous=NORMAL':<46} {baselines['sqlite']:>10,.0f} commits/s"
        )
    if "echo1" in baselines:
        print(f"  {'Starlette ws echo under uvicorn, 1 client':<46} {baselines['echo1']:>10,.0f} msg/s")
        label = f"Starlette ws echo, {args.echo_clients} clients at once"
        print(f"  {label:<46} {baselines['echoN']:>10,.0f} msg/s")
    print(line)
    return verdict


async def amain(args: argparse.Namespace) -> int:
    args.load_before = load_average()
    baselines: dict[str, float] = {}
    if not args.skip_baselines:
        print("baselines: raw SQLite commits, raw Starlette websocket echo ...", flush=True)
        baselines["sqlite"] = await asyncio.to_thread(sqlite_baseline, args.baseline_seconds)
        compression = "deflate" if args.deflate else None
        baselines["echo1"], baselines["echoN"] = await echo_baseline(
            args.baseline_seconds, args.echo_clients, compression
        )

    tmp = Path(tempfile.mkdtemp(prefix="cc-bench-"))
    pg_name = None
    if args.database_url:
        database_url, pg_name = scratch_postgres(args.database_url)
        db_kind = "PostgreSQL (scratch database " + pg_name + ")"
    else:
        database_url = f"sqlite:///{tmp / 'data' / 'contact_center.db'}"
        db_kind = "SQLite (WAL)"
    capacity = min(50, math.ceil(args.visitors / args.agents) + 1)
    print(f"seeding 1 queue and {args.agents} agents (chat capacity {capacity}) ...", flush=True)
    await asyncio.to_thread(seed, database_url, args.agents, capacity)
    server = start_server(tmp, database_url, args.bus_url, args.log_level)
    profiler = None
    result: RunResult | None = None
    try:
        if args.profile:
            profiler = subprocess.Popen(
                [
                    "py-spy",
                    "record",
                    "--pid",
                    str(server.proc.pid),
                    # Sampling without stopping the server, and only the thread that holds
                    # the GIL: that is where a single-process server's CPU goes.
                    "--rate",
                    "100",
                    "--nonblocking",
                    "--gil",
                    "--format",
                    _profile_format(args.profile),
                    "--output",
                    args.profile,
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        print(f"server {server.base} (pid {server.proc.pid}); running ...", flush=True)
        result = await run_chat(args, server, database_url)
    finally:
        if profiler is not None:
            profiler.send_signal(signal.SIGINT)
            with suppress(subprocess.TimeoutExpired):
                profiler.wait(60)
        stop_server(server)
        if result is None or args.keep:
            print(f"server log: {server.log_path}")
        if pg_name and args.database_url:
            drop_postgres(args.database_url, pg_name)
    verdict = report(args, result, baselines, db_kind)
    if not args.keep:
        shutil.rmtree(tmp, ignore_errors=True)
    if verdict is None or not verdict.ok or (result and result.stored_messages != verdict.expected):
        print("FAILED: messages were lost, duplicated, misrouted or never published (see above)")
        return 1
    if result and (result.stats.errors or result.stats.closes):
        print("FAILED: the server answered with error frames or closed sockets (see above)")
        return 1
    return 0


def _profile_format(path: str) -> str:
    """py-spy's output format from the file name: .svg flame graph, .json speedscope, else raw."""
    return {".svg": "flamegraph", ".json": "speedscope"}.get(Path(path).suffix, "raw")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--visitors", type=int, default=50, help="N visitor websockets (default 50)")
    parser.add_argument("--agents", type=int, default=10, help="M agent websockets (default 10)")
    parser.add_argument(
        "--messages", type=int, default=5, help="K follow-up messages per visitor (default 5)"
    )
    parser.add_argument(
        "--pipeline", type=int, default=1, help="unacknowledged messages a visitor may have in flight"
    )
    parser.add_argument("--bus-url", default="memory://", help="BUS_URL for the server (default memory://)")
    parser.add_argument(
        "--database-url",
        default=None,
        help="a PostgreSQL server URL; a scratch database is created on it and dropped afterwards "
        "(default: SQLite in a temp dir)",
    )
    parser.add_argument("--rush", action="store_true", help="send every message at once, racing the router")
    parser.add_argument(
        "--stall", type=float, default=30.0, help="give up after this many seconds without progress"
    )
    parser.add_argument("--baseline-seconds", type=float, default=2.0)
    parser.add_argument("--echo-clients", type=int, default=50, help="parallel clients for the echo baseline")
    parser.add_argument("--skip-baselines", action="store_true")
    parser.add_argument("--deflate", action="store_true", help="negotiate permessage-deflate like a browser")
    parser.add_argument(
        "--profile",
        metavar="FILE",
        help="sample the server with py-spy (GIL holder only): FILE.svg, FILE.json (speedscope), else collapsed stacks",
    )
    parser.add_argument("--log-level", default="WARNING", help="the server's LOG_LEVEL")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir and server log")
    args = parser.parse_args(argv)
    if args.visitors < 1 or args.agents < 1 or args.messages < 0 or args.pipeline < 1:
        parser.error("visitors, agents and pipeline must be positive, messages not negative")
    return args


def main() -> int:
    args = parse_args()
    with suppress(ImportError):
        import uvloop

        uvloop.install()
    return asyncio.run(amain(args))


if __name__ == "__main__":
    raise SystemExit(main())
