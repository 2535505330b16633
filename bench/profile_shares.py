"""Shares of a py-spy raw profile by component of the server.

    py-spy record --pid <server> --rate 200 --nonblocking --gil --format raw --output hot.txt
    python bench/profile_shares.py hot.txt

Each stack counts once, for the first component (in the order below) that any of its
frames belongs to; a worker thread's stack counts as a thread hop only when none of the
work it ran matches a component. Used for the hot-path profiles in bench/README.md.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from collections.abc import Iterator

COMPONENTS = [
    ("supervisor feed (snapshot recompute)", r"contact_center/supervision/"),
    ("outbox head reads (router catch-up, watchdog)", r"head \([^)]*outbox\.py"),
    ("relay: outbox position transaction", r"assign \([^)]*outbox\.py|bus/relay\.py"),
    ("lean ingest + group commit", r"chat_append\.py|group_commit\.py"),
    (
        "ORM ingest (openers) and lifecycle",
        r"repository/core/(ingest|lifecycle|pending|queries)\.py|channels/webchat",
    ),
    ("router pass", r"contact_center/router\.py|routing_state\.py|repository/routing/|escalation\.py"),
    ("heartbeat writes", r"heartbeat \([^)]*directory/agents\.py|beat_now|beat_arrival|_write_arrivals"),
    (
        "dispatch + outlets: translate, encode, send",
        r"contact_center/(bus/(dispatch|outlet|sink|memory|follow)|frames)\.py|agent_ui/desk/|webhooks/",
    ),
    ("thread hops (worker threads, hand-offs)", r"anyio/|WorkerThread|threading\.py|queue\.py"),
    ("uvicorn / websockets protocol", r"uvicorn/|websockets/"),
]
OTHER = "event loop, other"


def stacks(path: str) -> Iterator[tuple[str, int]]:
    """(stack, samples) from py-spy's raw format; a frame's text may span lines."""
    pending = ""
    with open(path, encoding="utf-8", errors="replace") as lines:
        for line in lines:
            pending += line.rstrip("\n")
            stack, _, count = pending.rpartition(" ")
            if count.isdigit() and stack:
                yield stack, int(count)
                pending = ""


def shares(path: str) -> tuple[int, Counter[str]]:
    patterns = [(name, re.compile(rule)) for name, rule in COMPONENTS]
    counts: Counter[str] = Counter()
    total = 0
    for stack, samples in stacks(path):
        total += samples
        name = next((name for name, rule in patterns if rule.search(stack)), OTHER)
        counts[name] += samples
    return total, counts


def main() -> int:
    for path in sys.argv[1:]:
        total, counts = shares(path)
        print(f"{path}: {total} samples")
        for name in [n for n, _ in COMPONENTS] + [OTHER]:
            print(f"  {100 * counts[name] / max(1, total):5.1f}%  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
