"""Generic CTI events from a company's own PBX (Asterisk, 3CX…): screen-pop and call log.

    POST /channels/cti/events
    X-CTI-Signature: sha256=<hex HMAC-SHA256 of the raw body with CTI_SHARED_SECRET>
    {"id": "evt-1", "type": "ringing", "call_id": "1700000000.42", "from": "+4930...",
     "to": "+4930...", "direction": "inbound", "queue": "Support", "extension": "201"}

``ringing`` stores a voice interaction for the caller and offers it to the agent
whose extension rings: the router's offer is the screen-pop. ``answer`` marks the
call answered and accepts it for the answering agent. ``hangup`` ends it: a call
nobody answered is logged as missed. Retried events change nothing. Format and an
Asterisk AMI bridge: docs/cti.md.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import TYPE_CHECKING, Any

from starlette.background import BackgroundTasks
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from channels.cti.events import CtiEvent, parse_event
from channels.voice import VOICE
from contact_center import telephony
from contact_center.context import AppContext
from contact_center.i18n import _
from contact_center.telephony import caller_identity
from repository.core.ingest import InboundItem
from repository.errors import ContactCenterError, InvalidSignature
from repository.telephony import calls
from repository.telephony.config import queue_id_by_name, resolve_agent
from repository.telephony.logged import logged_with

if TYPE_CHECKING:
    from collections.abc import Sequence

    from starlette.routing import BaseRoute

    from repository.core.models import Event, Interaction

log = logging.getLogger(__name__)
MAX_EVENT_BYTES = 32 * 1024
# PBX hang-up cause → the call record's final state when the call had been answered / not.
ANSWERED_END = {"normal": "completed", "forwarded": "completed"}
UNANSWERED_END = {"busy": "busy", "no_answer": "no-answer", "congestion": "failed", "not_found": "failed"}


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class CtiEvents:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.hub = ctx.hub

    async def receive(self, request: Request) -> Response:
        body = await request.body()
        secret = str(self.ctx.settings.cti_shared_secret)
        if not secret:
            raise InvalidSignature("CTI events are refused: CTI_SHARED_SECRET is not set")
        sent = request.headers.get("x-cti-signature", "")
        if not sent or not hmac.compare_digest(sent.encode(), sign(secret, body).encode()):
            raise InvalidSignature("X-CTI-Signature does not match the body", code="bad_signature")
        if len(body) > MAX_EVENT_BYTES:
            raise ContactCenterError("event too large", code="too_large")
        event = parse_event(body)
        handler = {"ringing": self.ringing, "answer": self.answer, "hangup": self.hangup}[event.type]
        return await handler(event)

    async def ringing(self, event: CtiEvent) -> Response:
        customer_number = event.from_number if event.direction == "inbound" else event.to_number
        agent_id = await self.hub.db.run(resolve_agent, event.extension, event.user)
        queue_id = await self.hub.db.run(queue_id_by_name, event.queue)
        result = await self.hub.store(
            InboundItem(
                channel="voice",
                identities=[caller_identity(customer_number, event.call_id)],
                thread_key=f"cti:{event.call_id}",
                body=_("Call from %(number)s", number=customer_number)
                if event.direction == "inbound"
                else _("Call to %(number)s", number=customer_number),
                external_id=f"cti:{event.call_id}",
                queue_id=queue_id,
                subject=_("Call from %(number)s", number=customer_number),
                payload={"call": {"provider": "cti", "call_id": event.call_id, "from": event.from_number}},
            ),
            # One transaction: the contact, its call record and card, the event id, and the
            # ringing extension's agent as its only target, so the router can never offer
            # it to anyone else first. An agent who is away still gets it on coming back
            # while it rings; unanswered, the hang-up logs it as missed (docs/cti.md).
            also=logged_with(
                "cti",
                event.call_id,
                from_number=event.from_number,
                to_number=event.to_number,
                direction=event.direction,
                target_agent_id=agent_id,
                event_key=f"cti:{event.id}",
            ),
        )
        interaction = result.interaction
        tasks = BackgroundTasks()
        tasks.add_task(self.hub.announce, result)
        body = {
            "status": "accepted",
            "interaction_id": interaction.id,
            "agent_id": agent_id,
            "duplicate": result.duplicate,
        }
        return JSONResponse(body, status_code=202, background=tasks)

    async def answer(self, event: CtiEvent) -> Response:
        agent_id = await self.hub.db.run(resolve_agent, event.extension, event.user)
        record = await telephony.apply_state(
            self.hub, "cti", event.call_id, "answered", key=f"cti:{event.id}", agent_id=agent_id
        )
        if record is not None and record.interaction_id is not None and agent_id is not None:
            await self._accept(record.interaction_id, agent_id)
        return _done(record, event)

    async def _accept(self, interaction_id: int, agent_id: int) -> None:
        """The agent picked up the phone: that is the accept."""
        agent = await self.hub.agent(agent_id)
        try:
            await self.hub.accept(agent, interaction_id)
        except ContactCenterError:
            # Not offered to this agent (busy desktop, other extension answered): the
            # call record still names who answered.
            log.info(
                "CTI answer by agent %s: interaction %s was not offered to them", agent_id, interaction_id
            )

    async def hangup(self, event: CtiEvent) -> Response:
        record = await self.hub.db.run(calls.get_call, "cti", event.call_id)
        if record is None:
            return JSONResponse({"status": "unknown_call"}, status_code=202)
        if record.answered_at is not None:
            state = ANSWERED_END.get(event.cause, "completed")
        else:
            state = UNANSWERED_END.get(event.cause, "missed") if event.direction == "outbound" else "missed"
        updated = await telephony.apply_state(
            self.hub, "cti", event.call_id, state, key=f"cti:{event.id}", cause=event.cause
        )
        if updated is not None:
            await telephony.caller_left(
                self.hub,
                updated,
                self.ctx.router.wake,
                reason="missed" if updated.state == "missed" else "abandoned",
            )
        return _done(updated, event)


def _done(record: Any, event: CtiEvent) -> Response:
    if record is None:
        return JSONResponse({"status": "duplicate_or_unknown", "id": event.id}, status_code=202)
    return JSONResponse({"status": "accepted", "id": event.id, "state": record.state}, status_code=202)


class CtiAdapter:
    """Calls on the company's own PBX: it tells us about them; nothing is sent back."""

    name = "cti"
    kinds = (VOICE,)

    def __init__(self, routes: Sequence[BaseRoute]) -> None:
        self.routes = routes

    async def start(self) -> None:
        """The PBX posts events; nothing runs between them."""

    async def stop(self) -> None:
        """Nothing to stop."""

    async def send(self, interaction: Interaction, event: Event) -> None:
        """Not called: VOICE does not set ``sends``."""

    async def check(self, interaction: Interaction) -> None:
        """Notes on a call are always allowed."""

    async def health(self) -> dict[str, Any] | None:
        return None  # the PBX calls us


def adapter(ctx: AppContext) -> CtiAdapter:
    events = CtiEvents(ctx)
    return CtiAdapter([Route("/channels/cti/events", events.receive, methods=["POST"])])
