"""The agent desktop's websocket: offers, conversations, collaboration, resume.

Every frame the server forwards from the bus carries ``event_id``, the event's outbox
position (the same on every node, kept in the database). After a drop the desktop
reconnects with ``{"type": "hello", "last_event_id": N}`` and gets exactly what it
missed, replayed from the database; if N is too old (or from another database) it
gets ``resync`` and a fresh snapshot instead. Heartbeats carry the newest id so the
resume point moves even when nothing is addressed to this agent. See docs/protocol.md.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress
from typing import TYPE_CHECKING, Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from agent_ui.auth import current_agent, same_origin
from agent_ui.desk.desktop import AgentDesk
from contact_center import metrics
from contact_center.bus import BusEvent, ResumeGap
from contact_center.bus.outlet import Outlet
from contact_center.frames import Frame, FrameError, dispatch, receive_frame, send_error, send_frame
from repository.errors import Forbidden

if TYPE_CHECKING:
    from contact_center.context import AppContext

log = logging.getLogger(__name__)
HELLO_TIMEOUT_SECONDS = 15


class AgentSocket:
    def __init__(self, ws: WebSocket, ctx: AppContext) -> None:
        self.ws = ws
        self.ctx = ctx
        self.desk: AgentDesk | None = None
        self.outlet: Outlet | None = None

    async def run(self) -> None:
        await self.ws.accept()
        if not same_origin(self.ws):
            await self._refuse(Forbidden("cross-site websocket refused", code="origin_not_allowed"), 4403)
            return
        agent = await current_agent(self.ctx, self.ws)
        if agent is None:
            await self._refuse(
                Forbidden("sign in again: the session is missing or expired", code="unauthorized"), 4401
            )
            return
        try:
            hello = await asyncio.wait_for(
                receive_frame(self.ws, self.ctx.settings.max_frame_bytes), HELLO_TIMEOUT_SECONDS
            )
            if hello.get("type") != "hello":
                raise FrameError('the first frame must be "hello"', code="hello_required")
        except FrameError as exc:
            await self._refuse(exc, 4400)
            return
        except (TimeoutError, WebSocketDisconnect):
            return
        self.desk = AgentDesk(self.ws, self.ctx, agent)
        self.sid = self.ws.session.get("sid")
        presence = self.ctx.presence
        presence.connected(agent.id)  # type: ignore[arg-type]
        metrics.WS_CONNECTIONS.labels(kind="agent").inc()
        try:
            await presence.beat_arrival(agent.id)  # type: ignore[arg-type]
            await self._open(hello.get("last_event_id"))
            heartbeat = asyncio.create_task(self._heartbeat())
            try:
                await self._read_loop()
            finally:
                heartbeat.cancel()
        except WebSocketDisconnect:
            pass
        finally:
            if self.outlet is not None:
                await self.outlet.close()
            metrics.WS_CONNECTIONS.labels(kind="agent").dec()
            presence.disconnected(agent.id)  # type: ignore[arg-type]
            with suppress(Exception):
                await self.desk.leave_all()

    async def _refuse(self, error: Exception, code: int) -> None:
        assert isinstance(error, FrameError | Forbidden)
        await send_error(self.ws, "agent", error)
        await self.ws.close(code=code)

    async def _open(self, since: Any) -> None:
        """Resume after ``since`` from the outbox, or start afresh with a welcome snapshot."""
        desk = self.desk
        assert desk is not None
        await desk.restore_interest()
        outlet = Outlet(
            self.ws,
            self.ctx.hub.dispatcher,
            desk.topics(),
            self._translate,
            limit_bytes=self.ctx.settings.ws_max_pending_bytes,
            label=f"agent {desk.agent_id} desktop",
            hook=desk.on_dispatch,
        )
        self.outlet = desk.outlet = outlet
        if isinstance(since, str) and since:
            try:
                await outlet.open(int(since))
            except (ValueError, ResumeGap):
                await send_frame(self.ws, {"type": "resync", "reason": "the resume point is too old"})
                outlet = self.outlet = desk.outlet = Outlet(
                    self.ws,
                    self.ctx.hub.dispatcher,
                    desk.topics(),
                    self._translate,
                    limit_bytes=self.ctx.settings.ws_max_pending_bytes,
                    label=f"agent {desk.agent_id} desktop",
                    hook=desk.on_dispatch,
                )
            else:
                await send_frame(self.ws, {"type": "resumed", "last_event_id": since})
                outlet.start()
                return
        # Receive before reading the snapshot, so nothing falls between the two.
        await outlet.open()
        await desk.send_welcome(str(outlet.sent_upto))
        outlet.start()

    async def _read_loop(self) -> None:
        assert self.desk is not None
        while True:
            try:
                frame = await receive_frame(self.ws, self.ctx.settings.max_frame_bytes)
            except FrameError as exc:
                await send_error(self.ws, "agent", exc)
                continue
            await dispatch(self.ws, "agent", self.desk.handlers, frame)

    async def _translate(self, event: BusEvent) -> Frame | None:
        assert self.desk is not None
        if event.type == "agent.signed_out" and self.sid and event.data.get("sid") == self.sid:
            await self._refuse(Forbidden("you signed out", code="unauthorized"), 4401)
            return None
        try:
            return await self.desk.translate(event)
        except Exception:
            # One odd event must not cut this agent off from the rest.
            log.exception("agent fan-out: cannot translate event %s", event.id)
            return None

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(self.ctx.settings.heartbeat_seconds)
            point = self.outlet.resume_point() if self.outlet is not None else 0
            if not await send_frame(self.ws, {"type": "heartbeat", "event_id": str(point)}):
                return
