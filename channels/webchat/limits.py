"""Limits on anonymous web chat: what one visitor or one address may do, and how fast.

Visitors are anonymous, so without limits one script can store thousands of messages,
hold hundreds of sockets or open a queued conversation per second and drown the
agents. Each limit here is a setting (docs/operations.md, "Web chat limits"); a visitor
over one gets an error frame (or HTTP 429) with ``retry_after`` in seconds, nothing
they already sent is touched, and agents are never limited. Rates use the ``limits``
library's moving windows; ``RATE_LIMIT_STORAGE_URL`` (e.g. ``async+redis://…``) shares
the per-address and overall counters between nodes. Open sockets are counted per node.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from limits import RateLimitItem, parse_many
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from contact_center.frames import send_error
from repository.core.models import LIVE_STATUSES
from repository.errors import ContactCenterError

if TYPE_CHECKING:
    from starlette.websockets import WebSocket

    from config import Settings
    from repository.core.models import Interaction

CLOSE_TOO_MANY = 4429


class VisitorSession(Protocol):
    """What the limits need from a visitor's socket (``socket.VisitorSession`` has it); a
    Protocol, so this module does not import the socket's."""

    ws: WebSocket
    interaction: Interaction | None
    # Awaited before each ``message`` frame is handled; raising refuses the message.
    message_gate: Callable[[Any], Awaitable[None]] | None


S = TypeVar("S", bound=VisitorSession)


class RateLimited(ContactCenterError):
    code = "rate_limited"
    status_code = 429


def _rules(text: str) -> list[RateLimitItem]:
    """``"10/5seconds;60/minute"`` → limits; empty or ``0`` switches the limit off."""
    text = text.strip()
    return [] if text in ("", "0") else parse_many(text)


def address_of(ws_or_request: Any) -> str:
    client = ws_or_request.client
    return client.host if client is not None else "unknown"


class VisitorLimits:
    def __init__(self, settings: Settings) -> None:
        self.messages = _rules(settings.widget_messages_per_socket)
        self.conversations_per_address = _rules(settings.widget_conversations_per_address)
        self.conversations_overall = _rules(settings.widget_conversations_overall)
        self.uploads = _rules(settings.widget_uploads_per_visitor)
        self.max_sockets = settings.widget_sockets_per_address
        self.shared = MovingWindowRateLimiter(storage_from_string(settings.rate_limit_storage_url))
        # Per-socket counts never need sharing between nodes.
        self.local = MovingWindowRateLimiter(storage_from_string("async+memory://"))
        self.open_sockets: Counter[str] = Counter()

    async def _hit(self, limiter: MovingWindowRateLimiter, rules: list[RateLimitItem], *keys: str) -> None:
        """Count one hit against every rule, or raise RateLimited saying when to retry."""
        for rule in rules:
            if not await limiter.test(rule, *keys):
                reset_at, _remaining = await limiter.get_window_stats(rule, *keys)
                raise RateLimited(
                    "too many requests: at most %(count)s per %(window)s seconds; retry in %(after)s s",
                    params={
                        "count": rule.amount,
                        "window": rule.get_expiry(),
                        "after": _retry_after(reset_at),
                    },
                    retry_after=_retry_after(reset_at),
                )
        for rule in rules:
            await limiter.hit(rule, *keys)

    @asynccontextmanager
    async def socket(self, ws: WebSocket) -> AsyncIterator[bool]:
        """Admit a visitor socket if its address holds fewer than the limit; else refuse with a reason."""
        address = address_of(ws)
        if self.max_sockets and self.open_sockets[address] >= self.max_sockets:
            await ws.accept()
            error = RateLimited(
                "too many open chats from your address (at most %(max)s)",
                params={"max": self.max_sockets},
                retry_after=30,
            )
            await send_error(ws, "visitor", error)
            await ws.close(code=CLOSE_TOO_MANY)
            yield False
            return
        self.open_sockets[address] += 1
        try:
            yield True
        finally:
            self.open_sockets[address] -= 1
            if self.open_sockets[address] <= 0:
                del self.open_sockets[address]

    async def before_message(self, session: VisitorSession) -> None:
        await self._hit(self.local, self.messages, "message", str(id(session)))
        current = session.interaction
        if current is None or current.status not in LIVE_STATUSES:
            # This message opens a new queued conversation: agents' work, so limited harder.
            address = address_of(session.ws)
            await self._hit(self.shared, self.conversations_per_address, "conversation", address)
            await self._hit(self.shared, self.conversations_overall, "conversation", "all")

    def wrap(self, session: S) -> S:
        """Put the message limits in front of the session's own ``message`` handler."""
        session.message_gate = self.before_message
        return session

    async def before_left_message(self, address: str) -> None:
        """A message left outside business hours opens a conversation too: the same limits."""
        await self._hit(self.shared, self.conversations_per_address, "conversation", address)
        await self._hit(self.shared, self.conversations_overall, "conversation", "all")

    async def before_upload(self, visitor_id: str) -> None:
        await self._hit(self.shared, self.uploads, "upload", visitor_id)


def _retry_after(reset_at: float) -> int:
    return max(1, math.ceil(reset_at - time.time()))
