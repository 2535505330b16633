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
import math
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench.chat_loop_clients import AgentClient, Stats, VisitorClient  # noqa: E402
from bench.chat_loop_report import RunResult, report  # noqa: E402
from bench.harness import (  # noqa: E402
    Server,
    drop_postgres,
    echo_throughput,
    load_average,
    login,
    proc_cpu_seconds,
    run_main,
    scratch_postgres,
    seed,
    self_cpu_seconds,
    sqlite_commit_rate,
    start_profiler,
    start_server,
    stop_profiler,
    stop_server,
    wait_http,
)


def count_stored_messages(database_url: str) -> int:
    from sqlmodel import func, select

    from repository import Database
    from repository.core.models import Event

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


async def wait_until(stats: Stats, done: Any, stall_seconds: float) -> bool:
    """Wait until ``done()`` holds; give up after ``stall_seconds`` without any progress."""
    while not done():
        stats.progress.clear()
        try:
            await asyncio.wait_for(stats.progress.wait(), stall_seconds)
        except TimeoutError:
            return done()
    return True


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


# -- main ---------------------------------------------------------------------------------------


async def amain(args: argparse.Namespace) -> int:
    args.load_before = load_average()
    baselines: dict[str, float] = {}
    if not args.skip_baselines:
        print("baselines: raw SQLite commits, raw Starlette websocket echo ...", flush=True)
        baselines["sqlite"] = await asyncio.to_thread(sqlite_commit_rate, args.baseline_seconds)
        compression = "deflate" if args.deflate else None
        baselines["echo1"], baselines["echoN"] = await echo_throughput(
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
    await asyncio.to_thread(
        lambda: seed(
            database_url,
            queue="Bench",
            description="chat_loop benchmark",
            agents=args.agents,
            capacity={"chat": capacity},
        )
    )
    server = start_server(tmp, database_url, args.bus_url, args.log_level)
    result: RunResult | None = None
    profiler = start_profiler(server.proc.pid, args.profile, rate=100)
    try:
        print(f"server {server.base} (pid {server.proc.pid}); running ...", flush=True)
        result = await run_chat(args, server, database_url)
    finally:
        stop_profiler(profiler)
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
    return run_main(amain(parse_args()))


if __name__ == "__main__":
    raise SystemExit(main())
