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

from websockets.asyncio.client import ClientConnection  # noqa: E402

from bench.harness import (  # noqa: E402
    broadcast_baseline,
    load_average,
    login,
    proc_cpu_seconds,
    run_main,
    seed,
    self_cpu_seconds,
    start_server,
    stop_server,
    wait_http,
)
from bench.supervisor_push_clients import (  # noqa: E402
    Agent,
    Record,
    read_supervisor,
    supervisor_socket,
    visitor_opens_chat,
)
from bench.supervisor_push_report import Run, report  # noqa: E402


async def run_product(args: argparse.Namespace, tmp: Path) -> Run:
    database_url = f"sqlite:///{tmp / 'data' / 'contact_center.db'}"
    capacity = max(2, math.ceil(args.rate * (args.hold + 3) / args.agents) + 1)
    print(f"seeding 1 queue, {args.agents} agents (chat capacity {capacity}), 1 supervisor ...", flush=True)
    await asyncio.to_thread(
        lambda: seed(
            database_url,
            queue="Bench",
            description="supervisor_push benchmark",
            agents=args.agents,
            capacity={"chat": capacity},
            supervisor="supbench",
            wrapup_code="resolved",
        )
    )
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
    return run_main(amain(parse_args()))


if __name__ == "__main__":
    raise SystemExit(main())
