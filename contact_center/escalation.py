"""SLA warnings, breaches and overflow: one timer loop on the router leader.

Every live contact in a queue with an SLA policy or a maximum wait has a few due
times (approaching and breached per target, max wait); they sit in one heap, so a
router pass pops what is due and costs nothing for the contacts that are not. The
heap is filled by a full read when the router rebuilds and kept current from bus
events: an ``interaction.updated`` marks its contact dirty and the next pass reads
just those rows back. A popped due time is re-checked in the store before anything
happens (repository/routing/sla.py), so a stale one is harmless; the full read and
the dirty rows come from repository/routing/sla_watch.py.

The order of the rules (docs/architecture.md, "Routing rules") is: SLA stages and
maximum wait as they fall due, then overflow of queues nobody can serve, then the
match of contacts to agents, with skill levels as a preference.
"""

from __future__ import annotations

import heapq
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from contact_center import metrics
from contact_center.sla_clock import due_after
from repository.core.models import utcnow
from repository.routing import sla, sla_watch
from repository.routing.sla_models import TARGETS

if TYPE_CHECKING:
    from contact_center.hub import Hub
    from contact_center.routing_state import RoutingState
    from repository.core.models import Interaction, Queue
    from repository.routing.sla_watch import EscalationConfig, Watched

# Admins change policies and queues without a bus event: re-read them this often.
CONFIG_SECONDS = 5.0
MAX_WAIT = "max_wait"


@dataclass(frozen=True, order=True)
class Due:
    at: float  # epoch seconds, the heap's order
    interaction_id: int
    version: int
    kind: str  # "approaching", "breached" or MAX_WAIT
    target: str = ""
    policy_id: int = 0
    due_at: datetime | None = None  # the target's breach time, shown on the desk


def aware(when: datetime) -> datetime:
    """SQLite hands back naive datetimes; every one in the store is UTC."""
    return when if when.tzinfo else when.replace(tzinfo=UTC)


class Escalation:
    def __init__(self, hub: Hub, clock: Callable[[], datetime] = utcnow) -> None:
        self.hub = hub
        self.clock = clock
        self.built = False
        self.config: EscalationConfig | None = None
        self._config_at = -math.inf
        self._signature: Any = None
        self._heap: list[Due] = []
        self._versions: dict[int, int] = {}
        self._rows: dict[int, Watched] = {}
        # Entries of each contact's current version still in the heap, and their sum: the
        # heap is compacted when stale entries outnumber them (amortised, never per push).
        self._counts: dict[int, int] = {}
        self._live = 0
        self.dirty: set[int] = set()

    # -- following the bus ---------------------------------------------------------------
    def apply(self, event: dict[str, Any]) -> None:
        if event.get("type") in ("interaction.updated", "offer"):
            iid = (event.get("interaction") or {}).get("id")
            if isinstance(iid, int):
                self.dirty.add(iid)

    @property
    def scheduled(self) -> int:
        """Due times held (stale entries included until they reach the top)."""
        return len(self._heap)

    def seconds_until_next(self) -> float:
        """How long the router may sleep before the next due time (inf: none)."""
        while self._heap and self._versions.get(self._heap[0].interaction_id) != self._heap[0].version:
            heapq.heappop(self._heap)
        if not self._heap:
            return math.inf
        return max(0.0, self._heap[0].at - self.clock().timestamp())

    # -- one pass ------------------------------------------------------------------------
    async def run(self, state: RoutingState) -> list[Interaction]:
        """Fire what is due and overflow unstaffed queues; returns the contacts changed."""
        await self._load()
        now = self.clock()
        changed: list[Interaction] = []
        while self._heap and self._heap[0].at <= now.timestamp():
            due = heapq.heappop(self._heap)
            if self._versions.get(due.interaction_id) != due.version:
                continue
            self._counts[due.interaction_id] -= 1
            self._live -= 1
            result = await self._fire(due, now)
            if result is not None:
                changed.append(result)
            # Whatever happened, read the row back before scheduling it again.
            self.dirty.add(due.interaction_id)
        changed.extend(await self._unstaffed(state, now))
        return changed

    async def _fire(self, due: Due, now: datetime) -> Interaction | None:
        if due.kind == MAX_WAIT:
            moved = await self.hub.db.run(sla.overflow, due.interaction_id, "max wait", now)
            if moved is not None:
                metrics.REQUEUES.labels(reason="overflow").inc()
            return moved
        assert due.due_at is not None
        return await self.hub.db.run(
            sla.record_stage, due.interaction_id, due.target, due.kind, due.due_at, due.policy_id, now
        )

    async def _unstaffed(self, state: RoutingState, now: datetime) -> list[Interaction]:
        """Contacts of queues that overflow when no agent with their skills is available."""
        moved: list[Interaction] = []
        assert self.config is not None
        for queue in self.config.queues.values():
            if not (queue.overflow_when_unstaffed and _can_overflow(queue)) or queue.id is None:
                continue
            if state.staffed(queue.required_skills):
                continue
            for contact in state.waiting_in(queue.id):
                row = self._rows.get(contact.interaction_id)
                if row is not None and row.overflowed_at is not None:
                    continue
                result = await self.hub.db.run(
                    sla.overflow, contact.interaction_id, "no agent available", now
                )
                if result is not None:
                    metrics.REQUEUES.labels(reason="overflow").inc()
                    moved.append(result)
                self.dirty.add(contact.interaction_id)
        return moved

    # -- memory --------------------------------------------------------------------------
    async def _load(self) -> None:
        if self.config is None or time.monotonic() - self._config_at > CONFIG_SECONDS:
            self.config = await self.hub.db.run(sla_watch.read_config)
            self._config_at = time.monotonic()
            signature = _signature(self.config)
            if signature != self._signature:
                self.built = False  # new targets apply to contacts already waiting: read them all
            self._signature = signature
        if not self.built:
            self.dirty.clear()
            rows = await self.hub.db.run(sla_watch.watched, self.config.timed_queues())
            self._heap.clear()
            self._rows.clear()
            self._versions.clear()  # nothing stale is left to tell apart
            self._counts.clear()
            self._live = 0
            for row in rows:
                self._schedule(row)
            self.built = True
            return
        if self.dirty:
            ids, self.dirty = self.dirty, set()
            fresh = await self.hub.db.run(sla_watch.watched, self.config.timed_queues(), ids)
            by_id = {r.interaction_id: r for r in fresh}
            for iid in ids:
                if iid in by_id:
                    self._schedule(by_id[iid])
                else:  # no longer live: forget it
                    # Its version stays, so entries left in the heap stay stale.
                    self._rows.pop(iid, None)
                    self._versions[iid] = self._versions.get(iid, 0) + 1
                    self._live -= self._counts.pop(iid, 0)

    def _schedule(self, row: Watched) -> None:
        iid = row.interaction_id
        version = self._versions.get(iid, 0) + 1
        self._versions[iid] = version
        self._rows[iid] = row
        self._live -= self._counts.pop(iid, 0)
        assert self.config is not None
        queue = self.config.queues.get(row.queue_id)
        if queue is None:
            return
        dues = _due_times(row, queue, self.config, version)
        for due in dues:
            heapq.heappush(self._heap, due)
        self._counts[iid] = len(dues)
        self._live += len(dues)
        if len(self._heap) > 2 * self._live + 64:
            self._heap = [d for d in self._heap if self._versions.get(d.interaction_id) == d.version]
            heapq.heapify(self._heap)


def _can_overflow(queue: Queue) -> bool:
    return queue.overflow_queue_id is not None or queue.widened_skills is not None


def _due_times(row: Watched, queue: Queue, config: EscalationConfig, version: int) -> list[Due]:
    out: list[Due] = []
    iid = row.interaction_id
    policy = config.policy_for(row.queue_id, row.tier)
    if policy is not None and policy.id is not None:
        calendar = config.calendars.get(row.queue_id) if policy.business_hours_only else None
        start = aware(row.created_at)
        for target in TARGETS:
            seconds = (
                policy.first_response_seconds if target == "first_response" else policy.resolution_seconds
            )
            if not seconds or (target, "breached") in row.fired:
                continue
            if target == "first_response" and row.first_response_at is not None:
                continue
            breach = due_after(start, seconds, calendar)
            if breach is None:
                continue
            if policy.warning_percent < 100 and (target, "approaching") not in row.fired:
                warn = due_after(start, seconds * policy.warning_percent / 100, calendar) or breach
                out.append(Due(warn.timestamp(), iid, version, "approaching", target, policy.id, breach))
            out.append(Due(breach.timestamp(), iid, version, "breached", target, policy.id, breach))
    if (
        row.status == "queued"
        and row.overflowed_at is None
        and queue.max_wait_seconds
        and _can_overflow(queue)
    ):
        at = aware(row.queued_at) + timedelta(seconds=queue.max_wait_seconds)
        out.append(Due(at.timestamp(), iid, version, MAX_WAIT))
    return out


def _signature(config: EscalationConfig) -> Any:
    """What scheduling depends on, to notice an admin's change."""
    queues = sorted(
        (
            q.id or 0,
            q.overflow_queue_id,
            q.max_wait_seconds,
            q.overflow_when_unstaffed,
            q.widened_skills is not None,
        )
        for q in config.queues.values()
    )
    policies = sorted(
        (
            p.id or 0,
            p.queue_id,
            p.tier or "",
            p.first_response_seconds,
            p.resolution_seconds,
            p.warning_percent,
            p.business_hours_only,
        )
        for group in config.policies.values()
        for p in group
    )
    calendars = sorted((h.queue_id, str(h.updated_at)) for h in config.calendars.values())
    return queues, policies, calendars
