"""The routing loop: expire, release, match, claim, offer. Survives any one bad pass.

Waiting contacts and available agents live in memory (``routing_state``), read from
the CCR when the router starts or takes the lead and kept current from the bus; the
database is used for the atomic claim and for the few rows an event names. A pass
therefore costs the same with 10 or 10,000 contacts waiting.
"""

from __future__ import annotations

import asyncio
import logging
import time
from contextlib import suppress
from typing import TYPE_CHECKING, Any

from contact_center import metrics
from contact_center.aio import raise_if_cancelled, stop_tasks, wait_event
from contact_center.bus.follow import follow
from contact_center.coordination import Leadership, SoleLeader
from contact_center.escalation import Escalation
from contact_center.queue_positions import PositionPublisher
from contact_center.reclaim import Reclaim
from contact_center.routing import Selector
from contact_center.routing_offers import make_offers
from contact_center.routing_state import RoutingState
from repository.core.models import utcnow
from repository.core.serialize import interaction_dict
from repository.routing import fencing, requeue
from repository.routing import reads as routing_reads

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from contact_center.hub import Hub

log = logging.getLogger(__name__)
# Bus events after which a routing pass may find new work: a contact created, requeued,
# transferred or closed (capacity freed), or an agent's presence changing.
WAKING_EVENTS = frozenset({"interaction.updated", "agent.presence"})
# Re-read everything now and then: admins edit skills, capacity and queues without an
# event. A full read of 10,000 waiting costs about a CPU second (bench/router.py), so
# every 5 minutes it averages well under 1% of a core.
RESYNC_SECONDS = 300.0
# How long a pass waits for the bus reader to catch up with what was published before it.
CATCH_UP_SECONDS = 1.0


class Router:
    def __init__(
        self,
        hub: Hub,
        leadership: Leadership | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.hub = hub
        self.settings = hub.settings
        self.leadership = leadership or SoleLeader()
        self.selector = Selector()
        self.state = RoutingState(hub.channels.capacity)
        # SLA stages and overflow (docs/sla.md); ``clock`` lets tests move time on.
        self.escalation = Escalation(hub, clock)
        self.positions = PositionPublisher(hub)
        self.reclaim = Reclaim(hub, self.state)
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._follower: asyncio.Task[None] | None = None
        self._following = asyncio.Event()
        self._applied = asyncio.Event()
        self._seen = 0  # the outbox position applied last
        self._buffer: list[dict[str, Any]] | None = None
        self._built_at = 0.0
        self._pass_lock = asyncio.Lock()
        # Leadership (coordination.py): renewed by its own loop, so a standby notices a dead
        # leader within a lease whatever the routing tick. A new lease means a new fencing
        # token, written to the store before the first claim, and a full read.
        self._leading = isinstance(self.leadership, SoleLeader)
        self._token: int | None = None
        self._new_lead = True
        self._leader: asyncio.Task[None] | None = None
        hub.on_routable_change(self.wake)

    def wake(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        if isinstance(self.leadership, SoleLeader):
            # A single node that restarted: nobody can be looking at an old offer.
            for interaction, agent_id in await self.hub.db.run(requeue.release_all_reservations):
                await self.hub.publish_requeued(interaction, agent_id, "server restarted")
        await self._ensure_following()
        if not isinstance(self.leadership, SoleLeader):
            self._leader = asyncio.create_task(self._lead(), name="router-lease")
        self._task = asyncio.create_task(self._run(), name="router")

    async def stop(self) -> None:
        await stop_tasks(self._leader, self._task, self._follower)
        self._task = self._follower = self._leader = None
        await self.leadership.resign()

    # -- following the bus ---------------------------------------------------------------
    async def _ensure_following(self) -> None:
        if self._follower is None or self._follower.done():
            self._following.clear()
            self._follower = asyncio.create_task(self._follow_bus(), name="router-bus")
        await wait_event(self._following, 10)

    async def _follow_bus(self) -> None:
        await follow(
            self.hub.dispatcher,
            "router",
            lambda event: self.on_event(event.data, event.position),
            on_lag=self._lagged,
            on_attach=self._attached,
        )

    def _attached(self, position: int) -> None:
        # Following from ``position`` on, nothing replayed: a full read covers what came before.
        self._seen = position
        self.state.built = False
        self.escalation.built = False
        self._following.set()

    def _lagged(self) -> None:
        # Events were lost to us: memory cannot be trusted until the next full read.
        self.state.built = False
        self.escalation.built = False
        self.wake()

    def on_event(self, data: dict[str, Any], position: int | None = None) -> None:
        """One bus event: fold it into memory and wake the loop if it may mean new work."""
        if self._buffer is not None:
            self._buffer.append(data)
        else:
            self.state.apply(data)
        self.escalation.apply(data)
        if position is not None:
            self._seen = max(self._seen, position)
            self._applied.set()
        if data.get("type") in WAKING_EVENTS:
            self.wake()

    async def _catch_up(self) -> None:
        """Apply every event committed before this pass began (our own included)."""
        target = int(await self.hub.settled())
        loop = asyncio.get_running_loop()
        deadline = loop.time() + CATCH_UP_SECONDS
        while self._seen < target:
            self._applied.clear()
            with suppress(TimeoutError):
                await wait_event(self._applied, max(0.0, deadline - loop.time()))
            if loop.time() >= deadline:
                log.warning("router: bus reader is behind; routing on what it has")
                return

    async def _rebuild(self) -> None:
        self._buffer = []
        try:
            rows = await self.hub.db.run(
                routing_reads.full_read, self.settings.agent_disconnect_grace_seconds
            )
            self.state.load(rows)
            self.escalation.built = False
            self._built_at = time.monotonic()
        finally:
            pending, self._buffer = self._buffer, None
        for data in pending:
            self.state.apply(data)

    # -- leadership ----------------------------------------------------------------------
    async def _lead(self) -> None:
        while True:
            raise_if_cancelled()
            try:
                leading = await self.leadership.try_lead()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("router: cannot reach the lease; standing by", exc_info=True)
                leading = False
            if leading and (not self._leading or self.leadership.token != self._token):
                self._new_lead = True
                self.wake()
            if self._leading and not leading:
                log.warning("router: lost the lease; another node routes now")
                self.state.built = False
                self.positions.forget()
            self._leading = leading
            renew = self.leadership.renew_seconds
            await asyncio.sleep(renew if leading else renew / 2)

    async def _take_lead(self) -> bool:
        """Before the first claim under a new lease: make its token the store's newest."""
        token = self.leadership.token
        if token is not None:
            newest = await self.hub.db.run(fencing.advance, token)
            if newest != token:
                log.warning("router: lease token %s is already superseded by %s", token, newest)
                return False
        self._token, self._new_lead = token, False
        self.state.built = False
        return True

    # -- the loop ------------------------------------------------------------------------
    async def _run(self) -> None:
        while True:
            raise_if_cancelled()
            # Sleep until the tick or the next SLA / max-wait due time, whichever is first.
            timeout = min(self.settings.router_tick_seconds, self.escalation.seconds_until_next())
            with suppress(TimeoutError):
                await wait_event(self._wake, timeout)
            self._wake.clear()
            try:
                if self._leading:
                    await self.route_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("router pass failed; the next pass retries")
                self.state.built = False
                await asyncio.sleep(0.2)

    async def route_once(self) -> int:
        """One routing pass. Returns how many offers it made."""
        async with self._pass_lock:
            try:
                return await self._pass()
            except BaseException:
                # Memory may now disagree with the store: read it all again next time.
                self.state.built = False
                raise

    async def _pass(self) -> int:
        started = time.perf_counter()
        hub, state = self.hub, self.state
        if self._new_lead and not await self._take_lead():
            return 0
        await self._ensure_following()
        await self._catch_up()
        if not state.built or time.monotonic() - self._built_at > RESYNC_SECONDS:
            await self._rebuild()
        await self.reclaim.run()
        await self._refresh()
        # Routing rules in order (docs/architecture.md): SLA stages and maximum wait, then
        # overflow of unstaffed queues, then matching with skill levels as a preference.
        escalated = await self.escalation.run(state)
        for interaction in escalated:
            state.apply({"type": "interaction.updated", "interaction": interaction_dict(interaction)})
        if escalated:
            hub.committed()
            await self._refresh()
        metrics.AGENTS_AVAILABLE.set(len(state.agents))
        now = utcnow()
        offers = await make_offers(hub, state, self.selector, now, fence=self._token)
        await self.positions.publish(state)
        metrics.ROUTER_PASS.observe(time.perf_counter() - started)
        return offers

    async def _refresh(self) -> None:
        state = self.state
        if not (state.dirty_contacts or state.dirty_agents):
            return
        contacts, agents = set(state.dirty_contacts), set(state.dirty_agents)
        state.dirty_contacts.clear()
        state.dirty_agents.clear()
        rows = await self.hub.db.run(
            routing_reads.refresh, contacts, agents, self.settings.agent_disconnect_grace_seconds
        )
        state.refresh(contacts, agents, rows)
