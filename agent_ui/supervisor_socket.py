"""``WS /supervisor/ws``: the live picture pushed to supervisors, and their interventions.

The server pushes a full ``snapshot`` whenever the CCR changed (debounced, see
contact_center/supervision/live.py); the page never polls. Interventions come in as
frames and are answered with ``done`` or an ``error`` frame. See docs/protocol.md.
Signing out (``POST /logout``) closes this sign-in's monitors with 4401, as it does desktops.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
import uuid
from contextlib import suppress
from typing import TYPE_CHECKING, Any

from limits import parse
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from agent_ui.auth import current_agent, same_origin
from contact_center import metrics
from contact_center.frames import (
    Frame,
    FrameError,
    dispatch,
    field,
    receive_frame,
    send_encoded,
    send_error,
    send_frame,
)
from contact_center.i18n import _
from contact_center.supervision import interventions
from contact_center.supervision.snapshot import staffing as staffing_for
from repository import supervision
from repository.errors import ContactCenterError, Forbidden, NotFound
from repository.models import utcnow

if TYPE_CHECKING:
    from contact_center.context import AppContext
    from contact_center.supervision.live import Mailbox, SupervisorFeed
    from repository.models import Agent

log = logging.getLogger(__name__)
HELLO_TIMEOUT_SECONDS = 15
MAX_WHISPER_CHARS = 4000
# How stale the role check behind the pushed snapshots may get (every frame is checked anew).
RECHECK_SECONDS = 30.0
# An Erlang C what-if reads the whole day's contacts; a page (or a script) looping on it
# would load the database for every supervisor. Counted per socket, in the process.
STAFFING_LIMIT = parse("10/10seconds")
_staffing_limiter = MovingWindowRateLimiter(MemoryStorage())


class SupervisorSocket:
    def __init__(self, ws: WebSocket, ctx: AppContext, feed: SupervisorFeed) -> None:
        self.ws = ws
        self.ctx = ctx
        self.feed = feed
        self.me: Agent | None = None
        self.checked_at = 0.0
        self.key = uuid.uuid4().hex  # names this socket for the rate limiter
        self.handlers = {
            "reassign": self.on_reassign,
            "force_state": self.on_force_state,
            "whisper": self.on_whisper,
            "staffing": self.on_staffing,
            "service_level": self.on_service_level,
            "audit": self.on_audit,
            "ping": self.on_ping,
        }

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

    async def _done(self, frame: Frame, **extra: Any) -> None:
        ref = frame.get("ref") if isinstance(frame.get("ref"), str | int) else None
        await send_frame(self.ws, {"type": "done", "action": frame["type"], "ref": ref, **extra})

    # -- interventions ----------------------------------------------------------
    async def on_reassign(self, frame: Frame) -> None:
        assert self.me is not None
        interaction_id = field(frame, "interaction_id", int)
        to_queue = field(frame, "to_queue_id", int, required=False)
        to_agent = field(frame, "to_agent_id", int, required=False)
        moved = await interventions.reassign(
            self.ctx, self.me, interaction_id, to_queue_id=to_queue, to_agent_id=to_agent
        )
        await self._done(frame, interaction_id=moved.id)

    async def on_force_state(self, frame: Frame) -> None:
        assert self.me is not None
        agent_id = field(frame, "agent_id", int)
        state = field(frame, "state", str, max_len=20)
        released = await interventions.force_state(self.ctx, self.me, agent_id, state)
        await self._done(frame, agent_id=agent_id, released=[i.id for i in released])

    async def on_whisper(self, frame: Frame) -> None:
        assert self.me is not None
        interaction_id = field(frame, "interaction_id", int)
        body = field(frame, "body", str, max_len=MAX_WHISPER_CHARS)
        client_id = field(frame, "client_id", str, required=False, max_len=64)
        event = await interventions.whisper(self.ctx, self.me, interaction_id, body, client_id)
        await self._done(frame, interaction_id=interaction_id, event_id=event.id)

    async def on_staffing(self, frame: Frame) -> None:
        """What if: Erlang C for a queue at an arrival rate the supervisor types in."""
        await self._within_staffing_limit()
        queue_id = field(frame, "queue_id", int)
        rate = frame.get("arrivals_per_30min")
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate <= 100_000:
            raise FrameError(
                _("arrivals per 30 minutes is a number from 0 to 100000"),
                code="invalid_field",
                field="arrivals_per_30min",
            )
        result = await self.ctx.hub.run_db(lambda db: _what_if(db, queue_id, float(rate)))
        await send_frame(self.ws, {"type": "staffing", "ref": frame.get("ref"), **result})

    async def _within_staffing_limit(self) -> None:
        if await _staffing_limiter.hit(STAFFING_LIMIT, "staffing", self.key):
            return
        reset_at, _remaining = await _staffing_limiter.get_window_stats(STAFFING_LIMIT, "staffing", self.key)
        retry = max(1, math.ceil(reset_at - time.time()))
        raise FrameError(
            _(
                "too many what-if calculations: at most %(count)s every %(seconds)s seconds; "
                "try again in %(retry)s s",
                count=STAFFING_LIMIT.amount,
                seconds=STAFFING_LIMIT.get_expiry(),
                retry=retry,
            ),
            code="rate_limited",
            retry_after_seconds=retry,
        )

    async def on_service_level(self, frame: Frame) -> None:
        assert self.me is not None
        queue_id = field(frame, "queue_id", int)
        values = {
            "threshold_seconds": field(frame, "threshold_seconds", int),
            "target_percent": field(frame, "target_percent", int),
            "formula": field(frame, "formula", str, max_len=20),
            "short_abandon_seconds": field(frame, "short_abandon_seconds", int),
        }
        await self.ctx.hub.run_db(supervision.set_service_level, queue_id, **values)
        await self.ctx.hub.run_db(supervision.audit, self.me.id, "service_level", queue_id=queue_id, **values)
        await self.ctx.hub.publish({"type": "supervision.changed", "queue_id": queue_id})
        await self._done(frame, queue_id=queue_id)

    async def on_audit(self, frame: Frame) -> None:
        rows = await self.ctx.hub.run_db(supervision.audit_log, 50)
        names = {a["id"]: a["name"] for a in (self.feed.latest or {}).get("agents", [])}
        await send_frame(
            self.ws,
            {
                "type": "audit",
                "entries": [
                    {
                        "id": r.id,
                        "at": r.at.isoformat(),
                        "supervisor": names.get(r.supervisor_id, r.supervisor_id),
                        "action": r.action,
                        "interaction_id": r.interaction_id,
                        "agent_id": r.agent_id,
                        "queue_id": r.queue_id,
                        "detail": r.detail,
                    }
                    for r in rows
                ],
            },
        )

    async def on_ping(self, frame: Frame) -> None:
        await send_frame(self.ws, {"type": "pong", "version": self.feed.version})


def _what_if(db: Any, queue_id: int, arrivals: float) -> dict[str, Any]:
    from contact_center.supervision.data import live_and_recent_contacts, sl_settings
    from contact_center.supervision.snapshot import day_start

    now = utcnow()
    queues, rules = sl_settings(db)
    queue = next((q for q in queues if q.id == queue_id), None)
    if queue is None:
        raise NotFound(_("no such queue"), queue_id=queue_id)
    contacts = live_and_recent_contacts(db, day_start(now), now)
    return staffing_for(contacts, queue, rules[queue_id], now, logged_in=-1, arrivals_override=arrivals)
