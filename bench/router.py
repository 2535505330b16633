"""The incremental router at a 1,000-agent scale: one decision, one idle node, next to one claim.

Seeds a store (bench/router_seed.py; SQLite in a temp dir, or a scratch PostgreSQL database) with two queues
(one needs the skill "billing", both boost tiers), ``--agents`` available agents (chat
capacity 3, half with "billing") and ``--waiting`` queued chats from customers of every
tier, then measures, in one run:

1. **rebuild**: the full read the router does at start and on taking the lead;
2. **decisions** (``RoutingState.next_proposal``, in-process, no I/O):
   - *fill*: agents all free, decide until every slot is taken (3 × agents decisions);
   - *steady*: every agent full; free one slot (a close event applied), then decide —
     what the router does on each close, with every contact still waiting;
3. **an idle pass** (``Router.route_once`` with memory://, nothing to do, all waiting)
   next to **the snapshot pass this replaces** (``routing_snapshot`` + ``plan``);
4. **the raw baseline**: ``lifecycle.claim`` alone, one transaction per contact, and a
   raw SQLite commit;
5. **idle CPU of a real node**: ``contact-center serve`` on the same store with every
   contact waiting and no agent online, CPU seconds over ``--idle-seconds`` (after a
   warm-up that includes its rebuild), from /proc.

    python bench/router.py                         # 1,000 agents, 10,000 waiting, SQLite
    python bench/router.py --database-url postgresql://postgres@127.0.0.1:5432/postgres

Not part of the test run. Figures: bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.harness import (  # noqa: E402
    RULE,
    drop_postgres,
    load_average,
    ms3,
    pct,
    print_header,
    proc_cpu_seconds,
    run_main,
    scratch_postgres,
    sqlite_commit_rate,
    start_server,
    stop_server,
    wait_http,
)
from bench.router_seed import seed, set_presence_all  # noqa: E402


def us3(values: list[float]) -> str:
    """Seconds as ``p50 / p99 / max µs`` (decisions are far below a millisecond)."""
    return f"{pct(values, 50) * 1e6:.0f} / {pct(values, 99) * 1e6:.0f} / {max(values) * 1e6:.0f} µs"


def decisions(url: str, agents: int) -> None:
    from contact_center.router import RESYNC_SECONDS
    from contact_center.routing import Selector
    from contact_center.routing_state import PassCursor, RoutingState
    from repository import Database
    from repository.core.models import utcnow
    from repository.routing import reads as routing_reads

    db = Database(url)
    cpu = time.process_time()
    started = time.perf_counter()
    rows = routing_reads.full_read(db, 7200)
    read = time.perf_counter() - started
    state = RoutingState({"chat": 3})
    started = time.perf_counter()
    state.load(rows)
    loaded = time.perf_counter() - started
    cpu = time.process_time() - cpu
    db.dispose()
    # The idle window below does not include one; say what the periodic re-read adds on average.
    print(
        f"periodic full re-read (every {RESYNC_SECONDS:.0f} s): {cpu:.2f} CPU s in this process each, "
        f"= {100 * cpu / RESYNC_SECONDS:.2f}% of a core on average"
    )
    print(
        f"rebuild: full read {read * 1000:.0f} ms + load into memory {loaded * 1000:.0f} ms "
        f"({len(state.contacts)} waiting, {len(state.agents)} agents)"
    )
    selector, now = Selector(), utcnow()
    fill: list[float] = []
    cursor = PassCursor()
    held: list[tuple[int, int]] = []
    while True:
        t0 = time.perf_counter()
        proposal = state.next_proposal(now, selector, cursor)
        fill.append(time.perf_counter() - t0)
        if proposal is None:
            break
        state.claimed(proposal, now)
        held.append((proposal.interaction_id, proposal.agent_id))
    state.end_pass(cursor)
    print(f"decisions, fill ({len(held)} offers, agents all free at start): {us3(fill)}")
    rng = random.Random(7)
    steady: list[float] = []
    for _ in range(3000):
        i = rng.randrange(len(held))
        iid, agent_id = held[i]
        t0 = time.perf_counter()
        state.apply(
            {
                "type": "interaction.updated",
                "interaction": {"id": iid, "status": "closed", "agent_id": agent_id, "channel": "chat"},
            }
        )
        cursor = PassCursor()
        proposal = state.next_proposal(now, selector, cursor)
        state.end_pass(cursor)
        steady.append(time.perf_counter() - t0)
        if proposal is not None:
            state.claimed(proposal, now)
            held[i] = (proposal.interaction_id, proposal.agent_id)
    print(f"decisions, steady (free one slot, decide; {len(state.contacts)} still waiting): {us3(steady)}")


async def passes(url: str) -> None:
    from channels.base import ChannelRegistry
    from channels.webchat.plugin import CHAT
    from config import load_settings
    from contact_center.bus import create_bus
    from contact_center.hub import Hub
    from contact_center.router import Router
    from contact_center.routing import Selector, plan
    from repository import Database
    from repository.core import lifecycle, routing_queries
    from repository.core.models import utcnow

    settings = load_settings(
        environ={"DATABASE_URL": url, "SECRET_KEY": "bench", "DATA_DIR": tempfile.mkdtemp()}, env_file=None
    )
    db = Database(url)
    set_presence_all(url, "away")  # nobody free: every pass finds all waiting and nothing to do
    bus = create_bus("memory://")
    await bus.connect()
    channels = ChannelRegistry()
    channels.declare(CHAT)  # the contacts here are chats; no adapter is mounted
    hub = Hub(settings, db, bus, channels)
    if hasattr(hub, "start"):
        await hub.start()
    router = Router(hub)
    await router.route_once()  # the rebuild
    idle = []
    for _ in range(50):
        t0 = time.perf_counter()
        await router.route_once()
        idle.append(time.perf_counter() - t0)
    heap = router.escalation.scheduled
    print(
        f"idle pass, incremental router (expire + release checks, catch-up, escalation, decide): {ms3(idle)}"
    )
    print(f"  escalation heap: {heap} due times")
    await router.stop()
    if hasattr(hub, "stop"):
        await hub.stop()
    await bus.disconnect()
    set_presence_all(url, "available")
    old = []
    for _ in range(5):
        t0 = time.perf_counter()
        queued, agents = routing_queries.routing_snapshot(db, 7200)
        plan(queued, agents, utcnow(), hub.channels.capacity, Selector())
        old.append(time.perf_counter() - t0)
    print(f"the snapshot pass it replaces (routing_snapshot + plan, {len(queued)} waiting): {ms3(old)}")
    claims = []
    for contact, agent in zip(queued[:300], [a for a in agents for _ in range(3)][:300], strict=False):
        t0 = time.perf_counter()
        lifecycle.claim(
            db, contact.interaction_id, agent.agent_id, reserve_seconds=3600, defaults={"chat": 3}
        )
        claims.append(time.perf_counter() - t0)
    print(f"raw baseline: one claim transaction alone ({len(claims)} claims): {ms3(claims)}")
    db.dispose()


async def idle_cpu(url: str, bus_url: str, seconds: float) -> None:
    set_presence_all(url, "offline")
    tmp = Path(tempfile.mkdtemp(prefix="cc-bench-router-"))
    server = start_server(tmp, url, bus_url, "WARNING", ROUTER_TICK_SECONDS="1")
    try:
        await wait_http(server.base + "/healthz", 120, server.proc)
        await asyncio.sleep(10)  # start-up, the first pass and its rebuild
        before = proc_cpu_seconds(server.proc.pid)
        await asyncio.sleep(seconds)
        used = proc_cpu_seconds(server.proc.pid) - before
    finally:
        stop_server(server)
    print(
        f"idle node, all waiting, nobody online: {used:.2f} CPU s over {seconds:.0f} s "
        f"= {100 * used / seconds:.2f}% of one core"
    )


async def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--waiting", type=int, default=10_000)
    parser.add_argument("--idle-seconds", type=float, default=30.0)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--bus-url", default="memory://")
    parser.add_argument("--sla", action="store_true", help="an SLA policy and a maximum wait on the queues")
    args = parser.parse_args()
    load_before = load_average()
    scratch = None
    if args.database_url:
        url, scratch = scratch_postgres(args.database_url)
    else:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='cc-bench-router-')}/cc.db"
    try:
        commits = sqlite_commit_rate(2.0)
        t0 = time.perf_counter()
        seed(url, args.agents, args.waiting, args.sla)
        print(
            f"seeded {args.agents} agents and {args.waiting} waiting chats in {time.perf_counter() - t0:.1f} s"
        )
        decisions(url, args.agents)
        await passes(url)
        print(f"raw baseline: SQLite single-row commit, WAL, synchronous=NORMAL: {commits:,.0f}/s")
        await idle_cpu(url, args.bus_url, args.idle_seconds)
        print_header(
            f"router: {args.agents} agents, {args.waiting} waiting{', SLA policies' if args.sla else ''}",
            "PostgreSQL" if scratch else "SQLite",
            load_before,
        )
        print(RULE)
    finally:
        if scratch:
            drop_postgres(args.database_url, scratch)
    return 0


if __name__ == "__main__":
    raise SystemExit(run_main(main()))
