"""Reading a bench/supervisor_push.py run: fan-out latency per change and supervisor, and the report.

For every change (a chat appears, becomes active, leaves the live list) it finds the
first snapshot version that shows it, then, per supervisor, when that supervisor
first received that version or a later one.
"""

from __future__ import annotations

import argparse
import bisect
import json
import math
from dataclasses import dataclass, field

from bench.harness import RULE, Baseline, ms3, print_header
from bench.supervisor_push_clients import Record

# A contact's progress as a snapshot shows it; it only moves forward.
APPEARED, ACTIVE, GONE = 1, 2, 3


@dataclass
class Run:
    rec: Record
    started: float = 0.0
    ended: float = 0.0
    server_cpu: float = 0.0
    client_cpu: float = 0.0
    cpu_span: float = 0.0  # the CPU figures' window: first change → end of the run
    chats: int = 0


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


def report(args: argparse.Namespace, run: Run, flat: Baseline | None, paced: Baseline | None) -> None:
    rec = run.rec
    window = run.ended - run.started
    frames = sum(1 for got in rec.received for _, t in got if run.started <= t <= run.ended)
    versions = {v for got in rec.received for v, t in got if run.started <= t <= run.ended}
    sizes = [len(rec.snapshots[v]) for v in versions if v in rec.snapshots]
    lat = fan_out_latency(rec)
    print_header(
        f"supervisor_push  {args.supervisors} supervisor sockets, {args.agents} agents, "
        f"{args.rate:g} new chats/s for {args.seconds:g} s, held {args.hold:g} s",
        "store SQLite (WAL), bus memory://",
        args.load_before,
    )
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
    print(RULE)
