"""What one agent's desktop follows and receives: interest, snapshots, bus events as frames.

The desktop receives the topics ``agent:<id>``, ``agents`` and ``interaction:<id>``
for every interaction it holds, is offered or views (contact_center/bus/outlet.py).
``on_dispatch`` runs in stream order as events pass, so the desktop starts following
an interaction the moment its offer passes, before any later event of it. This is the
server → desktop half, kept apart from the frame handlers in agent_ui/desk/desktop.py
(desktop → server) because it is driven by the bus, not by the agent: what is followed,
what was already shown in a snapshot, and which events become which frames.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from contact_center.frames import Frame, FrameError, send_frame
from repository.core import queries
from repository.core.customer_context import customer_context
from repository.core.models import stored_id
from repository.core.serialize import agent_dict, queue_dict
from repository.directory import list_agents, list_canned_replies, list_queues, list_wrapup_codes

if TYPE_CHECKING:
    from starlette.websockets import WebSocket

    from contact_center.bus import BusEvent
    from contact_center.bus.outlet import Outlet
    from contact_center.context import AppContext
    from repository.core.models import Agent


class DeskFeed:
    """One agent's view of the bus; AgentDesk (agent_ui/desk/desktop.py) adds the frame handlers."""

    def __init__(self, ws: WebSocket, ctx: AppContext, agent: Agent) -> None:
        self.ws = ws
        self.ctx = ctx
        self.hub = ctx.hub
        self.agent = agent
        self.agent_id: int = agent.id  # type: ignore[assignment]
        # Interactions whose events this desktop receives: held, offered or viewed.
        self.interest: set[int] = set()
        self.viewing: set[int] = set()
        # CCR event ids already shown in a snapshot (offer, welcome, conversation):
        # the same message arriving live after it is not sent twice.
        self.shown: dict[int, set[int]] = {}
        self.outlet: Outlet | None = None

    # -- snapshot -------------------------------------------------------------
    async def conversation(self, interaction_id: int) -> dict[str, Any]:
        detail = await self.hub.db.run(queries.interaction_with_events, interaction_id)
        if not detail:
            raise FrameError("no such interaction", code="not_found")
        events = detail.pop("events")
        context = await self.hub.db.run(customer_context, detail["customer_id"])
        return {"interaction": detail, "events": events, "context": context}

    async def restore_interest(self) -> None:
        held = await self.hub.db.run(queries.agent_holdings, self.agent_id)
        self.interest = {stored_id(i) for i in held}

    def topics(self) -> set[str]:
        return {f"agent:{self.agent_id}", "agents", *(f"interaction:{iid}" for iid in self.interest)}

    def watch(self, iid: int) -> None:
        if iid not in self.interest:
            self.interest.add(iid)
            if self.outlet is not None:
                self.outlet.follow(f"interaction:{iid}")

    def unwatch(self, iid: int) -> None:
        if iid in self.interest and iid not in self.viewing:
            self.interest.discard(iid)
            self.shown.pop(iid, None)
            if self.outlet is not None:
                self.outlet.unfollow(f"interaction:{iid}")

    def on_dispatch(self, event: BusEvent) -> None:
        """In stream order, before the event is queued: follow what just became ours."""
        data = event.data
        if event.type == "offer" and data.get("agent_id") == self.agent_id:
            self.watch(int(data["interaction"]["id"]))
        elif event.type == "interaction.updated":
            interaction = data["interaction"]
            if interaction.get("agent_id") == self.agent_id:
                self.watch(int(interaction["id"]))

    def remember_shown(self, iid: int, events: list[dict[str, Any]]) -> None:
        self.shown[iid] = {int(e["id"]) for e in events if e.get("id") is not None}

    async def send_welcome(self, last_event_id: str) -> None:
        held = await self.hub.db.run(queries.agent_holdings, self.agent_id)
        for interaction in held:
            self.watch(stored_id(interaction))
        conversations = [await self.conversation(stored_id(i)) for i in held]
        for conversation in conversations:
            self.remember_shown(conversation["interaction"]["id"], conversation["events"])
        agents = await self.hub.db.run(list_agents)
        await send_frame(
            self.ws,
            {
                "type": "welcome",
                "last_event_id": last_event_id,
                "agent": agent_dict(self.agent),
                "conversations": conversations,
                "queues": [queue_dict(q) for q in await self.hub.db.run(list_queues)],
                "agents": [
                    {"id": a.id, "display_name": a.display_name, "presence": a.presence}
                    for a in agents
                    if a.is_active
                ],
                "wrapup_codes": [
                    {"code": c.code, "label": c.label} for c in await self.hub.db.run(list_wrapup_codes)
                ],
                "canned_replies": [
                    {"shortcut": c.shortcut, "title": c.title, "body": c.body}
                    for c in await self.hub.db.run(list_canned_replies)
                ],
                "reservation_timeout_seconds": self.ctx.settings.reservation_timeout_seconds,
                "heartbeat_seconds": self.ctx.settings.heartbeat_seconds,
            },
        )

    # -- bus → desktop ----------------------------------------------------------
    async def translate(self, event: BusEvent) -> Frame | None:
        data = event.data
        kind = event.type
        if kind == "offer":
            if data.get("agent_id") != self.agent_id:
                return None
            offered = int(data["interaction"]["id"])
            # Read now, after every earlier position was handed out: the timeline holds
            # each message committed before the offer; later ones follow live, once.
            snapshot = await self.conversation(offered)
            self.remember_shown(offered, snapshot["events"])
            return {
                "type": "offer",
                "interaction": data["interaction"],
                "context": snapshot["context"],
                "events": snapshot["events"],
            }
        if kind == "interaction.updated":
            interaction = data["interaction"]
            iid = interaction["id"]
            mine = interaction["agent_id"] == self.agent_id
            was_mine = data.get("previous_agent_id") == self.agent_id
            if not (mine or was_mine or iid in self.interest):
                return None
            if not mine:
                self.unwatch(iid)
            return {
                "type": "interaction",
                "interaction": interaction,
                "reason": data.get("reason"),
                "ended_by": data.get("ended_by"),
            }
        if kind == "agent.notice":
            if data.get("agent_id") != self.agent_id:
                return None
            # Something the router did to this agent, said plainly (docs/protocol.md, "notice").
            return {"type": "notice", "code": data["code"], "count": data.get("count")}
        if kind == "agent.presence":
            if data.get("agent_id") == self.agent_id:
                self.agent.presence = data["presence"]
            return {"type": "agent_presence", "agent_id": data["agent_id"], "presence": data["presence"]}
        iid = data.get("interaction_id")
        if iid not in self.interest:
            return None
        if kind == "interaction.event":
            if data["event"].get("id") in self.shown.get(iid, ()):
                return None  # already in the offer or conversation snapshot
            return {"type": "event", "interaction_id": iid, "event": data["event"]}
        if kind == "interaction.event_updated":
            return {"type": "event_updated", "interaction_id": iid, "event": data["event"]}
        if kind == "typing":
            if data.get("who") == "agent" and data.get("agent_id") == self.agent_id:
                return None
            return {
                "type": "typing",
                "interaction_id": iid,
                "who": data.get("who"),
                "name": data.get("name", ""),
                "state": bool(data.get("state")),
                "preview": data.get("preview", ""),
            }
        if kind == "viewer":
            return {
                "type": "viewer",
                "interaction_id": iid,
                "agent_id": data["agent_id"],
                "name": data["name"],
                "viewing": data["viewing"],
            }
        return None
