"""Watching processes while a bench runs: CPU time, memory, a py-spy profiler, the event loop.

CPU is read from ``/proc`` (Linux), so the server's share of a core can be printed
beside its throughput; the bench's own CPU shows whether the client was the limit.
"""

from __future__ import annotations

import asyncio
import os
import resource
import signal
import subprocess
import time
from collections.abc import Coroutine
from contextlib import suppress
from pathlib import Path
from typing import Any


def proc_cpu_seconds(pid: int) -> float:
    """user+system CPU time of a process and its threads, from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def raise_open_files_limit(needed: int) -> None:
    """Soft ``ulimit -n`` up to the hard limit; the server and the baseline inherit it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if hard != resource.RLIM_INFINITY and hard < needed:
        print(f"warning: ulimit -n is {hard}; {needed:,} sockets will not all open", flush=True)


def rss_kib(pid: int) -> int:
    """Resident memory of a process, KiB, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def self_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def profile_format(path: str) -> str:
    """py-spy's output format from the file name: .svg flame graph, .json speedscope, else raw."""
    return {".svg": "flamegraph", ".json": "speedscope"}.get(Path(path).suffix, "raw")


def start_profiler(
    pid: int, path: str | None, *, rate: int, settle: float = 0.0
) -> subprocess.Popen[bytes] | None:
    """``py-spy record`` on ``pid`` into ``path`` (None: no profiling); ``settle`` s to attach."""
    if not path:
        return None
    proc = subprocess.Popen(
        [
            "py-spy",
            "record",
            "--pid",
            str(pid),
            # Sampling without stopping the server, and only the thread that holds
            # the GIL: that is where a single-process server's CPU goes.
            "--rate",
            str(rate),
            "--nonblocking",
            "--gil",
            "--format",
            profile_format(path),
            "--output",
            path,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    if settle:
        time.sleep(settle)
    return proc


def stop_profiler(proc: subprocess.Popen[bytes] | None) -> None:
    """SIGINT makes py-spy write its file; give it a minute to do so."""
    if proc is not None:
        proc.send_signal(signal.SIGINT)
        with suppress(subprocess.TimeoutExpired):
            proc.wait(60)


def run_main(main: Coroutine[Any, Any, int]) -> int:
    """Run the bench's coroutine on uvloop when installed (as ``contact-center serve`` does)."""
    with suppress(ImportError):
        import uvloop

        uvloop.install()
    return asyncio.run(main)
