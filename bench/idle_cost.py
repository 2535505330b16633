"""What idle widget sockets cost the server when nobody chats: CPU per second and memory per socket.

Starts the product (SQLite, ``memory://``), opens ``--idle`` widget sockets that behave
like the shipped widget (``bench/harness/idle_widgets.py``: hello, then a ping every
25 s from a random phase), waits one heartbeat period, then measures the server's CPU
over ``--seconds`` with no messages at all, next to the same with no idle sockets (the
server's own background: router ticks, presence, outbox polls). Also prints the server's
garbage-collection pauses before and after the window.

    python bench/idle_cost.py --idle 10000

Not part of the test run. Figures: bench/README.md (fanout.py, third session).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import print_header, proc_cpu_seconds, run_main, seed, start_server, stop_server, wait_http  # noqa: E402
from bench.harness.idle_widgets import PING_SECONDS, IdleWidgets  # noqa: E402
from bench.harness.process import raise_open_files_limit, rss_kib  # noqa: E402
from bench.harness.report import gc_pauses, load_average  # noqa: E402


async def one_level(idle: int, seconds: float) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="cc-bench-idle-"))
    try:
        url = f"sqlite:///{tmp / 'data' / 'cc.db'}"
        seed(url, queue="General", description="idle cost", agents=2, capacity={"chat": 3})
        server = start_server(tmp, url, "memory://", "WARNING")
        await wait_http(server.base + "/healthz", 60, server.proc)
        widgets = IdleWidgets(server.ws_base + "/channels/webchat/ws")
        rss0 = rss_kib(server.proc.pid)
        await widgets.open(idle)
        await asyncio.sleep(PING_SECONDS if idle else 2)  # every idle socket is pinging
        grown = rss_kib(server.proc.pid) - rss0
        before = gc_pauses(server.base)
        cpu0, started = proc_cpu_seconds(server.proc.pid), time.monotonic()
        pings0 = widgets.pings
        await asyncio.sleep(seconds)
        cpu = proc_cpu_seconds(server.proc.pid) - cpu0
        elapsed = time.monotonic() - started
        memory = f", RSS {grown / idle:.1f} KiB per socket" if idle else ""
        print(
            f"{idle:,} idle widgets: server CPU {cpu / elapsed * 1000:.1f} ms/s, "
            f"{widgets.pings - pings0:,} pings in the window, {widgets.late} answered after 10 s{memory}"
        )
        print(f"  before the window: {before}\n  after it:          {gc_pauses(server.base)}", flush=True)
        await widgets.close()
        stop_server(server)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--idle", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    raise_open_files_limit(args.idle + 300)
    load_before = load_average()
    print_header("Idle cost: widget sockets open, nobody chatting", "SQLite, memory://", load_before)
    await one_level(0, args.seconds)
    await one_level(args.idle, args.seconds)
    print(f"load average before {load_before}, after {load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main()))
