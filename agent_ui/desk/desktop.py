"""What one agent's desktop may see and do: the frame handlers and the event filter.

The desktop receives the topics ``agent:<id>``, ``agents`` and ``interaction:<id>``
for every interaction it holds, is offered or views (contact_center/bus/outlet.py).
``on_dispatch`` runs in stream order as events pass, so the desktop starts following
an interaction the moment its offer passes, before any later event of it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from agent_ui.desk.attachments import MAX_FILES_PER_REPLY
from agent_ui.desk.attachments import describe as describe_attachments
from contact_center.frames import Frame, FrameError, field, send_frame
from repository.core import queries
from repository.core.models import stored_id
from repository.core.serialize import agent_dict, event_dict, interaction_dict, queue_dict
from repository.directory import list_agents, list_canned_replies, list_queues, list_wrapup_codes

if TYPE_CHECKING:
    from starlette.websockets import WebSocket

    from contact_center.bus import BusEvent
    from contact_center.bus.outlet import Outlet
    from contact_center.context import AppContext
    from repository.core.models import Agent

MAX_REPLY_CHARS = 10_000


class AgentDesk:
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
        self.handlers = {
            "presence": self.on_presence,
            "accept": self.on_accept,
            "reject": self.on_reject,
            "reply": self.on_reply,
            "note": self.on_note,
            "typing": self.on_typing,
            "view": self.on_view,
            "unview": self.on_unview,
            "transfer": self.on_transfer,
            "close": self.on_close,
            "ping": self.on_ping,
            "list_conversations": self.on_list_conversations,
            "call": self.on_call,
        }

    # -- snapshot -------------------------------------------------------------
    async def conversation(self, interaction_id: int) -> dict[str, Any]:
        detail = await self.hub.db.run(queries.interaction_with_events, interaction_id)
        if not detail:
            raise FrameError("no such interaction", code="not_found")
        events = detail.pop("events")
        context = await self.hub.db.run(queries.customer_context, detail["customer_id"])
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

    def _remember(self, iid: int, events: list[dict[str, Any]]) -> None:
        self.shown[iid] = {int(e["id"]) for e in events if e.get("id") is not None}

    async def send_welcome(self, last_event_id: str) -> None:
        held = await self.hub.db.run(queries.agent_holdings, self.agent_id)
        for interaction in held:
            self.watch(stored_id(interaction))
        conversations = [await self.conversation(stored_id(i)) for i in held]
        for conversation in conversations:
            self._remember(conversation["interaction"]["id"], conversation["events"])
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
            self._remember(offered, snapshot["events"])
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

    # -- desktop → server -------------------------------------------------------
    def _interaction_id(self, frame: Frame) -> int:
        return int(field(frame, "interaction_id", int))

    async def on_presence(self, frame: Frame) -> None:
        state = field(frame, "state", str, max_len=20)
        self.agent = await self.hub.set_presence(self.agent_id, state)

    async def on_accept(self, frame: Frame) -> None:
        iid = self._interaction_id(frame)
        await self.hub.accept(self.agent, iid)
        self.watch(iid)

    async def on_reject(self, frame: Frame) -> None:
        await self.hub.reject(self.agent, self._interaction_id(frame))

    async def _post(self, frame: Frame, internal: bool) -> None:
        iid = self._interaction_id(frame)
        body = field(frame, "body", str, max_len=MAX_REPLY_CHARS)
        client_id = field(frame, "client_id", str, max_len=64)
        tokens = field(frame, "attachments", list, required=False, max_len=MAX_FILES_PER_REPLY) or []
        if not body.strip() and not tokens:
            raise FrameError("write something first", code="empty_message")
        files = await describe_attachments(self.ctx, self.agent_id, tokens)
        event = await self.hub.reply(
            self.agent, iid, body, internal=internal, client_id=client_id, attachments=files
        )
        self.watch(iid)
        await send_frame(self.ws, {"type": "ack", "client_id": client_id, "event": event_dict(event)})

    async def on_reply(self, frame: Frame) -> None:
        await self._post(frame, internal=False)

    async def on_note(self, frame: Frame) -> None:
        await self._post(frame, internal=True)

    async def on_typing(self, frame: Frame) -> None:
        iid = self._interaction_id(frame)
        if iid not in self.interest:
            return
        await self.hub.publish(
            {
                "type": "typing",
                "interaction_id": iid,
                "who": "agent",
                "agent_id": self.agent_id,
                "name": self.agent.display_name,
                "state": bool(frame.get("state")),
                "internal": bool(frame.get("internal")),
            }
        )

    async def on_view(self, frame: Frame) -> None:
        iid = self._interaction_id(frame)
        self.watch(iid)  # before the read: nothing committed after it is missed
        self.viewing.add(iid)
        conversation = await self.conversation(iid)
        self._remember(iid, conversation["events"])
        viewers = self.ctx.presence.apply_viewer_event(iid, self.agent_id, self.agent.display_name, True)
        await send_frame(self.ws, {"type": "conversation", **conversation, "viewers": viewers})
        await self._announce_view(iid, True)

    async def on_unview(self, frame: Frame) -> None:
        iid = self._interaction_id(frame)
        if iid in self.viewing:
            self.viewing.discard(iid)
            held = await self.hub.db.run(queries.agent_holdings, self.agent_id)
            if iid not in {i.id for i in held}:
                self.unwatch(iid)
            self.ctx.presence.apply_viewer_event(iid, self.agent_id, self.agent.display_name, False)
            await self._announce_view(iid, False)

    async def _announce_view(self, iid: int, viewing: bool) -> None:
        await self.hub.publish(
            {
                "type": "viewer",
                "interaction_id": iid,
                "agent_id": self.agent_id,
                "name": self.agent.display_name,
                "viewing": viewing,
            }
        )

    async def leave_all(self) -> None:
        for iid in list(self.viewing):
            self.ctx.presence.apply_viewer_event(iid, self.agent_id, self.agent.display_name, False)
            await self._announce_view(iid, False)
        self.viewing.clear()

    async def on_transfer(self, frame: Frame) -> None:
        iid = self._interaction_id(frame)
        queue_id = field(frame, "queue_id", int, required=False)
        agent_id = field(frame, "agent_id", int, required=False)
        await self.hub.transfer(self.agent, iid, to_queue_id=queue_id, to_agent_id=agent_id)

    async def on_close(self, frame: Frame) -> None:
        iid = self._interaction_id(frame)
        disposition = field(frame, "disposition", str, max_len=60)
        await self.hub.close(self.agent, iid, disposition)

    async def on_list_conversations(self, frame: Frame) -> None:
        """Every live conversation, so a colleague can open one and help."""
        live = await self.hub.db.run(queries.live_interactions)
        await send_frame(self.ws, {"type": "conversations", "conversations": live})

    async def on_call(self, frame: Frame) -> None:
        """Click-to-call: ring this agent's phone, then the customer (the phone channel dials)."""
        customer_id = field(frame, "customer_id", int)
        call = await self.hub.dial(self.agent, customer_id)
        await send_frame(self.ws, {"type": "call_started", "customer_id": customer_id, "call": call})

    async def on_ping(self, frame: Frame) -> None:
        await send_frame(self.ws, {"type": "pong"})


__all__ = ["AgentDesk", "interaction_dict"]
