"""WhatsApp through Twilio's Messaging API: inbound webhooks, replies, templates, media.

Twilio delivers WhatsApp like SMS, with ``whatsapp:+E164`` addresses, to
``/channels/twilio/whatsapp`` (signed like every Twilio webhook). The customer is
found by their phone number, so their WhatsApp, SMS and calls share one timeline; the
conversation is a ``whatsapp`` interaction threaded by (customer, company number).

WhatsApp allows free-form messages only within 24 hours of the customer's last message
(the customer-care window); outside it, only an approved template (Twilio Content
``ContentSid`` plus variables) may be sent. A reply outside the window is refused before
it is stored. STOP / START keep the product's own opt-out list (Twilio does not for
WhatsApp). Delivery reports reuse the SMS status callback. See docs/whatsapp.md.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlmodel import col, select
from starlette.background import BackgroundTask

from channels.twilio import twiml
from channels.twilio.client import TwilioApi, TwilioUnavailable
from channels.twilio.signature import verified_params
from channels.twilio.sms import DELIVERY, MAX_MEDIA, START_WORDS, STOP_WORDS, parties, thread_key
from repository.core.identity import normalise_phone
from repository.core.ingest import InboundItem
from repository.core.models import Event, utcnow
from repository.errors import Conflict, InvalidInput
from repository.outreach.messages import is_opted_out, set_opt_out
from repository.telephony.config import get_number

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

    from channels.twilio.urls import Urls
    from contact_center.context import AppContext
    from repository.core.models import Interaction
    from repository.db import Database

log = logging.getLogger(__name__)
CHANNEL = "whatsapp"
PREFIX = "whatsapp:"
WINDOW = timedelta(hours=24)


def bare(address: str) -> str:
    """``whatsapp:+14155550123`` → ``+14155550123``; anything else is refused."""
    if not address.startswith(PREFIX):
        raise InvalidInput("a WhatsApp address starts with whatsapp:", field="From")
    return normalise_phone(address[len(PREFIX) :])


def last_customer_message(db: Database, key: str) -> Any:
    """When the customer last wrote on this WhatsApp thread (any of its interactions)."""
    from repository.core.models import Interaction

    with db.read() as session:
        return session.exec(
            select(Event.created_at)
            .join(Interaction, col(Interaction.id) == col(Event.interaction_id))
            .where(
                Interaction.channel == CHANNEL,
                Interaction.thread_key == key,
                Event.author_type == "customer",
            )
            .order_by(col(Event.created_at).desc())
            .limit(1)
        ).first()


class WhatsApp:
    def __init__(self, ctx: AppContext, api: TwilioApi, urls: Urls) -> None:
        self.ctx = ctx
        self.hub = ctx.hub
        self.api = api
        self.url = urls

    async def inbound(self, request: Request) -> Response:
        params = await verified_params(request, self.ctx.settings)
        sid = params.get("MessageSid") or params.get("SmsSid") or ""
        if not sid or len(sid) > 64:
            raise InvalidInput("MessageSid is missing", field="MessageSid")
        sender, company = bare(params.get("From", "")), bare(params.get("To", ""))
        body = params.get("Body", "")
        keyword = body.strip().upper()
        if keyword in STOP_WORDS | START_WORDS:
            await self.hub.db.run(set_opt_out, CHANNEL, sender, keyword in STOP_WORDS, f"texted {keyword}")
            return twiml.respond(twiml.message(None))
        media = []
        count = int(params.get("NumMedia", "0")) if params.get("NumMedia", "0").isdigit() else 0
        for i in range(min(count, MAX_MEDIA)):
            url = params.get(f"MediaUrl{i}", "")
            if url.startswith(("https://", "http://")):
                media.append({"url": url[:500], "content_type": params.get(f"MediaContentType{i}", "")[:100]})
        number = await self.hub.db.run(get_number, company)
        payload: dict[str, Any] = {"from": sender, "to": company}
        if media:
            payload["media"] = media
        result = await self.hub.store(
            InboundItem(
                channel=CHANNEL,
                identities=[("phone", sender)],
                thread_key=thread_key(sender, company),
                body=body,
                external_id=sid,
                display_name=params.get("ProfileName", "")[:200],
                queue_id=number.default_queue_id if number else None,
                payload=payload,
            )
        )
        return twiml.respond(twiml.message(None), background=BackgroundTask(self.hub.announce, result))

    # -- outbound -----------------------------------------------------------
    async def check(self, interaction: Interaction) -> None:
        """An agent's free-form reply: the customer must not have opted out, the window must be open."""
        await self.check_message(interaction, {})

    async def check_message(self, interaction: Interaction, extra: dict[str, Any]) -> None:
        customer, _company = parties(interaction)
        if await self.hub.db.run(is_opted_out, CHANNEL, customer):
            raise Conflict(
                "%(number)s has opted out of WhatsApp messages; nothing was sent",
                params={"number": customer},
                code="opted_out",
            )
        if extra.get("template"):
            return  # approved templates may be sent at any time
        last = await self.hub.db.run(last_customer_message, interaction.thread_key)
        if last is None or utcnow() - _aware(last) > WINDOW:
            raise Conflict(
                "the customer last wrote more than 24 hours ago: WhatsApp allows only an approved template now",
                code="whatsapp_window_closed",
            )

    async def send(self, interaction: Interaction, event: Event) -> None:
        customer, company = parties(interaction)
        params: dict[str, Any] = {"to": PREFIX + customer, "from_": PREFIX + company}
        template = event.payload.get("template")
        if template:
            params["content_sid"] = template["content_sid"]
            if template.get("variables"):
                params["content_variables"] = json.dumps(template["variables"], ensure_ascii=False)
        else:
            params["body"] = event.body
        if event.payload.get("media_urls"):
            params["media_url"] = list(event.payload["media_urls"])
        if self.url.absolute:
            # Delivery reports have the same shape as SMS ones; one handler serves both.
            params["status_callback"] = self.url("/sms/status", event=event.id)
        try:
            message = await self.api.send_message(**params)
        except TwilioUnavailable as exc:
            log.warning("WhatsApp message for event %s not sent: %s", event.id, exc.message)
            await self.hub.set_delivery(event.id, "failed", exc.message)  # type: ignore[arg-type]
            return
        await self.hub.set_delivery(event.id, DELIVERY.get(str(message.status), "queued"))  # type: ignore[arg-type]


def _aware(when: Any) -> Any:
    from datetime import UTC

    return when.replace(tzinfo=UTC) if when.tzinfo is None else when
