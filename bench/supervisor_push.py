"""Supervisor live-monitor push: N supervisor websockets watching a steady stream of changes.

It starts the real server (``contact-center serve --no-demo``) on a free loopback port,
seeds one queue, A agents and one supervisor straight into the store, signs them in like
a browser (CSRF token, ``cc_session`` cookie), opens A agent websockets and N (100)
``/supervisor/ws`` sockets for the one supervisor, then generates a steady stream of
changes for ``--seconds``:

* a new visitor opens a chat over ``/channels/webchat/ws`` every 1/``--rate`` s
  (change 1: a contact appears);
* an agent accepts each offer as soon as it arrives (change 2: the contact is active);
* the agent closes it ``--hold`` s later (change 3: the contact leaves the live list).

It measures:

* snapshots pushed per second to all supervisors together (N × the feed's updates);
* fan-out latency, per change and per supervisor: from the moment the bench sent the
  change (visitor message, ``accept``, ``close``) to that supervisor's receipt of the
  first snapshot that reflects it. p50 / p99 / max, on one clock (the bench holds both ends);
* the server's CPU over the window.

Next to it, in the same run, a raw baseline: a bare Starlette app under uvicorn (in a
subprocess) that broadcasts a payload of the same size (the product's last snapshot,
JSON-encoded once per broadcast) to N websocket clients, flat out (lock-step: the next
broadcast when every client has the last one) and paced at the product's update rate.

    python bench/supervisor_push.py --supervisors 100

Not part of the test run. Figures and how to read them: bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import json
import math
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from websockets.asyncio.client import ClientConnection, connect  # noqa: E402
from websockets.exceptions import ConnectionClosed  # noqa: E402

from bench.chat_loop import (  # noqa: E402
    PASSWORD,
    describe_machine,
    free_port,
    load_average,
    login,
    ms3,
    proc_cpu_seconds,
    self_cpu_seconds,
    start_server,
    stop_server,
    wait_http,
)

SNAPSHOT_PREFIX = '{"type":"snapshot"'
VERSION = re.compile(r'"version":(\d+)')
# A contact's progress as a snapshot shows it; it only moves forward.
APPEARED, ACTIVE, GONE = 1, 2, 3


def seed(database_url: str, agents: int, chat_capacity: int) -> None:
    from repository import Database, upgrade
    from repository.directory import create_agent, create_queue, create_wrapup_code

    upgrade(database_url)
    db = Database(database_url)
    try:
        create_queue(db, "Bench", description="supervisor_push benchmark", is_default=True)
        create_wrapup_code(db, "resolved", "Resolved")
        create_agent(db, "supbench", "Bench Supervisor", PASSWORD, role="supervisor")
        for i in range(agents):
            create_agent(db, f"bench{i}", f"Bench Agent {i}", PASSWORD, capacity={"chat": chat_capacity})
    finally:
        db.dispose()


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


# -- the clients ----------------------------------------------------------------------


async def supervisor_socket(ws_base: str, cookie: str) -> ClientConnection:
    ws = await connect(
        ws_base + "/supervisor/ws",
        additional_headers={"Cookie": f"cc_session={cookie}"},
        max_size=2**24,
        open_timeout=60,
        ping_interval=None,
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
        ws = await connect(
            ws_base + "/agent/ws",
            additional_headers={"Cookie": f"cc_session={cookie}"},
            max_size=2**22,
            open_timeout=60,
            ping_interval=None,
        )
        agent = cls(index, ws, rec, hold)
        await ws.send(json.dumps({"type": "hello"}))
        welcome = json.loads(await asyncio.wait_for(ws.recv(), 60))
        if welcome.get("type") != "welcome":
            raise RuntimeError(f"agent {index}: expected welcome, got {welcome}")
        agent.agent_id = welcome["agent"]["id"]
        await ws.send(json.dumps({"type": "presence", "state": "available"}))
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
    ws = await connect(ws_base + "/channels/webchat/ws", max_size=2**22, open_timeout=60, ping_interval=None)
    await ws.send(json.dumps({"type": "hello", "name": name}))
    welcome = json.loads(await asyncio.wait_for(ws.recv(), 60))
    if welcome.get("type") != "welcome":
        raise RuntimeError(f"{name}: expected welcome, got {welcome}")
    rec.created[name] = time.perf_counter()
    await ws.send(json.dumps({"type": "message", "client_id": "open", "body": "hello, I need help"}))
    return ws


# -- analysis -------------------------------------------------------------------------


def first_versions(rec: Record) -> tuple[dict[tuple[int, int], int], dict[str, int]]:
    """For each (interaction, stage), the first snapshot version that shows it; names → ids."""
    first: dict[tuple[int, int], int] = {}
    names: dict[str, int] = {}
    seen: set[int] = set()
    for version in sorted(rec.snapshots):
        contacts = json.loads(rec.snapshots[version])["contacts"]
        present = set()
        for c in contacts:
            iid = c["id"]
            present.add(iid)
            names.setdefault(c["customer"], iid)
            stage = ACTIVE if c["status"] in ("active", "wrapup") else APPEARED
            for s in range(APPEARED, stage + 1):
                first.setdefault((iid, s), version)
        for iid in seen - present:  # left the live list: closed
            for s in range(APPEARED, GONE + 1):
                first.setdefault((iid, s), version)
        seen |= present
    return first, names


@dataclass
class Latency:
    samples: dict[str, list[float]] = field(
        default_factory=lambda: {"appeared": [], "active": [], "gone": []}
    )
    missed: int = 0
    unseen_changes: int = 0

    @property
    def all(self) -> list[float]:
        return [x for xs in self.samples.values() for x in xs]


def fan_out_latency(rec: Record) -> Latency:
    first, names = first_versions(rec)
    changes: list[tuple[str, int, float]] = []
    for name, at in rec.created.items():
        if name in names:
            changes.append(("appeared", names[name], at))
    changes += [("active", iid, at) for iid, at in rec.accepted.items()]
    changes += [("gone", iid, at) for iid, at in rec.closed.items() if math.isfinite(at)]
    stage = {"appeared": APPEARED, "active": ACTIVE, "gone": GONE}
    out = Latency()
    out.unseen_changes = len(rec.created) - sum(1 for n in rec.created if n in names)
    per_sup = [([v for v, _ in got], [t for _, t in got]) for got in rec.received]
    for kind, iid, at in changes:
        version = first.get((iid, stage[kind]))
        if version is None:
            out.unseen_changes += 1
            continue
        for versions, times in per_sup:
            i = bisect.bisect_left(versions, version)
            if i == len(versions):
                out.missed += 1
            else:
                out.samples[kind].append(times[i] - at)
    return out


# -- raw baseline ------------------------------------------------------------------------

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
    with tempfile.TemporaryDirectory(prefix="cc-bench-broadcast-") as tmp:
        script, data = Path(tmp) / "broadcast_app.py", Path(tmp) / "payload.json"
        script.write_text(BROADCAST_APP)
        data.write_text(payload)
        port = free_port()
        proc = subprocess.Popen(
            [sys.executable, str(script), str(port), str(data)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            await wait_http(f"http://127.0.0.1:{port}/", 20, proc)
            url = f"ws://127.0.0.1:{port}"
            sockets = [await connect(url + "/ws", max_size=2**24, ping_interval=None) for _ in range(clients)]
            driver = await connect(url + "/drive", ping_interval=None)
            await asyncio.sleep(0.5)
            flat = await _broadcast_phase("flat out", sockets, driver, seconds, None, proc.pid)
            paced = await _broadcast_phase(
                f"paced at {paced_rate:.1f}/s", sockets, driver, seconds, paced_rate, proc.pid
            )
            for ws in [*sockets, driver]:
                await ws.close()
        finally:
            proc.terminate()
            with suppress(subprocess.TimeoutExpired):
                proc.wait(10)
            if proc.poll() is None:
                proc.kill()
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


# -- the run ------------------------------------------------------------------------------


@dataclass
class Run:
    rec: Record
    started: float = 0.0
    ended: float = 0.0
    server_cpu: float = 0.0
    client_cpu: float = 0.0
    cpu_span: float = 0.0  # the CPU figures' window: first change → end of the run
    chats: int = 0


async def run_product(args: argparse.Namespace, tmp: Path) -> Run:
    database_url = f"sqlite:///{tmp / 'data' / 'contact_center.db'}"
    capacity = max(2, math.ceil(args.rate * (args.hold + 3) / args.agents) + 1)
    print(f"seeding 1 queue, {args.agents} agents (chat capacity {capacity}), 1 supervisor ...", flush=True)
    await asyncio.to_thread(seed, database_url, args.agents, capacity)
    server = start_server(tmp, database_url, "memory://", "WARNING")
    rec = Record(received=[[] for _ in range(args.supervisors)])
    run = Run(rec)
    tasks: list[asyncio.Task[Any]] = []
    sockets: list[ClientConnection] = []
    try:
        await wait_http(server.base + "/healthz", 60, server.proc)
        print(f"server {server.base} (pid {server.proc.pid})", flush=True)
        cookies = await asyncio.gather(*(login(server.base, f"bench{i}") for i in range(args.agents)))
        agents = [await Agent.open(i, server.ws_base, c, rec, args.hold) for i, c in enumerate(cookies)]
        tasks += [asyncio.create_task(a.run()) for a in agents]
        await asyncio.wait_for(asyncio.gather(*(a.ready.wait() for a in agents)), 60)
        sup_cookie = await login(server.base, "supbench")
        for i in range(args.supervisors):
            ws = await supervisor_socket(server.ws_base, sup_cookie)
            sockets.append(ws)
            tasks.append(asyncio.create_task(read_supervisor(i, ws, rec)))
        deadline = time.monotonic() + 60
        while not all(rec.received) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        if not all(rec.received):
            raise RuntimeError("not every supervisor got its first snapshot within 60 s")
        await asyncio.sleep(1.0)  # let the newcomers' refreshes settle
        print(
            f"  {len(agents)} agents available, {args.supervisors} supervisor sockets live; "
            f"{args.rate:g} new chats/s for {args.seconds:g} s, each held {args.hold:g} s ...",
            flush=True,
        )

        cpu0, self0 = proc_cpu_seconds(server.proc.pid), self_cpu_seconds()
        run.started = time.perf_counter()
        visitors: list[asyncio.Task[ClientConnection]] = []
        total = int(args.rate * args.seconds)
        for n in range(total):
            await asyncio.sleep(max(0.0, run.started + n / args.rate - time.perf_counter()))
            visitors.append(asyncio.create_task(visitor_opens_chat(server.ws_base, f"Sup Bench {n}", rec)))
        opened = await asyncio.gather(*visitors, return_exceptions=True)
        sockets += [v for v in opened if not isinstance(v, BaseException)]
        rec.errors += [f"visitor: {v!r}" for v in opened if isinstance(v, BaseException)]
        run.chats = total
        # Until the last contact has been accepted, closed, and every supervisor shown it.
        deadline = time.monotonic() + args.hold + 30
        while time.monotonic() < deadline and (
            len(rec.closed) < total or not all(math.isfinite(t) for t in rec.closed.values())
        ):
            await asyncio.sleep(0.1)
        last_change = max(
            [
                *rec.created.values(),
                *rec.accepted.values(),
                *(t for t in rec.closed.values() if math.isfinite(t)),
            ]
        )
        await asyncio.sleep(2.0)
        run.ended = last_change + 1.0
        run.server_cpu = proc_cpu_seconds(server.proc.pid) - cpu0
        run.client_cpu = self_cpu_seconds() - self0
        run.cpu_span = time.perf_counter() - run.started
    finally:
        for ws in sockets:
            with suppress(Exception):
                await ws.close()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        stop_server(server)
        if server.proc.returncode not in (0, -2, None):
            print(f"server exited {server.proc.returncode}; log: {server.log_path}")
        log = server.log_path.read_text(errors="replace") if server.log_path.exists() else ""
        if "Traceback" in log:
            rec.errors.append("server log has a Traceback: " + log[log.index("Traceback") :][:600])
    return run


def report(args: argparse.Namespace, run: Run, flat: Baseline | None, paced: Baseline | None) -> None:
    rec = run.rec
    line = "-" * 78
    window = run.ended - run.started
    frames = sum(1 for got in rec.received for _, t in got if run.started <= t <= run.ended)
    versions = {v for got in rec.received for v, t in got if run.started <= t <= run.ended}
    sizes = [len(rec.snapshots[v]) for v in versions if v in rec.snapshots]
    lat = fan_out_latency(rec)
    print()
    print(line)
    print(
        f"supervisor_push  {args.supervisors} supervisor sockets, {args.agents} agents, "
        f"{args.rate:g} new chats/s for {args.seconds:g} s, held {args.hold:g} s"
    )
    print(f"store SQLite (WAL), bus memory://, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"machine: {describe_machine()}")
    print(
        f"1-min load average before {args.load_before}, after {load_average()} (anything above ~1 is other work)"
    )
    print(line)
    changes = len(rec.created) + len(rec.accepted) + sum(1 for t in rec.closed.values() if math.isfinite(t))
    print("changes (bench → server)")
    print(
        f"  chats opened / accepted / closed   {len(rec.created)} / {len(rec.accepted)} / "
        f"{sum(1 for t in rec.closed.values() if math.isfinite(t))} of {run.chats}"
    )
    print(f"  changes per second                 {changes / window:.1f}  ({changes} in {window:.1f} s)")
    print("push (server → every supervisor)")
    print(f"  snapshot versions in window        {len(versions)}  ({len(versions) / window:.2f} updates/s)")
    print(f"  snapshots pushed, all supervisors  {frames:,}  ({frames / window:,.0f} snapshots/s)")
    if sizes:
        print(
            f"  snapshot size mean / max           {sum(sizes) / len(sizes) / 1024:.1f} / {max(sizes) / 1024:.1f} KiB"
        )
    print("fan-out latency (change sent → that supervisor receives a snapshot showing it)")
    print(f"  all changes p50 / p99 / max        {ms3(lat.all)}   ({len(lat.all):,} samples)")
    for kind, label in (
        ("appeared", "new chat appears"),
        ("active", "accept → active"),
        ("gone", "close → gone"),
    ):
        print(f"  {label:<34} {ms3(lat.samples[kind])}")
    print(f"  within 1 s                         {sum(x <= 1.0 for x in lat.all) / max(1, len(lat.all)):.1%}")
    print(
        f"  never shown / not received         {lat.unseen_changes} changes / {lat.missed} (change, supervisor) pairs"
    )
    span = run.cpu_span or window
    print(
        f"  CPU while measuring                server {run.server_cpu / span:.0%} of a core, "
        f"bench client {run.client_cpu / span:.0%}"
    )
    if rec.errors:
        print(f"  errors                             {len(rec.errors)}  e.g. {rec.errors[:3]}")
    if rec.closes:
        print(f"  sockets closed by the server       {len(rec.closes)}  e.g. {rec.closes[:3]}")
    print("raw baseline (same run): bare Starlette ws broadcast under uvicorn, same payload")
    for b in (flat, paced):
        if b is None:
            continue
        print(
            f"  {b.label:<33}  {b.messages / b.seconds:>9,.0f} msg/s to {args.supervisors} clients, "
            f"latency {ms3(b.latency)}, CPU {b.cpu / b.seconds:.0%}"
        )
    print(line)


async def amain(args: argparse.Namespace) -> int:
    args.load_before = load_average()
    tmp = Path(tempfile.mkdtemp(prefix="cc-bench-sup-"))
    try:
        run = await run_product(args, tmp)
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    flat = paced = None
    if not args.skip_baseline and run.rec.snapshots:
        payload = run.rec.snapshots[max(run.rec.snapshots)]
        window = run.ended - run.started
        versions = {v for got in run.rec.received for v, t in got if run.started <= t <= run.ended}
        rate = max(1.0, len(versions) / window)
        print(
            f"baseline: bare Starlette broadcast of {len(payload) / 1024:.1f} KiB to {args.supervisors} clients ...",
            flush=True,
        )
        flat, paced = await broadcast_baseline(payload, args.supervisors, args.baseline_seconds, rate)
    report(args, run, flat, paced)
    if run.rec.errors or run.rec.closes:
        print("FAILED: error frames, closed sockets or server tracebacks (see above)")
        return 1
    return 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--supervisors", type=int, default=100, help="supervisor websockets (default 100)")
    parser.add_argument("--agents", type=int, default=10, help="agent websockets (default 10)")
    parser.add_argument("--rate", type=float, default=2.0, help="new chats per second (default 2)")
    parser.add_argument("--hold", type=float, default=2.0, help="seconds an agent holds a chat (default 2)")
    parser.add_argument("--seconds", type=float, default=30.0, help="how long new chats arrive (default 30)")
    parser.add_argument("--baseline-seconds", type=float, default=5.0)
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir and server log")
    args = parser.parse_args(argv)
    if args.supervisors < 1 or args.agents < 1 or args.rate <= 0 or args.seconds <= 0:
        parser.error("supervisors, agents, rate and seconds must be positive")
    return args


def main() -> int:
    args = parse_args()
    with suppress(ImportError):
        import uvloop

        uvloop.install()
    return asyncio.run(amain(args))


if __name__ == "__main__":
    raise SystemExit(main())
