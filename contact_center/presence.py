"""Live presence on this node: whose desktop is connected, and who views what.

Heartbeats for all agents connected to this node are written in one statement
per interval. A desktop that connects gets its own heartbeat written before it is
served (so the router sees it at once), batched with every other desktop that
connects meanwhile: a thousand desktops reconnecting after a restart cost a few
writes, not a thousand writes of a thousand rows each. The router treats an agent
whose heartbeat is older than the grace period as disconnected, which works across
nodes and across a crash alike.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from typing import TYPE_CHECKING

from contact_center.aio import raise_if_cancelled, stop_tasks
from contact_center.bus.follow import follow
from repository.directory import heartbeat
from repository.routing.presence_grace import restart_grace

if TYPE_CHECKING:
    from contact_center.bus import BusEvent
    from contact_center.hub import Hub

log = logging.getLogger(__name__)


class PresenceKeeper:
    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self._connections: Counter[int] = Counter()
        self._task: asyncio.Task[None] | None = None
        self._viewer_task: asyncio.Task[None] | None = None
        # interaction id → {agent id: display name}, fed from the bus on every node.
        self.viewers: dict[int, dict[int, str]] = {}
        # Desktops that connected and wait for their first heartbeat to be written.
        self._arrivals: list[tuple[int, asyncio.Future[None]]] = []
        self._arrival_writer: asyncio.Task[None] | None = None

    def connected(self, agent_id: int) -> None:
        self._connections[agent_id] += 1

    def disconnected(self, agent_id: int) -> None:
        self._connections[agent_id] -= 1
        if self._connections[agent_id] <= 0:
            del self._connections[agent_id]

    def is_connected(self, agent_id: int) -> bool:
        return self._connections.get(agent_id, 0) > 0

    async def beat_now(self) -> None:
        """Every desktop connected to this node, in one statement."""
        await self.hub.db.run(heartbeat, list(self._connections))

    async def beat_arrival(self, agent_id: int) -> None:
        """Write this agent's heartbeat now, with those of whoever else connects meanwhile.

        Returns once a write holding it has committed; raises what that write raised.
        """
        done = asyncio.get_running_loop().create_future()
        self._arrivals.append((agent_id, done))
        if self._arrival_writer is None or self._arrival_writer.done():
            self._arrival_writer = asyncio.create_task(self._write_arrivals(), name="presence-arrivals")
        await done

    async def _write_arrivals(self) -> None:
        # Whatever arrives while a write runs goes into the next one.
        while self._arrivals:
            batch, self._arrivals = self._arrivals, []
            try:
                await self.hub.db.run(heartbeat, [agent_id for agent_id, _ in batch])
            except Exception as exc:
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
            else:
                for _, done in batch:
                    if not done.done():
                        done.set_result(None)

    async def start(self) -> None:
        # Before the router's first pass: an outage is not the agents leaving.
        await self.hub.db.run(restart_grace, self.hub.settings.agent_disconnect_grace_seconds)
        self._task = asyncio.create_task(self._run(), name="presence-heartbeat")
        self._viewer_task = asyncio.create_task(self._follow_viewers(), name="presence-viewers")

    async def stop(self) -> None:
        await stop_tasks(self._task, self._viewer_task, self._arrival_writer)

    async def _follow_viewers(self) -> None:
        """Keep the viewer registry in step with every node, not only this one."""

        def viewer(event: BusEvent) -> None:
            data = event.data
            self.apply_viewer_event(
                int(data["interaction_id"]), int(data["agent_id"]), str(data["name"]), bool(data["viewing"])
            )

        # Its own topic: a wildcard follower would wake for every chat message only to drop it.
        await follow(self.hub.dispatcher, "viewer registry", viewer, topics={"viewers"}, types={"viewer"})

    async def _run(self) -> None:
        while True:
            raise_if_cancelled()
            await asyncio.sleep(self.hub.settings.heartbeat_seconds)
            try:
                await self.beat_now()
            except Exception:
                log.exception("heartbeat write failed; retrying next interval")

    def apply_viewer_event(
        self, interaction_id: int, agent_id: int, name: str, viewing: bool
    ) -> list[dict[str, object]]:
        """Record a viewer change; returns who views the interaction now."""
        viewers = self.viewers.setdefault(interaction_id, {})
        if viewing:
            viewers[agent_id] = name
        else:
            viewers.pop(agent_id, None)
        if not viewers:
            self.viewers.pop(interaction_id, None)
        return self.viewer_list(interaction_id)

    def viewer_list(self, interaction_id: int) -> list[dict[str, object]]:
        return [{"agent_id": a, "name": n} for a, n in sorted(self.viewers.get(interaction_id, {}).items())]
