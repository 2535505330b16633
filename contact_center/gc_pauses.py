"""How long the garbage collector stops the event loop, on /metrics and in the log.

A full (generation 2) collection walks every tracked object created since start-up:
with thousands of open sockets that is over a million objects and can stop every
chat on the node for a second. ``serve`` freezes what start-up created
(serving.FreezingServer); this shows what the rest still costs, so an operator can
tell a collector pause from a slow database: ``cc_gc_pause_seconds{generation}``,
and a warning for any pause over ``SLOW_PAUSE_SECONDS``.
"""

from __future__ import annotations

import gc
import logging
import time
from typing import Any

from contact_center import metrics

log = logging.getLogger(__name__)
SLOW_PAUSE_SECONDS = 0.25
_started: list[float] = []


def _on_collection(phase: str, info: dict[str, Any]) -> None:
    if phase == "start":
        _started[:] = [time.perf_counter()]
        return
    if not _started:
        return
    pause = time.perf_counter() - _started.pop()
    generation = int(info.get("generation", 0))
    metrics.GC_PAUSE.labels(generation=str(generation)).observe(pause)
    if pause >= SLOW_PAUSE_SECONDS:
        log.warning(
            "garbage collection (generation %s) paused the event loop %.0f ms; %s objects tracked",
            generation,
            pause * 1000,
            f"{len(gc.get_objects(generation)):,}" if generation < 2 else "many",
        )


def watch() -> None:
    """Start timing collections (idempotent)."""
    if _on_collection not in gc.callbacks:
        gc.callbacks.append(_on_collection)


def unwatch() -> None:
    """Stop timing collections (tests; a serving process keeps the watch for its life)."""
    if _on_collection in gc.callbacks:
        gc.callbacks.remove(_on_collection)
    _started.clear()
