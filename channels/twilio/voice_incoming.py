"""A Twilio call comes in: after-hours voicemail prompt, the IVR menu, then the queue.

incoming → (closed: the voicemail prompt) | (menu: gather) → enqueue, which stores the
voice interaction (the router's contact) and its call record in one transaction, then
answers ``<Enqueue>`` and announces after the answer, so Twilio never waits on the bus.
The rest of the call: voice_waiting (the wait loop, hang-ups), voice_agent_leg (the
agent's leg), voice_recordings (recordings, voicemail, transcription).
See docs/twilio.md ("Voice: IVR → queue → screen-pop → bridge → call log").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.background import BackgroundTasks

from channels.twilio import twiml
from channels.twilio.signature import verified_params
from channels.twilio.voice_params import call_sid, dialled_number, spoken
from contact_center.i18n import _, use_locale
from contact_center.telephony import caller_identity
from repository.core.ingest import InboundItem
from repository.core.models import utcnow
from repository.directory.business_hours import phone_calendar
from repository.telephony import calls
from repository.telephony.config import choose, is_open
from repository.telephony.logged import logged_with

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

    from channels.twilio.urls import Urls
    from contact_center.context import AppContext
    from repository.telephony.models import PhoneNumber


class IncomingCalls:
    def __init__(self, ctx: AppContext, urls: Urls) -> None:
        self.ctx = ctx
        self.hub = ctx.hub
        self.url = urls

    async def incoming(self, request: Request) -> Response:
        params = await verified_params(request, self.ctx.settings)
        sid = call_sid(params)
        number = await dialled_number(self.hub, params)
        if not is_open(await self.hub.db.run(phone_calendar, number), utcnow()):
            await self._open(params, sid)
            with use_locale(spoken(number)):
                return twiml.respond(twiml.after_hours(number, self.url))
        if number is not None and number.menu:
            await self._open(params, sid)
            with use_locale(spoken(number)):
                return twiml.respond(twiml.menu(number, self.url))
        # Straight to the queue: the call record is written in the ingest's transaction.
        return await self._enqueue(params, number, None)

    async def _open(self, params: dict[str, str], sid: str) -> None:
        """Log the call before the caller hears the menu or the after-hours message."""
        await self.hub.db.run(
            calls.open_call,
            "twilio",
            sid,
            from_number=params.get("From", ""),
            to_number=params.get("To", ""),
            direction="inbound",
        )

    async def gather(self, request: Request) -> Response:
        params = await verified_params(request, self.ctx.settings)
        number = await dialled_number(self.hub, params)
        option = choose(number, params.get("Digits", ""), params.get("SpeechResult", ""))
        return await self._enqueue(params, number, option)

    async def _enqueue(
        self, params: dict[str, str], number: PhoneNumber | None, option: dict[str, Any] | None
    ) -> Response:
        sid = call_sid(params)
        caller = params.get("From", "")
        queue_id = option["queue_id"] if option else (number.default_queue_id if number else None)
        label = option["label"] if option else ""
        body = _("Incoming call from %(number)s", number=caller)
        if label:
            body += " · " + _("IVR: %(choice)s", choice=label)
        result = await self.hub.store(
            InboundItem(
                channel="voice",
                identities=[caller_identity(caller, sid)],
                thread_key=f"twilio:{sid}",
                body=body,
                external_id=f"call:{sid}",
                queue_id=queue_id,
                subject=_("Call from %(number)s", number=caller),
                payload={"call": {"provider": "twilio", "call_id": sid, "from": caller, "state": "queued"}},
            ),
            # One transaction: the contact, the call record and the call card on its event.
            also=logged_with(
                "twilio", sid, from_number=caller, to_number=params.get("To", ""), ivr_choice=label
            ),
        )
        interaction = result.interaction
        # Committed: now answer, then announce (the router wakes, the offer carries the card).
        tasks = BackgroundTasks()
        tasks.add_task(self.hub.announce, result)
        return twiml.respond(
            twiml.enqueue(f"queue-{interaction.queue_id}", interaction.id, self.url),  # type: ignore[arg-type]
            background=tasks,
        )
