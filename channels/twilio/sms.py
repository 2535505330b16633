"""SMS through Twilio: inbound messages and keywords, agent replies, delivery callbacks.

An inbound SMS becomes an ``sms`` interaction threaded by (customer, company number),
idempotent by MessageSid. STOP/START/HELP never reach an agent: they change the
opt-out list or get the configured answer. A reply to an opted-out number is
refused before it is stored, so the agent sees why at once.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from starlette.background import BackgroundTask
from starlette.responses import Response

from channels.twilio import mms, twiml
from channels.twilio.client import TwilioApi, TwilioUnavailable
from channels.twilio.media import MediaLinks
from channels.twilio.signature import verified_params
from contact_center.i18n import DEFAULT_LOCALE, N_, _, gettext, use_locale
from repository.core.identity import normalise_phone
from repository.core.ingest import InboundItem
from repository.errors import Conflict, InvalidInput
from repository.telephony.config import get_number
from repository.telephony.opt_outs import is_opted_out, set_opt_out

if TYPE_CHECKING:
    from starlette.requests import Request

    from channels.twilio.urls import Urls
    from contact_center.context import AppContext
    from repository.core.models import Event, Interaction

log = logging.getLogger(__name__)
# Twilio's standard opt-out keywords (its Advanced Opt-Out uses the same lists).
STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT"}
START_WORDS = {"START", "YES", "UNSTOP", "OPTIN"}
HELP_WORDS = {"HELP", "INFO"}
# SMS_HELP_REPLY's default (config/settings.py), marked here so the catalogues carry it.
DEFAULT_HELP_REPLY = N_("Reply STOP to unsubscribe, START to resubscribe.")
MAX_MEDIA = 10
# Twilio's MessageStatus → the product's delivery states (repository.core.delivery).
DELIVERY = {
    "accepted": "queued",
    "scheduled": "queued",
    "queued": "queued",
    "sending": "sending",
    "sent": "sent",
    "delivered": "delivered",
    "read": "delivered",
    "undelivered": "undelivered",
    "failed": "failed",
    "canceled": "failed",
}


def thread_key(customer: str, company: str) -> str:
    return f"{customer}|{company}"


def parties(interaction: Interaction) -> tuple[str, str]:
    """(customer number, company number) of an SMS thread."""
    customer, _sep, company = interaction.thread_key.partition("|")
    return customer, company


class SmsWebhooks:
    def __init__(self, ctx: AppContext, api: TwilioApi, urls: Urls) -> None:
        self.ctx = ctx
        self.hub = ctx.hub
        self.api = api
        self.url = urls
        self.media = MediaLinks(ctx, urls)

    async def inbound(self, request: Request) -> Response:
        params = await verified_params(request, self.ctx.settings)
        sid = params.get("MessageSid") or params.get("SmsSid") or ""
        if not sid or len(sid) > 64:
            raise InvalidInput("MessageSid is missing", field="MessageSid")
        sender = normalise_phone(params.get("From", ""))
        company = normalise_phone(params.get("To", ""))
        body = params.get("Body", "")
        keyword = body.strip().upper()
        if keyword in STOP_WORDS | START_WORDS | HELP_WORDS:
            return await self._keyword(keyword, sender, company)
        media = []
        count = int(params.get("NumMedia", "0")) if params.get("NumMedia", "0").isdigit() else 0
        for i in range(min(count, MAX_MEDIA)):
            url = params.get(f"MediaUrl{i}", "")
            if url.startswith(("https://", "http://")):
                media.append({"url": url[:500], "content_type": params.get(f"MediaContentType{i}", "")[:100]})
        number = await self.hub.db.run(get_number, company)
        result = await self.hub.store(
            InboundItem(
                channel="sms",
                identities=[("phone", sender)],
                thread_key=thread_key(sender, company),
                body=body,
                external_id=sid,
                queue_id=number.default_queue_id if number else None,
                payload={"from": sender, "to": company, "media": media}
                if media
                else {"from": sender, "to": company},
            )
        )
        return twiml.respond(twiml.message(None), background=BackgroundTask(self.hub.announce, result))

    async def _keyword(self, keyword: str, sender: str, company: str) -> Response:
        if keyword in STOP_WORDS:
            await self.hub.db.run(set_opt_out, sender, True, keyword)
            # Twilio itself confirms an opt-out to the handset; a second text would be noise.
            return twiml.respond(twiml.message(None))
        number = await self.hub.db.run(get_number, company)
        with use_locale(number.language if number is not None else DEFAULT_LOCALE):
            if keyword in START_WORDS:
                await self.hub.db.run(set_opt_out, sender, False, keyword)
                return twiml.respond(twiml.message(_("You are subscribed again. Reply STOP to unsubscribe.")))
            # The built-in HELP text (SMS_HELP_REPLY's default, marked below) is translated; an
            # admin's own text, on the number or in SMS_HELP_REPLY, is sent as written.
            text = (
                number.help_reply
                if number and number.help_reply
                else gettext(self.ctx.settings.sms_help_reply)
            )
            return twiml.respond(twiml.message(text))

    async def status(self, request: Request) -> Response:
        """Twilio's delivery report for one of our messages; the event id is in the signed URL."""
        params = await verified_params(request, self.ctx.settings)
        raw = request.query_params.get("event", "")
        state = DELIVERY.get(params.get("MessageStatus", ""))
        if not raw.isdigit() or len(raw) > 12 or state is None:
            raise InvalidInput("unknown message or status")
        code = params.get("ErrorCode", "")
        error = None
        if state in ("failed", "undelivered"):
            error = _("Twilio error %(code)s", code=code) if code else _("not delivered")
        await self.hub.set_delivery(int(raw), state, error)
        return Response(status_code=204)

    # -- outbound -----------------------------------------------------------
    async def check(self, interaction: Interaction) -> None:
        customer, _company = parties(interaction)
        if await self.hub.db.run(is_opted_out, customer):
            raise Conflict(
                "%(number)s has opted out of SMS (texted STOP); the reply was not sent.",
                params={"number": customer},
                code="sms_opted_out",
            )

    async def send(self, interaction: Interaction, event: Event) -> None:
        customer, company = parties(interaction)
        callback = self.url("/sms/status", event=event.id) if self.url.absolute else None
        files = list(event.payload.get("attachments") or [])
        if files and not self.url.absolute:
            # Twilio downloads MMS media from us: without a public address it cannot.
            error = _("files go by SMS only when PUBLIC_BASE_URL is set")
            await self.hub.set_delivery(event.id, "failed", error)  # type: ignore[arg-type]
            return
        try:
            if files:
                message = await mms.send(self.api, self.media, customer, company, event.body, files, callback)
            else:
                message = await self.api.send_sms(
                    to=customer, from_=company, body=event.body, status_callback=callback
                )
        except TwilioUnavailable as exc:
            log.warning("SMS for event %s not sent: %s", event.id, exc.message)
            await self.hub.set_delivery(event.id, "failed", exc.message)  # type: ignore[arg-type]
            return
        await self.hub.set_delivery(event.id, DELIVERY.get(str(message.status), "queued"))  # type: ignore[arg-type]
