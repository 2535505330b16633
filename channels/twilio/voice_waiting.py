"""The caller's side of a Twilio call after the IVR: the wait loop and the caller hanging up.

``/voice/wait`` says the router's position and estimated wait; ``/voice/left-queue``
(``QueueResult=hangup``) and the number's status callback (``/voice/status``) end the
call record: a caller who hung up while waiting abandons the interaction. Each end is
keyed by CallSid, so Twilio's retries are no-ops. See docs/twilio.md ("A caller who
hangs up while waiting").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.responses import Response

from channels.twilio import twiml
from channels.twilio.signature import verified_params
from channels.twilio.voice_params import call_sid, dialled_number, query_int, spoken, whole_seconds
from contact_center import telephony
from contact_center.i18n import use_locale
from contact_center.waiting import current_wait
from repository.telephony import calls

if TYPE_CHECKING:
    from starlette.requests import Request

    from contact_center.context import AppContext

# Twilio's CallStatus values that end the caller's own leg.
PARENT_FINAL = {"completed", "busy", "no-answer", "failed", "canceled"}


class CallerWait:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.hub = ctx.hub

    async def wait(self, request: Request) -> Response:
        params = await verified_params(request, self.ctx.settings)
        interaction_id = query_int(request, "interaction")
        where = await current_wait(self.hub, interaction_id)
        position = where["position"] if where else None
        estimate = where["estimated_wait_seconds"] if where else None
        # Twilio's wait-URL request carries the call's To: the number the caller dialled.
        with use_locale(spoken(await dialled_number(self.hub, params))):
            return twiml.respond(twiml.waiting(position, estimate))

    async def left_queue(self, request: Request) -> Response:
        """The <Enqueue> ended: a hang-up while waiting is an abandoned call."""
        params = await verified_params(request, self.ctx.settings)
        if params.get("QueueResult") == "hangup":
            await self._caller_hung_up(call_sid(params), params)
        return twiml.respond(twiml.VoiceResponse())

    async def status(self, request: Request) -> Response:
        """The caller's own leg changed state (the number's status callback)."""
        params = await verified_params(request, self.ctx.settings)
        status = params.get("CallStatus", "")
        if status in PARENT_FINAL:
            await self._caller_hung_up(call_sid(params), params)
        return Response(status_code=204)

    async def _caller_hung_up(self, sid: str, params: dict[str, str]) -> None:
        record = await self.hub.db.run(calls.get_call, "twilio", sid)
        if record is None:
            return
        status = params.get("CallStatus", "completed")
        duration = whole_seconds(params.get("CallDuration"))
        if record.cause == "voicemail":
            # The message is the contact; the caller hanging up after it abandons nothing.
            await telephony.apply_state(
                self.hub, "twilio", sid, "", key=f"twilio:{sid}:hangup", duration_seconds=duration
            )
            return
        if record.state == "queued" or (
            record.state == "ringing" and record.answered_at is None and record.interaction_id
        ):
            state, reason = "abandoned", "abandoned"
        elif record.state == "ringing" and record.interaction_id is None:
            state, reason = "completed", ""
        else:
            state, reason = ("completed" if status in ("completed", "canceled") else status), ""
        updated = await telephony.apply_state(
            self.hub,
            "twilio",
            sid,
            state,
            key=f"twilio:{sid}:hangup",
            duration_seconds=duration,
            cause=reason or status,
        )
        if updated is not None and updated.interaction_id is not None:
            await telephony.caller_left(self.hub, updated, self.ctx.router.wake)
