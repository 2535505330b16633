"""What each frame a supervisor sends over ``/supervisor/ws`` does: one handler per type.

Interventions (``reassign``, ``force_state``, ``whisper``, ``service_level``) are
answered with ``done``; queries (``staffing``, ``audit``, ``ping``) with their own
frame. :data:`HANDLERS` is the dispatch table; ``supervisor_socket.py`` owns the
connection, the session re-checks and the error frames. See docs/protocol.md.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, Any, Protocol

from limits import parse
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter

from contact_center.frames import Frame, FrameError, field, send_frame
from contact_center.i18n import _
from contact_center.supervision import interventions
from contact_center.supervision.snapshot import staffing as staffing_for
from repository.core.models import stored_id, utcnow
from repository.errors import NotFound
from repository.supervision import actions as supervision

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from starlette.websockets import WebSocket

    from contact_center.context import AppContext
    from contact_center.supervision.live import SupervisorFeed
    from repository.core.models import Agent


class SupervisorSocket(Protocol):
    """What a handler needs from the socket it answers on (``socket.py`` implements it).

    A Protocol rather than an import of the socket class, so the socket can import this
    dispatch table without an import circle.
    """

    ws: WebSocket
    ctx: AppContext
    feed: SupervisorFeed
    key: str
    me: Agent | None  # set by hello, before any handler runs


MAX_WHISPER_CHARS = 4000
# An Erlang C what-if reads the whole day's contacts; a page (or a script) looping on it
# would load the database for every supervisor. Counted per socket, in the process.
STAFFING_LIMIT = parse("10/10seconds")
_staffing_limiter = MovingWindowRateLimiter(MemoryStorage())


async def _done(sock: SupervisorSocket, frame: Frame, **extra: Any) -> None:
    ref = frame.get("ref") if isinstance(frame.get("ref"), str | int) else None
    await send_frame(sock.ws, {"type": "done", "action": frame["type"], "ref": ref, **extra})


async def on_reassign(sock: SupervisorSocket, frame: Frame) -> None:
    assert sock.me is not None
    interaction_id = field(frame, "interaction_id", int)
    to_queue = field(frame, "to_queue_id", int, required=False)
    to_agent = field(frame, "to_agent_id", int, required=False)
    moved = await interventions.reassign(
        sock.ctx, sock.me, interaction_id, to_queue_id=to_queue, to_agent_id=to_agent
    )
    await _done(sock, frame, interaction_id=moved.id)


async def on_force_state(sock: SupervisorSocket, frame: Frame) -> None:
    assert sock.me is not None
    agent_id = field(frame, "agent_id", int)
    state = field(frame, "state", str, max_len=20)
    released = await interventions.force_state(sock.ctx, sock.me, agent_id, state)
    await _done(sock, frame, agent_id=agent_id, released=[i.id for i in released])


async def on_whisper(sock: SupervisorSocket, frame: Frame) -> None:
    assert sock.me is not None
    interaction_id = field(frame, "interaction_id", int)
    body = field(frame, "body", str, max_len=MAX_WHISPER_CHARS)
    client_id = field(frame, "client_id", str, required=False, max_len=64)
    event = await interventions.whisper(sock.ctx, sock.me, interaction_id, body, client_id)
    await _done(sock, frame, interaction_id=interaction_id, event_id=event.id)


async def on_staffing(sock: SupervisorSocket, frame: Frame) -> None:
    """What if: Erlang C for a queue at an arrival rate the supervisor types in."""
    await _within_staffing_limit(sock.key)
    queue_id = field(frame, "queue_id", int)
    rate = frame.get("arrivals_per_30min")
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate <= 100_000:
        raise FrameError(
            _("arrivals per 30 minutes is a number from 0 to 100000"),
            code="invalid_field",
            field="arrivals_per_30min",
        )
    result = await sock.ctx.hub.db.run(lambda db: _what_if(db, queue_id, float(rate)))
    await send_frame(sock.ws, {"type": "staffing", "ref": frame.get("ref"), **result})


async def _within_staffing_limit(key: str) -> None:
    if await _staffing_limiter.hit(STAFFING_LIMIT, "staffing", key):
        return
    reset_at, _remaining = await _staffing_limiter.get_window_stats(STAFFING_LIMIT, "staffing", key)
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


async def on_service_level(sock: SupervisorSocket, frame: Frame) -> None:
    assert sock.me is not None
    queue_id = field(frame, "queue_id", int)
    values = {
        "threshold_seconds": field(frame, "threshold_seconds", int),
        "target_percent": field(frame, "target_percent", int),
        "formula": field(frame, "formula", str, max_len=20),
        "short_abandon_seconds": field(frame, "short_abandon_seconds", int),
    }
    hub = sock.ctx.hub
    await hub.db.run(supervision.set_service_level, queue_id, **values)
    await hub.db.run(supervision.audit, stored_id(sock.me), "service_level", queue_id=queue_id, **values)
    await hub.publish({"type": "supervision.changed", "queue_id": queue_id})
    await _done(sock, frame, queue_id=queue_id)


async def on_audit(sock: SupervisorSocket, frame: Frame) -> None:
    rows = await sock.ctx.hub.db.run(supervision.audit_log, 50)
    names = {a["id"]: a["name"] for a in (sock.feed.latest or {}).get("agents", [])}
    entries = [
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
    ]
    await send_frame(sock.ws, {"type": "audit", "entries": entries})


async def on_ping(sock: SupervisorSocket, frame: Frame) -> None:
    await send_frame(sock.ws, {"type": "pong", "version": sock.feed.version})


HANDLERS: dict[str, Callable[[SupervisorSocket, Frame], Awaitable[None]]] = {
    "reassign": on_reassign,
    "force_state": on_force_state,
    "whisper": on_whisper,
    "staffing": on_staffing,
    "service_level": on_service_level,
    "audit": on_audit,
    "ping": on_ping,
}
