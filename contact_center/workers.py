"""``contact-center serve --workers N``: N processes on one box, one listening socket.

Each worker is a whole node (its own event loop, bus reader, outbox relay, presence
keeper and router standby), exactly as if N machines ran ``serve`` behind a load
balancer, so they must share what nodes share: the bus (Redis; memory:// lives
inside one process) and the database. One worker leads the router under the Redis
lease; the others stand by. The parent binds the socket once and forks the workers,
which all accept on it (the kernel spreads connections), then watches them: a worker
that dies is replaced, and SIGTERM or SIGINT stops them all.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import time
from collections.abc import Callable

log = logging.getLogger(__name__)
RESTART_BACKOFF_SECONDS = 1.0


class WorkersNeedSharedBus(Exception):
    """--workers with the memory:// bus: each process would have its own, unshared."""


def check_backends(bus_url: str, database_url: str, workers: int) -> None:
    if workers > 1 and not bus_url.startswith(("redis://", "rediss://")):
        raise WorkersNeedSharedBus(
            f"--workers {workers} needs BUS_URL=redis://… so the workers share one event stream; "
            "memory:// lives inside one process (docs/operations.md, 'Several workers on one box')"
        )


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def run_workers(count: int, sock: socket.socket, serve: Callable[[socket.socket], None]) -> int:
    """Fork ``count`` workers that each run ``serve(sock)``; keep them running until told to stop."""
    stopping = False
    children: dict[int, int] = {}  # pid → worker number

    def spawn(number: int) -> None:
        pid = os.fork()
        if pid == 0:  # the worker: default signal handling, then serve until told to stop
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            code = 0
            try:
                serve(sock)
            except BaseException:
                log.exception("worker %s failed", number)
                code = 1
            os._exit(code)
        children[pid] = number

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for number in range(count):
        spawn(number)
    log.warning("serving with %s workers: %s", count, ", ".join(str(p) for p in children))
    while children:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        except InterruptedError:
            continue
        exited = children.pop(pid) if pid in children else None
        if exited is None or stopping:
            continue
        log.error("worker %s (pid %s) exited with %s; starting a new one", exited, pid, status)
        time.sleep(RESTART_BACKOFF_SECONDS)
        spawn(exited)
    sock.close()
    return 0
