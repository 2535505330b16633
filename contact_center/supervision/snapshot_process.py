"""Supervisor snapshots computed in a child process, away from the chat loop's GIL.

At tier-C size (1,000 agents, 3,000 live chats) one snapshot is 0.4–0.5 s of pure
Python. In a worker thread it shares the interpreter lock with the event loop, and the
loop, which gives the lock up at every socket read and write, waits up to a switch
interval (5 ms) to get it back each time: a chat message that needs a dozen such
hand-overs is delayed by the whole snapshot. bench/tier_c.py measured p99 1.4 s at
300 msg/s that way. A process has its own interpreter lock, so the operating system
shares the CPU between them at its usual fine grain and the loop is never convoyed.

The child opens its own read connections to the CCR (a file or a server: an in-memory
SQLite store is private to its process, so it keeps the thread) and keeps the feed's
status-line cache (status_cache.py) between snapshots, as the thread did. It encodes
the frame itself, so the parent receives text and only prefixes the version.

It starts on the first snapshot anyone asks for (most nodes of a test run, and nodes
no supervisor watches, never spawn it), uses ``spawn`` (forking a process that runs
an event loop and threads is unsafe), and is replaced if it dies. It exits when the
parent does, even after kill -9 (it watches its parent).
"""

from __future__ import annotations

import asyncio
import json
import logging
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

log = logging.getLogger(__name__)
PARENT_CHECK_SECONDS = 1.0

# The child's own store handle and status-line cache (module globals of the child only).
_child: dict[str, Any] = {}


def in_memory(url: str) -> bool:
    """A store no other process can open (each process would get an empty one)."""
    return url.startswith("sqlite") and (url.rstrip("/") in ("sqlite:", "sqlite:/") or "memory" in url)


def _start_child(url: str) -> None:
    from contact_center.supervision.status_cache import StatusLineCache
    from repository.db import Database

    _child["db"] = Database(url)
    _child["status"] = StatusLineCache()
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()


def _exit_with_parent(parent: int) -> None:
    # A parent killed with -9 cannot stop its child, and the child's pipe stays open (the
    # pool's resource tracker holds it): leave as soon as the parent is gone.
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(0)


def _snapshot_text(capacity: dict[str, int]) -> tuple[str, float]:
    """In the child: (the snapshot's fields as JSON text, CPU seconds they took)."""
    from contact_center.supervision.snapshot import compute
    from repository.core.models import utcnow

    started = time.process_time()
    data = compute(_child["db"], utcnow(), capacity, _child["status"])
    text = json.dumps(data, separators=(",", ":"), default=str)
    return text, time.process_time() - started


class SnapshotProcess:
    """One child process per feed, started on first use, replaced if it dies."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._pool: ProcessPoolExecutor | None = None

    async def fields(self, capacity: dict[str, int]) -> tuple[str, float]:
        """(the snapshot's fields as JSON text, the child's CPU seconds for them).

        The CPU time, not the wall time, is what the feed's duty cycle should bound:
        the wall time of the first call includes starting the child.
        """
        loop = asyncio.get_running_loop()
        for attempt in (1, 2):
            pool = self._ensure()
            try:
                return await loop.run_in_executor(pool, _snapshot_text, dict(capacity))
            except BrokenProcessPool:
                # The child died (killed, out of memory): a new one rebuilds its cache.
                log.warning("supervisor snapshot process died; starting a new one")
                self._discard()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _ensure(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_child,
                initargs=(self.url,),
            )
        return self._pool

    def _discard(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        """Stop the child (a snapshot it is computing is abandoned)."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        processes = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            # Do not wait up to a snapshot's length for it to notice: shutdown is now.
            process.terminate()
