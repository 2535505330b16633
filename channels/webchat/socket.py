"""The visitor's websocket: one browser tab of a customer chatting from the widget.

Frame types are listed in docs/protocol.md. A message is acknowledged only after
its commit; a retried message (same ``client_id``) is acknowledged again and stored
once, so the widget can resend anything unacknowledged after a reconnect.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from starlette.websockets import WebSocket, WebSocketDisconnect

from channels.webchat.after_hours import refuse_new_chat_when_closed
from channels.webchat.identity import Claim, check_claim
from channels.webchat.visitor_view import ConversationView
from contact_center import metrics
from contact_center.bus.outlet import Outlet
from contact_center.frames import (
    Frame,
    FrameError,
    dispatch,
    field,
    receive_frame,
    send_error,
    send_frame,
)
from contact_center.i18n import set_locale
from contact_center.waiting import current_wait
from repository.core import queries
from repository.core.identity import normalise_email
from repository.core.ingest import InboundItem
from repository.core.models import LIVE_STATUSES, stored_id
from repository.core.serialize import public_event_dict
from repository.errors import Conflict, ContactCenterError, Forbidden

if TYPE_CHECKING:
    from contact_center.attachments import AttachmentStore
    from contact_center.context import AppContext
    from contact_center.visitor_tokens import VisitorTokens
    from repository.core.models import Interaction

log = logging.getLogger(__name__)
HELLO_TIMEOUT_SECONDS = 15


class VisitorSession:
    def __init__(self, ws: WebSocket, ctx: AppContext, tokens: VisitorTokens, files: AttachmentStore) -> None:
        self.ws = ws
        self.ctx = ctx
        self.hub = ctx.hub
        self.tokens = tokens
        self.files = files
        self.visitor_id = ""
        self.name = ""
        self.email: str | None = None
        self.claim = Claim()  # channels/webchat/identity.py: only a signed email links to a customer
        # What the visitor sees of their conversation (status, agent, shown history).
        self.view = ConversationView()
        self.outlet: Outlet | None = None
        # The identities of the last message stored for this conversation, when they
        # resolved to its customer: the next one with the same may take the lean path.
        self.lean_identities: list[tuple[str, str]] | None = None
        # Awaited before a message is handled (the web chat limits, limits.py).
        self.message_gate: Callable[[VisitorSession], Awaitable[None]] | None = None

    # Each handled by its on_<type> method, bound per frame rather than kept per session:
    # a table of bound methods is a dozen more objects every idle widget keeps for the collector.
    FRAME_TYPES: ClassVar[frozenset[str]] = frozenset({"message", "typing", "profile", "end", "csat", "ping"})

    @property
    def interaction(self) -> Interaction | None:
        return self.view.interaction

    @interaction.setter
    def interaction(self, value: Interaction | None) -> None:
        self.view.interaction = value

    @property
    def agent_name(self) -> str:
        return self.view.agent_name

    @agent_name.setter
    def agent_name(self, value: str) -> None:
        self.view.agent_name = value

    @property
    def max_frame(self) -> int:
        return self.ctx.settings.max_frame_bytes

    async def run(self) -> None:
        own_origin = f"{self.ws.url.scheme.replace('ws', 'http')}://{self.ws.headers.get('host', '')}"
        origin = self.ws.headers.get("origin")
        await self.ws.accept()
        if not self.ctx.settings.origin_allowed(origin, own_origin):
            await send_error(
                self.ws,
                "visitor",
                Forbidden(
                    "origin %(origin)r may not embed this chat",
                    params={"origin": origin},
                    code="origin_not_allowed",
                ),
            )
            await self.ws.close(code=4403)
            return
        try:
            hello = await asyncio.wait_for(receive_frame(self.ws, self.max_frame), HELLO_TIMEOUT_SECONDS)
            if hello.get("type") != "hello":
                raise FrameError('the first frame must be "hello"', code="hello_required")
            if isinstance(hello.get("lang"), str):
                # The widget's language (data-lang or the browser's); error frames follow it.
                set_locale(hello["lang"][:35])
            await self._start(hello)
        except ContactCenterError as exc:
            await send_error(self.ws, "visitor", exc)
            await self.ws.close(code=4401 if isinstance(exc, Forbidden) else 4400)
            return
        except (TimeoutError, WebSocketDisconnect):
            return
        metrics.WS_CONNECTIONS.labels(kind="visitor").inc()
        # Receive this visitor's topics before reading the history, so nothing falls
        # between the two. No bus call here: a visitor is served while Redis is down.
        topics = {f"visitor:{self.visitor_id}"}
        if self.interaction is not None:
            topics.add(f"interaction:{self.interaction.id}")
        self.outlet = Outlet(
            self.ws,
            self.hub.dispatcher,
            topics,
            self.view.frame_for,
            limit_bytes=self.ctx.settings.ws_max_pending_bytes,
            label="visitor widget",
        )
        try:
            await self.outlet.open()
            await self._welcome()
            self.outlet.start()
            await self._read_loop()
        except WebSocketDisconnect:
            pass
        finally:
            await self.outlet.close()
            metrics.WS_CONNECTIONS.labels(kind="visitor").dec()

    async def _start(self, hello: Frame) -> None:
        token = hello.get("token")
        if token:
            self.visitor_id = self.tokens.verify(token)
            self.token = token
        else:
            self.visitor_id, self.token = self.tokens.issue()
        await self._set_profile(hello)
        self.interaction = await self.hub.db.run(queries.latest_interaction, "chat", self.visitor_id)

    async def _welcome(self) -> None:
        history: list[dict[str, Any]] = []
        agent = ""
        if self.interaction is not None:
            events = await self.hub.db.run(
                queries.interaction_events, stored_id(self.interaction), include_internal=False
            )
            history = [public_event_dict(e) for e in events if e.kind == "message"]
            self.view.shown = {int(e["id"]) for e in history}
            agent = await self.hub.db.run(queries.agent_name, self.interaction.agent_id)
            self.agent_name = agent
        await send_frame(
            self.ws,
            {
                "type": "welcome",
                "token": self.token,
                "visitor_id": self.visitor_id,
                "conversation": self.view.conversation(),
                "history": history,
                "max_attachment_bytes": self.ctx.settings.attachment_max_bytes,
                "identity": self.claim.state,
            },
        )
        if self.interaction is not None and self.interaction.status == "queued":
            wait = await current_wait(self.hub, self.interaction.id)  # type: ignore[arg-type]
            if wait is not None:
                await send_frame(self.ws, {"type": "queue", **wait})

    async def _read_loop(self) -> None:
        while True:
            try:
                frame = await receive_frame(self.ws, self.max_frame)
            except FrameError as exc:
                await send_error(self.ws, "visitor", exc)
                continue
            kind = frame["type"]
            handler = {kind: getattr(self, f"on_{kind}")} if kind in self.FRAME_TYPES else {}
            await dispatch(self.ws, "visitor", handler, frame)

    # -- frame handlers ---------------------------------------------------------
    async def _set_profile(self, frame: Frame) -> None:
        name = field(frame, "name", str, required=False, max_len=120)
        email = field(frame, "email", str, required=False, max_len=320)
        if name is not None:
            self.name = name.strip()
        if email:
            self.email = normalise_email(email)
            self.claim = await check_claim(self.hub, frame, self.email, self.claim)

    async def on_profile(self, frame: Frame) -> None:
        await self._set_profile(frame)
        await send_frame(
            self.ws,
            {"type": "profile_saved", "name": self.name, "email": self.email, "identity": self.claim.state},
        )

    async def on_message(self, frame: Frame) -> None:
        if self.message_gate is not None:
            await self.message_gate(self)
        client_id = field(frame, "client_id", str, max_len=64)
        body = field(frame, "body", str, required=False, max_len=10_000) or ""
        attachment_tokens = field(frame, "attachments", list, required=False, max_len=5) or []
        attachments = [await self.files.describe(t, owner=self.visitor_id) for t in attachment_tokens]
        if not body.strip() and not attachments:
            raise FrameError("a message needs text or an attachment", code="empty_message")
        identities = self.claim.identities(self.visitor_id)
        item = InboundItem(
            channel="chat",
            identities=identities,
            thread_key=self.visitor_id,
            body=body,
            external_id=f"{self.visitor_id}:{client_id}",
            # An unverified email is not a name to show: the agent sees it as a claim.
            display_name=self.name or (self.email if self.claim.verified else "") or "Web visitor",
            payload={"attachments": attachments} if attachments else {},
        )
        also = self.claim.record()
        current = self.interaction
        if current is None or current.status not in LIVE_STATUSES:
            # This message would open a new conversation: only while the chat queue is open.
            # A conversation already under way continues after closing time.
            await self.hub.db.run(refuse_new_chat_when_closed, datetime.now(UTC))
        if (
            current is not None
            and also is None
            and identities == self.lean_identities
            and current.status in ("queued", "offered", "active")
        ):
            result = await self.hub.store_follow_up(current, item)
        else:
            result = await self.hub.store(item, also=also)
        same = result.customer.id == result.interaction.customer_id
        self.lean_identities = identities if same and not result.duplicate else None
        previous = self.interaction.id if self.interaction else None
        if self.outlet is not None and result.interaction.id != previous:
            self.outlet.follow(f"interaction:{result.interaction.id}")
        if result.interaction.id != previous:
            self.agent_name = ""
        self.interaction = result.interaction
        # Persisted: acknowledge first, then let everyone else know.
        await send_frame(
            self.ws, {"type": "ack", "client_id": client_id, "event": public_event_dict(result.event)}
        )
        if result.interaction.id != previous:
            await send_frame(self.ws, {"type": "status", "conversation": self.view.conversation()})
        await self.hub.announce(result)

    async def on_typing(self, frame: Frame) -> None:
        state = bool(frame.get("state"))
        if self.interaction is None or self.interaction.status not in ("queued", "offered", "active"):
            return
        await self.hub.publish(
            {
                "type": "typing",
                "interaction_id": self.interaction.id,
                "who": "customer",
                "name": self.name,
                "state": state,
                "preview": field(frame, "preview", str, required=False, max_len=500) or "",
            }
        )

    async def on_end(self, frame: Frame) -> None:
        if self.interaction is None or self.interaction.id is None:
            raise Conflict("there is no conversation to end", code="no_conversation")
        self.interaction = await self.hub.end_by_customer(self.interaction.id)
        await send_frame(self.ws, {"type": "status", "conversation": self.view.conversation()})

    async def on_csat(self, frame: Frame) -> None:
        rating = field(frame, "rating", int)
        comment = field(frame, "comment", str, required=False, max_len=2000) or ""
        if self.interaction is None or self.interaction.id is None:
            raise Conflict("there is no conversation to rate", code="no_conversation")
        self.interaction = await self.hub.rate(self.interaction.id, rating, comment)
        await send_frame(self.ws, {"type": "csat_saved", "rating": rating})

    async def on_ping(self, frame: Frame) -> None:
        await send_frame(self.ws, {"type": "pong"})
