"""Tier C on one box, open loop: 1,000 agents, 3,000 chats, 7,000 idle widgets, 100 supervisors.

Messages arrive on a fixed schedule (``rate`` per second, whatever the answers do),
alternating a visitor's message to its agent and an agent's reply to its visitor, at
each rate of a sweep. Per rate it prints: the achieved rate, visitor→agent and
agent→visitor delivery p50/p99/max (send → the other side's frame, one clock: this
process holds both ends), screen-pop (a new visitor's first message → the offer frame
on a desktop) p50/p99, lost and duplicated messages, the server's CPU per message,
and once the server's RSS per idle widget socket. In the same run, before the product
starts: raw SQLite single-row commits, a raw Starlette echo websocket and a raw
Starlette broadcast. Server and load generator are pinned to different cores when
the machine has two or more; the load average is printed before and after. The knee
is the highest rate whose delivery and screen-pop p99 all stay under 250 ms with
nothing lost.

    python bench/tier_c.py                                  # the full population, rates 50..400
    python bench/tier_c.py --agents 50 --visitors 150 --idle 350 --supervisors 5 --rates 20,50

Sign-in uses ARGON2_PROFILE=test (weak password hashes) for the server and the seed:
signing 1,100 people in is set-up, not what is measured. 11,000 sockets need
``ulimit -n`` above 12,000 for this process and the server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("ARGON2_PROFILE", "test")

from websockets.asyncio.client import ClientConnection  # noqa: E402

from bench.harness import (  # noqa: E402
    PASSWORD,
    broadcast_baseline,
    echo_throughput,
    load_average,
    login,
    open_desktop,
    pct,
    print_header,
    proc_cpu_seconds,
    run_main,
    seed,
    sqlite_commit_rate,
    start_server,
    stop_server,
    wait_http,
)
from bench.harness.idle_widgets import IdleWidgets  # noqa: E402
from bench.harness.load import drain  # noqa: E402
from bench.harness.process import rss_kib  # noqa: E402
from bench.harness.report import gc_pauses  # noqa: E402
from bench.supervisor_push_clients import supervisor_socket  # noqa: E402
from bench.tier_c_clients import Load, Record, Visitor, desk, new_visitor, print_table  # noqa: E402


async def in_batches(count: int, size: int, make: Any) -> list[Any]:
    out: list[Any] = []
    while len(out) < count:
        out += await asyncio.gather(*(make(len(out) + i) for i in range(min(size, count - len(out)))))
    return out


def stats(record: Record, bodies: list[str]) -> dict[str, float]:
    latencies = sorted(record.got[b] - record.sent[b] for b in bodies if b in record.got)
    ms = [v * 1000 for v in latencies]
    return {
        "sent": len(bodies),
        "got": len(latencies),
        "p50": pct(ms, 50) if ms else float("nan"),
        "p99": pct(ms, 99) if ms else float("nan"),
        "max": ms[-1] if ms else float("nan"),
    }


async def step(
    rate: float,
    seconds: float,
    pops_per_second: float,
    pid: int,
    load: Load,
    talking: list[Visitor],
    pop: list[Visitor],
) -> dict[str, Any]:
    to_agent: list[str] = []
    to_visitor: list[str] = []
    popped: list[str] = []
    pairs = [v for v in talking if v.iid is not None and v.iid in load.holder]

    async def message(n: int) -> None:
        visitor = random.choice(pairs)
        number = next(load.counter)
        if n % 2 == 0:
            body = f"v{number}"
            to_agent.append(body)
            load.to_agent.sent[body] = time.perf_counter()
            await visitor.ws.send(json.dumps({"type": "message", "client_id": f"c{number}", "body": body}))
        else:
            body = f"a{number}"
            to_visitor.append(body)
            frame = {"type": "reply", "interaction_id": visitor.iid, "body": body, "client_id": f"r{number}"}
            load.to_visitor.sent[body] = time.perf_counter()
            await load.holder[visitor.iid].send(json.dumps(frame))  # type: ignore[index]

    async def opener(n: int) -> None:
        body = f"p{next(load.counter)}"
        popped.append(body)
        load.pops.sent[body] = time.perf_counter()
        await pop[n].ws.send(json.dumps({"type": "message", "client_id": "open", "body": body}))

    async def schedule(per_second: float, count: int, send: Any) -> None:
        started = time.perf_counter()
        for n in range(count):
            asyncio.ensure_future(send(n))
            await asyncio.sleep(max(0.0, started + (n + 1) / per_second - time.perf_counter()))

    cpu0, started = proc_cpu_seconds(pid), time.perf_counter()
    pops = int(pops_per_second * seconds)
    await asyncio.gather(
        schedule(rate, int(rate * seconds), message),
        schedule(pops_per_second, pops, opener) if pops else asyncio.sleep(0),
    )
    elapsed = time.perf_counter() - started
    cpu = proc_cpu_seconds(pid) - cpu0
    await asyncio.sleep(5)  # stragglers; their CPU is not counted, their latency is
    messages = len(to_agent) + len(to_visitor) + len(popped)
    bodies = to_agent + to_visitor
    delivered = [
        (load.to_agent.got.get(b) or load.to_visitor.got.get(b))
        for b in bodies
        if b in load.to_agent.got or b in load.to_visitor.got
    ]
    span = (max(delivered) - started) if delivered else float("nan")
    return {
        "rate": rate,
        "achieved": len(delivered) / max(span, elapsed),
        "v2a": stats(load.to_agent, to_agent),
        "a2v": stats(load.to_visitor, to_visitor),
        "pop": stats(load.pops, popped),
        "cpu_ms": cpu / max(1, messages) * 1000,
        "cpu_share": cpu / elapsed,
        "lost": len(bodies) - len(delivered),
        "dups": load.to_agent.duplicates + load.to_visitor.duplicates,
    }


def pin(pid: int, cores: set[int]) -> str:
    try:
        os.sched_setaffinity(pid, cores)
        return ",".join(map(str, sorted(cores)))
    except (AttributeError, OSError) as exc:
        return f"not pinned ({exc})"


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--visitors", type=int, default=3000)
    parser.add_argument("--idle", type=int, default=7000)
    parser.add_argument("--supervisors", type=int, default=100)
    parser.add_argument("--rates", default="50,100,200,300,400")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--pops-per-second", type=float, default=2.0)
    args = parser.parse_args()
    rates = [float(r) for r in args.rates.split(",")]
    cores = os.cpu_count() or 1
    load_before = load_average()
    print_header("Tier C, open loop", "SQLite (WAL), memory://", load_before)
    bench_cores = pin(0, {0}) if cores >= 2 else "not pinned (one core)"

    commits = sqlite_commit_rate(2.0)
    echo_one, echo_many = await echo_throughput(2.0, 50, None)
    payload = json.dumps({"type": "event", "body": "hello there"})  # "version" must land within 64 chars
    flat, paced = await broadcast_baseline(payload, 100, 2.0, 100.0)
    print(f"raw SQLite INSERT+COMMIT (WAL, NORMAL)   {commits:,.0f} commits/s", flush=True)
    print(f"raw Starlette echo, 1 / 50 clients       {echo_one:,.0f} / {echo_many:,.0f} round trips/s")
    print(
        f"raw Starlette broadcast to 100 sockets   {flat.messages / flat.seconds:,.0f} frames/s flat out; "
        f"paced 100/s p99 {pct(sorted(paced.latency), 99) * 1000:.1f} ms",
        flush=True,
    )

    tmp = Path(tempfile.mkdtemp(prefix="cc-bench-tierc-"))
    rows: list[dict[str, Any]] = []
    load = Load()
    try:
        url = f"sqlite:///{tmp / 'data' / 'cc.db'}"
        capacity = (
            -(-(args.visitors + int(args.pops_per_second * args.seconds * len(rates))) // args.agents) + 1
        )
        seed(url, queue="General", description="tier C", agents=args.agents, capacity={"chat": capacity})
        from repository import Database
        from repository.directory import create_agent

        db = Database(url)
        for i in range(args.supervisors):
            create_agent(db, f"sup{i}", f"Supervisor {i}", PASSWORD, role="supervisor")
        db.dispose()
        server = start_server(tmp, url, "memory://", "WARNING", ARGON2_PROFILE="test")
        await wait_http(server.base + "/healthz", 120, server.proc)
        pid = server.proc.pid
        server_cores = pin(pid, {cores - 1}) if cores >= 2 else "not pinned (one core)"
        print(f"server pid {pid} on core {server_cores}; load generator on core {bench_cores}", flush=True)
        ws_base = server.ws_base

        t0 = time.perf_counter()

        async def one_desk(i: int) -> ClientConnection:
            ws, _ = await open_desktop(ws_base, await login(server.base, f"bench{i}"), f"bench{i}")
            asyncio.ensure_future(desk(ws, load))
            return ws

        await in_batches(args.agents, 25, one_desk)

        async def one_supervisor(i: int) -> ClientConnection:
            ws = await supervisor_socket(ws_base, await login(server.base, f"sup{i}"))
            asyncio.ensure_future(drain(ws))
            return ws

        await in_batches(args.supervisors, 25, one_supervisor)
        print(
            f"{args.agents} desks and {args.supervisors} monitors up in {time.perf_counter() - t0:.0f} s",
            flush=True,
        )

        t0 = time.perf_counter()
        talking = await in_batches(args.visitors, 100, lambda i: new_visitor(ws_base, f"tier c {i}", load))
        for i, visitor in enumerate(talking):
            await visitor.ws.send(json.dumps({"type": "message", "client_id": "open", "body": f"o{i}"}))
            if i % 100 == 99:
                await asyncio.sleep(0.05)
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            ready = sum(1 for v in talking if v.iid is not None and v.iid in load.holder)
            if ready == len(talking):
                break
            await asyncio.sleep(1)
        print(
            f"{ready} of {len(talking)} conversations offered in {time.perf_counter() - t0:.0f} s", flush=True
        )

        await asyncio.sleep(3)
        rss0 = rss_kib(pid)
        # Idle widgets behave like the shipped one: hello, then a ping every 25 s.
        idle = IdleWidgets(ws_base + "/channels/webchat/ws")
        await idle.open(args.idle)
        await asyncio.sleep(5)
        rss1 = rss_kib(pid)
        per_idle = (rss1 - rss0) / max(1, len(idle.sockets))
        print(
            f"{len(idle.sockets)} idle widgets open: server RSS {rss0 / 1024:.0f} → {rss1 / 1024:.0f} MiB",
            flush=True,
        )
        await asyncio.sleep(5)

        for rate in rates:
            pops = int(args.pops_per_second * args.seconds)
            pop = await in_batches(pops, 50, lambda i: new_visitor(ws_base, f"pop {i}", load))
            await asyncio.sleep(2)
            rows.append(await step(rate, args.seconds, args.pops_per_second, pid, load, talking, pop))
            print(rows[-1], flush=True)
            print(gc_pauses(server.base), flush=True)
        stop_server(server)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print()
    print(
        f"{args.agents:,} agents, {args.visitors:,} visitors in conversation, {args.idle:,} idle widgets, "
        f"{args.supervisors} supervisor monitors; open loop, {args.seconds:g} s per rate, half visitor→agent, "
        f"half agent→visitor, plus {args.pops_per_second:g} new contacts/s"
    )
    print(
        f"load average before {load_before}, after {load_average()}; RSS per idle widget {per_idle:.1f} KiB"
    )
    print_table(rows)
    print(
        f"raw: SQLite {commits:,.0f} commits/s; Starlette echo {echo_one:,.0f} / {echo_many:,.0f} rt/s (1 / 50)"
    )
    if load.errors:
        print(f"error frames: {len(load.errors)}, first: {load.errors[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main()))
