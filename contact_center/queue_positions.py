"""Where each waiting customer stands, pushed as ``queue.position`` when it changes.

Positions move only when contacts join or leave or agents come and go (the order is
time-invariant, see ``routing.priority_key``), so they are worked out only after the
router's memory changed, and at most once per ``MIN_INTERVAL`` so a busy queue of
thousands does not re-sort itself on every offer.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING

from contact_center import metrics
from contact_center.routing import priority_key
from repository.core import routing_queries
from repository.core.models import stored_id
from repository.directory import list_queues

if TYPE_CHECKING:
    from contact_center.hub import Hub
    from contact_center.routing_state import RoutingState

MIN_INTERVAL = 1.0
HANDLE_CACHE_SECONDS = 30.0


class PositionPublisher:
    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self._sent: dict[int, tuple[int, int]] = {}
        self._handle: dict[int, tuple[float, float]] = {}
        self._last = 0.0

    def forget(self) -> None:
        """After losing the lead: the next leader tells customers; start afresh if we lead again."""
        self._sent.clear()

    async def publish(self, state: RoutingState, *, force: bool = False) -> None:
        if not state.positions_dirty or (not force and time.monotonic() - self._last < MIN_INTERVAL):
            return
        state.positions_dirty = False
        self._last = time.monotonic()
        by_queue: dict[int, list[tuple[tuple[float, float, int], int]]] = {}
        for iid, queued in state.contacts.items():
            by_queue.setdefault(queued.queue_id, []).append((priority_key(queued), iid))
        for queue in await self.hub.db.run(list_queues):
            metrics.QUEUE_DEPTH.labels(queue=queue.name).set(len(by_queue.get(stored_id(queue), ())))
        staffed: dict[tuple[frozenset[str], str], int] = {}
        current: set[int] = set()
        for queue_id, entries in by_queue.items():
            entries.sort()
            handle = await self._average_handle(queue_id)
            for position, (_, iid) in enumerate(entries, start=1):
                current.add(iid)
                contact = state.contacts.get(iid)
                if contact is None:  # left while we awaited the handle time
                    continue
                skills = frozenset(contact.required_skills)
                if (skills, contact.channel) not in staffed:
                    staffed[(skills, contact.channel)] = sum(
                        a.capacity.get(contact.channel, state.defaults.get(contact.channel, 1))
                        for a in state.agents.values()
                        if skills <= a.skills
                    )
                capacity = staffed[(skills, contact.channel)]
                # -1: nobody who could answer is online, so no honest estimate exists.
                wait = math.ceil(position * handle / capacity) if capacity else -1
                if self._sent.get(iid) == (position, wait):
                    continue
                self._sent[iid] = (position, wait)
                await self.hub.publish(
                    {
                        "type": "queue.position",
                        "interaction_id": iid,
                        "queue_id": queue_id,
                        "position": position,
                        "estimated_wait_seconds": wait,
                    }
                )
        for gone in set(self._sent) - current:
            del self._sent[gone]

    async def _average_handle(self, queue_id: int) -> float:
        cached = self._handle.get(queue_id)
        if cached and time.monotonic() - cached[0] < HANDLE_CACHE_SECONDS:
            return cached[1]
        value: float = await self.hub.db.run(routing_queries.average_handle_seconds, queue_id)
        self._handle[queue_id] = (time.monotonic(), value)
        return value
