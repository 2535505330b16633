"""The routing loop: expire, release, match, claim, offer. Survives any one bad pass.

It holds no queue in memory: every pass reads the waiting contacts from the CCR, so
a restart (or a standby taking over the lease) loses nothing.
"""

from __future__ import annotations

import asyncio
import logging
import time
from contextlib import suppress
from typing import TYPE_CHECKING

from contact_center import metrics
from contact_center.aio import wait_event
from contact_center.bus.follow import follow
from contact_center.coordination import Leadership, SoleLeader
from contact_center.routing import Selector, estimate_wait, plan, queue_positions
from repository import lifecycle, queries, requeue
from repository.directory import list_queues
from repository.models import utcnow

if TYPE_CHECKING:
    from contact_center.hub import Hub

log = logging.getLogger(__name__)
# Bus events after which a routing pass may find new work: a contact created, requeued,
# transferred or closed (capacity freed), or an agent's presence changing.
WAKING_EVENTS = frozenset({"interaction.updated", "agent.presence"})


class Router:
    def __init__(self, hub: Hub, leadership: Leadership | None = None) -> None:
        self.hub = hub
        self.settings = hub.settings
        self.leadership = leadership or SoleLeader()
        self.selector = Selector()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._follower: asyncio.Task[None] | None = None
        self._positions: dict[int, tuple[int, int]] = {}
        self._handle_cache: dict[int, tuple[float, float]] = {}
        hub.on_routable_change(self.wake)

    def wake(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        if isinstance(self.leadership, SoleLeader):
            # A single node that restarted: nobody can be looking at an old offer.
            for interaction, agent_id in await self.hub.run_db(requeue.release_all_reservations):
                await self.hub.publish_requeued(interaction, agent_id, "server restarted")
        else:
            # Several nodes: a contact stored or an agent freed on another node must wake
            # the leader now, not at its next tick. The bus carries those changes.
            self._follower = asyncio.create_task(self._follow_bus(), name="router-bus")
        self._task = asyncio.create_task(self._run(), name="router")

    async def stop(self) -> None:
        for task in (self._task, self._follower):
            if task is not None:
                task.cancel()
                with suppress(asyncio.CancelledError):
                    await task
        await self.leadership.resign()

    async def _follow_bus(self) -> None:
        # Lag: a pass reads everything from the CCR, so waking is all a missed event needs.
        await follow(
            self.hub.dispatcher, "router", lambda _event: self.wake(), types=WAKING_EVENTS, on_lag=self.wake
        )

    async def _run(self) -> None:
        while True:
            with suppress(TimeoutError):
                await wait_event(self._wake, self.settings.router_tick_seconds)
            self._wake.clear()
            try:
                if await self.leadership.try_lead():
                    await self.route_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("router pass failed; the next pass retries")
                await asyncio.sleep(0.2)

    async def route_once(self) -> int:
        """One routing pass. Returns how many offers it made."""
        started = time.perf_counter()
        hub = self.hub
        for interaction, agent_id in await hub.run_db(requeue.expire_reservations):
            metrics.REQUEUES.labels(reason="timeout").inc()
            await hub.publish_requeued(interaction, agent_id, "reservation timed out")
        for agent_id, held in await hub.run_db(
            requeue.release_disconnected_agents, self.settings.agent_disconnect_grace_seconds
        ):
            await hub.publish({"type": "agent.presence", "agent_id": agent_id, "presence": "offline"})
            for interaction in held:
                metrics.REQUEUES.labels(reason="disconnect").inc()
                await hub.publish_requeued(interaction, agent_id, "agent disconnected")
        queued, agents = await hub.run_db(
            queries.routing_snapshot, self.settings.agent_disconnect_grace_seconds
        )
        metrics.AGENTS_AVAILABLE.set(len(agents))
        now = utcnow()
        offers = 0
        claimed_ids: set[int] = set()
        for proposal in plan(queued, agents, now, self.settings.default_capacity, self.selector):
            try:
                interaction = await hub.run_db(
                    lifecycle.claim,
                    proposal.interaction_id,
                    proposal.agent_id,
                    reserve_seconds=self.settings.reservation_timeout_seconds,
                    defaults=self.settings.default_capacity,
                )
                if interaction is None:
                    continue
                offers += 1
                claimed_ids.add(interaction.id)
                metrics.OFFERS.labels(queue=str(proposal.queue_id)).inc()
                await hub.publish_offer(interaction)
            except Exception:
                # One bad contact must not stop everyone queued behind it.
                log.exception(
                    "router: cannot offer interaction %s; skipping it this pass", proposal.interaction_id
                )
        await self._publish_positions([q for q in queued if q.interaction_id not in claimed_ids], agents)
        metrics.ROUTER_PASS.observe(time.perf_counter() - started)
        return offers

    async def _publish_positions(
        self, waiting: list[queries.QueuedContact], agents: list[queries.AgentState]
    ) -> None:
        """Tell each waiting customer where they stand, when that changed."""
        positions = queue_positions(waiting, utcnow())
        depth: dict[int, int] = {}
        for queue_id, _ in positions.values():
            depth[queue_id] = depth.get(queue_id, 0) + 1
        for queue in await self.hub.run_db(list_queues):
            metrics.QUEUE_DEPTH.labels(queue=queue.name).set(depth.get(queue.id, 0))  # type: ignore[arg-type]
        by_id = {q.interaction_id: q for q in waiting}
        for interaction_id, (queue_id, position) in positions.items():
            handle = await self._average_handle(queue_id)
            wait = estimate_wait(
                by_id[interaction_id], position, agents, handle, self.settings.default_capacity
            )
            if self._positions.get(interaction_id) == (position, wait):
                continue
            self._positions[interaction_id] = (position, wait)
            await self.hub.publish(
                {
                    "type": "queue.position",
                    "interaction_id": interaction_id,
                    "queue_id": queue_id,
                    "position": position,
                    # -1: nobody who could answer is online, so no honest estimate exists.
                    "estimated_wait_seconds": wait,
                }
            )
        for gone in set(self._positions) - set(positions):
            del self._positions[gone]

    async def _average_handle(self, queue_id: int) -> float:
        cached = self._handle_cache.get(queue_id)
        if cached and time.monotonic() - cached[0] < 30:
            return cached[1]
        value: float = await self.hub.run_db(queries.average_handle_seconds, queue_id)
        self._handle_cache[queue_id] = (time.monotonic(), value)
        return value
