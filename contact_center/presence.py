"""Live presence on this node: whose desktop is connected, and who views what.

Heartbeats for all agents connected to this node are written in one transaction
per interval. The router treats an agent whose heartbeat is older than the grace
period as disconnected, which works across nodes and across a crash alike.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from contextlib import suppress
from typing import TYPE_CHECKING

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

    def connected(self, agent_id: int) -> None:
        self._connections[agent_id] += 1

    def disconnected(self, agent_id: int) -> None:
        self._connections[agent_id] -= 1
        if self._connections[agent_id] <= 0:
            del self._connections[agent_id]

    def is_connected(self, agent_id: int) -> bool:
        return self._connections.get(agent_id, 0) > 0

    async def beat_now(self) -> None:
        await self.hub.db.run(heartbeat, list(self._connections))

    async def start(self) -> None:
        # Before the router's first pass: an outage is not the agents leaving.
        await self.hub.db.run(restart_grace, self.hub.settings.agent_disconnect_grace_seconds)
        self._task = asyncio.create_task(self._run(), name="presence-heartbeat")
        self._viewer_task = asyncio.create_task(self._follow_viewers(), name="presence-viewers")

    async def stop(self) -> None:
        for task in (self._task, self._viewer_task):
            if task is not None:
                task.cancel()
                with suppress(asyncio.CancelledError):
                    await task

    async def _follow_viewers(self) -> None:
        """Keep the viewer registry in step with every node, not only this one."""

        def viewer(event: BusEvent) -> None:
            data = event.data
            self.apply_viewer_event(
                int(data["interaction_id"]), int(data["agent_id"]), str(data["name"]), bool(data["viewing"])
            )

        await follow(self.hub.dispatcher, "viewer registry", viewer, types={"viewer"})

    async def _run(self) -> None:
        while True:
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
