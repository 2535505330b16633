"""What one agent's desktop may do: the frame handlers (desktop → server).

Each frame the desktop sends (accept, reply, note, view, transfer, close, ...) is
handled here and turned into a call on the hub. What the desktop follows and how bus
events reach it is the other half, in agent_ui/desk/desk_feed.py; AgentDesk extends it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from agent_ui.desk.attachments import MAX_FILES_PER_REPLY
from agent_ui.desk.attachments import describe as describe_attachments
from agent_ui.desk.desk_feed import DeskFeed
from contact_center.frames import Frame, FrameError, field, send_frame
from repository.core import queries
from repository.core.serialize import event_dict, interaction_dict

if TYPE_CHECKING:
    from starlette.websockets import WebSocket

    from contact_center.context import AppContext
    from repository.core.models import Agent

MAX_REPLY_CHARS = 10_000


class AgentDesk(DeskFeed):
    def __init__(self, ws: WebSocket, ctx: AppContext, agent: Agent) -> None:
        super().__init__(ws, ctx, agent)
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
        self.remember_shown(iid, conversation["events"])
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
