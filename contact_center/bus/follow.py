"""``follow()``: the one way a long-running loop consumes bus events.

Router wake-ups, the viewer registry, the supervisor feed, the webhook recorder and
the phone bridge all follow the bus the same way:

- events come from the node's dispatcher, in position order, no duplicates;
- a failing handler is logged and the loop goes on with the next event;
- **resume**: the loop remembers the last position it handled; if it falls behind
  (its buffer passes ``limit_bytes``) it re-attaches *since that position* and gets
  the rest from the database outbox, so nothing is skipped;
- **lag**, the one documented way: when that is impossible (the outbox was pruned
  past the resume point, or the dispatcher had to resync), ``on_lag()`` is called so
  the consumer rebuilds from the database (the router wakes, the supervisor feed
  recomputes), and following continues from now;
- errors re-attaching back off exponentially with jitter.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING

from contact_center.aio import raise_if_cancelled
from contact_center.bus.base import ResumeGap
from contact_center.bus.sink import RESYNC, Sink

if TYPE_CHECKING:
    from contact_center.bus.base import BusEvent
    from contact_center.bus.dispatch import Dispatcher

log = logging.getLogger(__name__)
FOLLOW_LIMIT_BYTES = 64 * 1024 * 1024


async def follow(
    dispatcher: Dispatcher,
    name: str,
    handle: Callable[[BusEvent], Awaitable[None] | None],
    *,
    topics: Iterable[str] = ("*",),
    types: Iterable[str] | None = None,
    on_lag: Callable[[], None] | None = None,
    on_attach: Callable[[int], None] | None = None,
    limit_bytes: int = FOLLOW_LIMIT_BYTES,
) -> None:
    """Run ``handle`` for every event of ``topics`` (only ``types`` if given), forever."""
    wanted = frozenset(types) if types is not None else None
    ready = asyncio.Event()
    since: int | None = None
    failures = 0
    while True:
        raise_if_cancelled()
        sink = Sink(topics, limit_bytes=limit_bytes, notify=ready.set)
        try:
            last = await dispatcher.attach(sink, since)
            if since is None:
                last = dispatcher.delivered  # this sink gets every position after it
            failures = 0
        except ResumeGap:
            log.warning("%s: cannot resume after position %s; rebuilding from the database", name, since)
            _lagged(name, on_lag)
            since = None
            continue
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            failures += 1
            log.warning("%s: cannot follow the bus (%s); retrying", name, exc)
            await asyncio.sleep(min(10.0, 0.2 * 2 ** min(failures, 6)) * random.uniform(0.5, 1.0))
            continue
        if on_attach is not None and since is None:
            on_attach(last)  # following from ``last`` on, nothing replayed
        sink.release()
        try:
            while not sink.overflowed:
                event = sink.take()
                if event is None:
                    ready.clear()
                    await ready.wait()
                    continue
                if event.type == RESYNC:
                    _lagged(name, on_lag)
                    continue
                if event.position is not None:
                    last = event.position
                if wanted is not None and event.type not in wanted:
                    continue
                try:
                    result = handle(event)
                    if result is not None:
                        await result
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("%s: cannot handle bus event %s; going on", name, event.id)
        finally:
            dispatcher.remove(sink)
        log.warning("%s fell behind the bus; resuming from position %s via the database", name, last)
        since = last


def _lagged(name: str, on_lag: Callable[[], None] | None) -> None:
    if on_lag is not None:
        try:
            on_lag()
        except Exception:
            log.exception("%s: on_lag failed", name)
