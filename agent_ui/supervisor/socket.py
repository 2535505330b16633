"""``WS /supervisor/ws``: the live picture pushed to supervisors, and their interventions.

The server pushes a full ``snapshot`` whenever the CCR changed (debounced, see
contact_center/supervision/live.py); the page never polls. Interventions come in as
frames and are answered with ``done`` or an ``error`` frame; what each frame does is in
agent_ui/supervisor/actions.py. See docs/protocol.md.
Signing out (``POST /logout``) closes this sign-in's monitors with 4401, as it does desktops.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from contextlib import suppress
from functools import partial
from typing import TYPE_CHECKING

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from agent_ui.auth import current_agent, same_origin
from agent_ui.supervisor.actions import HANDLERS
from contact_center import metrics
from contact_center.frames import (
    Frame,
    FrameError,
    dispatch,
    receive_frame,
    send_encoded,
    send_error,
    send_frame,
)
from contact_center.i18n import _
from contact_center.supervision import interventions
from repository.errors import ContactCenterError, Forbidden

if TYPE_CHECKING:
    from contact_center.context import AppContext
    from contact_center.supervision.live import Mailbox, SupervisorFeed
    from repository.core.models import Agent

log = logging.getLogger(__name__)
HELLO_TIMEOUT_SECONDS = 15
# How stale the role check behind the pushed snapshots may get (every frame is checked anew).
RECHECK_SECONDS = 30.0


class SupervisorSocket:
    def __init__(self, ws: WebSocket, ctx: AppContext, feed: SupervisorFeed) -> None:
        self.ws = ws
        self.ctx = ctx
        self.feed = feed
        self.me: Agent | None = None
        self.checked_at = 0.0
        self.key = uuid.uuid4().hex  # names this socket for the rate limiter
        self.handlers = {name: partial(handler, self) for name, handler in HANDLERS.items()}

    async def run(self) -> None:
        await self.ws.accept()
        if not same_origin(self.ws):
            await self._refuse(Forbidden(_("cross-site websocket refused"), code="origin_not_allowed"), 4403)
            return
        me = await current_agent(self.ctx, self.ws)
        if me is None:
            await self._refuse(
                Forbidden(_("sign in again: the session is missing or expired"), code="unauthorized"), 4401
            )
            return
        if me.role not in interventions.SUPERVISOR_ROLES:
            await self._refuse(Forbidden(_("the live monitor is for supervisors"), code="forbidden"), 4403)
            return
        self.me = me
        self.checked_at = asyncio.get_running_loop().time()
        try:
            hello = await asyncio.wait_for(
                receive_frame(self.ws, self.ctx.settings.max_frame_bytes), HELLO_TIMEOUT_SECONDS
            )
            if hello.get("type") != "hello":
                raise FrameError(_('the first frame must be "hello"'), code="hello_required")
        except FrameError as exc:
            await self._refuse(exc, 4400)
            return
        except (TimeoutError, WebSocketDisconnect):
            return
        metrics.WS_CONNECTIONS.labels(kind="supervisor").inc()
        try:
            async with self.feed.listen(self.ws.session.get("sid")) as snapshots:
                await send_frame(
                    self.ws, {"type": "welcome", "supervisor_id": me.id, "name": me.display_name}
                )
                pusher = asyncio.create_task(self._push(snapshots))
                try:
                    await self._read_loop()
                finally:
                    pusher.cancel()
                    with suppress(asyncio.CancelledError):
                        await pusher
        except WebSocketDisconnect:
            pass
        finally:
            metrics.WS_CONNECTIONS.labels(kind="supervisor").dec()

    async def _refuse(self, error: Exception, code: int) -> None:
        assert isinstance(error, FrameError | Forbidden)
        if self.ws.application_state != WebSocketState.CONNECTED:
            return  # the pusher and the reader may both find a revoked session; close once
        await send_error(self.ws, "supervisor", error)
        await self.ws.close(code=code)

    async def _still_supervisor(self) -> bool:
        """Checks the session again; a deactivated, demoted or re-passworded supervisor is cut off.

        The check at connect time alone would let a socket opened before the change keep
        watching and intervening for as long as it stays open.
        """
        me = await current_agent(self.ctx, self.ws)
        self.checked_at = asyncio.get_running_loop().time()
        if me is None:
            await self._refuse(
                Forbidden(_("sign in again: the session is missing or expired"), code="unauthorized"), 4401
            )
            return False
        if me.role not in interventions.SUPERVISOR_ROLES:
            await self._refuse(Forbidden(_("the live monitor is for supervisors"), code="forbidden"), 4403)
            return False
        self.me = me
        return True

    async def _push(self, snapshots: Mailbox) -> None:
        while True:
            snapshot = await snapshots.get()
            if snapshot is None:
                await self._refuse(Forbidden(_("you signed out"), code="unauthorized"), 4401)
                return
            stale = asyncio.get_running_loop().time() - self.checked_at > RECHECK_SECONDS
            if stale and not await self._still_supervisor():
                return
            if not await send_encoded(self.ws, snapshot.text):
                return

    async def _read_loop(self) -> None:
        while True:
            try:
                frame = await receive_frame(self.ws, self.ctx.settings.max_frame_bytes)
            except FrameError as exc:
                await send_error(self.ws, "supervisor", exc)
                continue
            if frame["type"] != "ping" and not await self._still_supervisor():
                return
            ref = frame.get("ref")
            if isinstance(ref, str | int) and not isinstance(ref, bool):
                # Our page matches answers by "ref"; errors must carry it too.
                await self._dispatch_with_ref(frame, ref)
            else:
                await dispatch(self.ws, "supervisor", self.handlers, frame)

    async def _dispatch_with_ref(self, frame: Frame, ref: str | int) -> None:
        handler = self.handlers.get(frame["type"])
        if handler is None:
            await send_error(
                self.ws, "supervisor", FrameError(_("unknown frame type"), code="unknown_type"), ref
            )
            return
        try:
            await handler(frame)
        except ContactCenterError as exc:
            await send_error(self.ws, "supervisor", exc, ref)
        except (WebSocketDisconnect, OSError):
            raise
        except Exception:
            log.exception("supervisor websocket: handler for %r failed", frame["type"])
            await send_error(
                self.ws, "supervisor", ContactCenterError(_("internal error; nothing was changed")), ref
            )
