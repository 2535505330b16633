"""How the benches print: nearest-rank percentiles and the header every report starts with.

The header names the machine and the 1-minute load before and after the run, because
on a shared box those explain more of the spread between runs than the code does.
"""

from __future__ import annotations

import math
import os
import platform
import sqlite3
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path

RULE = "-" * 78


def pct(values: list[float], p: float) -> float:
    """The nearest-rank ``p``-th percentile (NaN for no values)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


def ms3(values: list[float]) -> str:
    """Seconds as ``p50 / p99 / max ms``."""
    if not values:
        return "n/a"
    return f"{pct(values, 50) * 1000:.1f} / {pct(values, 99) * 1000:.1f} / {max(values) * 1000:.1f} ms"


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


def print_header(title: str, store: str, load_before: str) -> None:
    """The report's opening block: what ran, on which store and bus, where, under what load."""
    print()
    print(RULE)
    print(title)
    print(f"{store}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"machine: {describe_machine()}")
    print(
        f"1-min load average before {load_before}, after {load_average()} (anything above ~1 is other work)"
    )
    print(RULE)


def gc_pauses(base: str) -> str:
    """The server's garbage-collection pauses so far, from its /metrics (contact_center/gc_pauses.py)."""
    import re

    import httpx

    text = httpx.get(base + "/metrics", timeout=10).text
    parts = []
    for generation in ("1", "2"):
        count = re.search(rf'cc_gc_pause_seconds_count\{{generation="{generation}"\}} (\S+)', text)
        total = re.search(rf'cc_gc_pause_seconds_sum\{{generation="{generation}"\}} (\S+)', text)
        under = re.search(rf'cc_gc_pause_seconds_bucket\{{generation="{generation}",le="0.25"\}} (\S+)', text)
        if count is None or total is None or under is None:
            parts.append(f"generation {generation}: none")
            continue
        n, slow = float(count.group(1)), float(count.group(1)) - float(under.group(1))
        parts.append(
            f"generation {generation}: {n:,.0f} pauses, {float(total.group(1)):.2f} s in all, {slow:.0f} over 0.25 s"
        )
    return "server GC pauses since start-up: " + "; ".join(parts)
