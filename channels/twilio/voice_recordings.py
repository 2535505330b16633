"""What a Twilio call leaves behind: its recording, an after-hours voicemail, a transcription.

``/voice/recording-status`` stores the recording URL on the call record;
``/voice/voicemail`` stores the message as a voice contact routed like any other,
with its call record ``completed`` (cause ``voicemail``) in the same transaction;
``/voice/transcription`` adds Twilio's text to the call card. Recording and
transcription may arrive after the call ended. See docs/twilio.md ("After hours").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.background import BackgroundTasks
from starlette.responses import Response

from channels.twilio import twiml
from channels.twilio.signature import verified_params
from channels.twilio.voice_params import call_sid, dialled_number, spoken, whole_seconds
from contact_center import telephony
from contact_center.i18n import _, use_locale
from contact_center.telephony import caller_identity
from repository.core.ingest import InboundItem
from repository.telephony import calls
from repository.telephony.logged import logged_with

if TYPE_CHECKING:
    from starlette.requests import Request

    from contact_center.context import AppContext


class Recordings:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.hub = ctx.hub

    async def recording(self, request: Request) -> Response:
        params = await verified_params(request, self.ctx.settings)
        sid = request.query_params.get("call") or call_sid(params)
        url = params.get("RecordingUrl", "")
        if url and params.get("RecordingStatus", "completed") == "completed":
            await telephony.apply_state(
                self.hub,
                "twilio",
                sid,
                "",
                key=f"recording:{params.get('RecordingSid', url)}",
                recording_url=url,
            )
        return Response(status_code=204)

    async def voicemail(self, request: Request) -> Response:
        """After hours: the recording is stored and routed as a contact like any other."""
        params = await verified_params(request, self.ctx.settings)
        sid = call_sid(params)
        url = params.get("RecordingUrl", "")
        number = await dialled_number(self.hub, params)
        if not url:
            with use_locale(spoken(number)):
                return twiml.respond(twiml.goodbye())
        caller = params.get("From", "")
        seconds = whole_seconds(params.get("RecordingDuration"))
        logged = logged_with(
            "twilio",
            sid,
            from_number=caller,
            to_number=params.get("To", ""),
            ivr_choice=_("voicemail"),
            state=None,
        )

        def also(session: Any, result: Any) -> None:
            logged(session, result)
            if not result.duplicate:
                calls.apply_state_in(
                    session,
                    "twilio",
                    sid,
                    "completed",
                    key=f"twilio:{sid}:voicemail",
                    cause="voicemail",
                    recording_url=url,
                )

        result = await self.hub.store(
            InboundItem(
                channel="voice",
                identities=[caller_identity(caller, sid)],
                thread_key=f"twilio:{sid}",
                body=_("Voicemail from %(number)s (%(seconds)s s)", number=caller, seconds=seconds or 0),
                external_id=f"voicemail:{sid}",
                queue_id=number.default_queue_id if number else None,
                subject=_("Voicemail from %(number)s", number=caller),
                payload={"voicemail": {"recording_url": url, "duration_seconds": seconds}},
            ),
            also=also,  # the message, its call record and the completed call card commit together
        )
        tasks = BackgroundTasks()
        tasks.add_task(self.hub.announce, result)
        with use_locale(spoken(number)):
            return twiml.respond(twiml.goodbye(_("Thank you, we will call you back.")), background=tasks)

    async def transcription(self, request: Request) -> Response:
        params = await verified_params(request, self.ctx.settings)
        text = params.get("TranscriptionText", "")
        if params.get("TranscriptionStatus", "completed") == "completed" and text:
            key = f"transcription:{params.get('TranscriptionSid') or call_sid(params)}"
            await telephony.apply_state(self.hub, "twilio", call_sid(params), "", key=key, transcription=text)
        return Response(status_code=204)
