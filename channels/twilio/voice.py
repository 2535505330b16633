"""Twilio voice webhooks: IVR, queue, voicemail, and the call's status callbacks.

incoming → (closed: voicemail) | (menu: gather) → enqueue, which stores the voice
interaction (the router's contact) → wait loop saying the router's position →
the agent accepts (channels.twilio.calls bridges) → status callbacks fill the
call record. Every handler stores first and answers TwiML only after the commit;
publishing runs as a background task after the answer, so Twilio never waits on
the bus. Each state change is keyed by CallSid+status, so Twilio's retries are no-ops.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from starlette.background import BackgroundTasks
from starlette.responses import Response

from channels.twilio import twiml
from channels.twilio.signature import verified_params
from contact_center import telephony
from contact_center.i18n import DEFAULT_LOCALE, _, use_locale
from contact_center.telephony import caller_identity
from contact_center.waiting import current_wait
from repository import telephony_calls as calls
from repository.errors import InvalidInput
from repository.identity import normalise_phone
from repository.ingest import InboundItem
from repository.models import Interaction, utcnow
from repository.telephony_config import choose, get_number, is_open

if TYPE_CHECKING:
    from starlette.requests import Request

    from channels.twilio.plugin import Urls
    from contact_center.context import AppContext
    from repository.telephony_models import PhoneNumber

log = logging.getLogger(__name__)
# Twilio's CallStatus → the call record's state, for the caller's own leg.
PARENT_FINAL = {"completed", "busy", "no-answer", "failed", "canceled"}
LEG_STATES = {
    "ringing": "ringing",
    "in-progress": "answered",
    "answered": "answered",
    "completed": "completed",
    "busy": "busy",
    "no-answer": "no-answer",
    "failed": "failed",
    "canceled": "canceled",
}
LEG_FAILED = {"busy", "no-answer", "failed", "canceled"}


def _sid(params: dict[str, str], name: str = "CallSid") -> str:
    value = params.get(name, "")
    if not value or len(value) > 64:
        raise InvalidInput("%(name)s is missing", params={"name": name}, field=name)
    return value


def _spoken(number: PhoneNumber | None) -> str:
    """The locale a number speaks in (its ``language``); English for a number not configured.

    Only what the caller hears follows it: texts stored in the CCR for agents do not.
    """
    return number.language if number is not None else DEFAULT_LOCALE


def _seconds(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


class VoiceWebhooks:
    def __init__(self, ctx: AppContext, urls: Urls) -> None:
        self.ctx = ctx
        self.hub = ctx.hub
        self.url = urls

    async def _number(self, params: dict[str, str]) -> PhoneNumber | None:
        try:
            to = normalise_phone(params.get("To", ""))
        except InvalidInput:
            return None
        return await self.hub.run_db(get_number, to)  # type: ignore[no-any-return]

    async def incoming(self, request: Request) -> Response:
        params = await verified_params(request, self.ctx.settings)
        sid = _sid(params)
        number = await self._number(params)
        if not is_open(number, utcnow()):
            await self._open(params, sid)
            with use_locale(_spoken(number)):
                return twiml.respond(twiml.after_hours(number, self.url))
        if number is not None and number.menu:
            await self._open(params, sid)
            with use_locale(_spoken(number)):
                return twiml.respond(twiml.menu(number, self.url))
        # Straight to the queue: the call record is written in the ingest's transaction.
        return await self._enqueue(params, number, None)

    async def _open(self, params: dict[str, str], sid: str) -> None:
        """Log the call before the caller hears the menu or the after-hours message."""
        await self.hub.run_db(
            calls.open_call,
            "twilio",
            sid,
            from_number=params.get("From", ""),
            to_number=params.get("To", ""),
            direction="inbound",
        )

    async def gather(self, request: Request) -> Response:
        params = await verified_params(request, self.ctx.settings)
        number = await self._number(params)
        option = choose(number, params.get("Digits", ""), params.get("SpeechResult", ""))
        return await self._enqueue(params, number, option)

    async def _enqueue(
        self, params: dict[str, str], number: PhoneNumber | None, option: dict[str, Any] | None
    ) -> Response:
        sid = _sid(params)
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
            also=calls.logged_with(
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

    async def wait(self, request: Request) -> Response:
        params = await verified_params(request, self.ctx.settings)
        interaction_id = _query_int(request, "interaction")
        where = await current_wait(self.hub, interaction_id)
        position = where["position"] if where else None
        estimate = where["estimated_wait_seconds"] if where else None
        # Twilio's wait-URL request carries the call's To: the number the caller dialled.
        with use_locale(_spoken(await self._number(params))):
            return twiml.respond(twiml.waiting(position, estimate))

    async def left_queue(self, request: Request) -> Response:
        """The <Enqueue> ended: a hang-up while waiting is an abandoned call."""
        params = await verified_params(request, self.ctx.settings)
        if params.get("QueueResult") == "hangup":
            await self._caller_hung_up(_sid(params), params)
        return twiml.respond(twiml.VoiceResponse())

    async def status(self, request: Request) -> Response:
        """The caller's own leg changed state (the number's status callback)."""
        params = await verified_params(request, self.ctx.settings)
        status = params.get("CallStatus", "")
        if status in PARENT_FINAL:
            await self._caller_hung_up(_sid(params), params)
        return Response(status_code=204)

    async def _caller_hung_up(self, sid: str, params: dict[str, str]) -> None:
        record = await self.hub.run_db(calls.get_call, "twilio", sid)
        if record is None:
            return
        status = params.get("CallStatus", "completed")
        duration = _seconds(params.get("CallDuration"))
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

    async def agent_status(self, request: Request) -> Response:
        """The agent's (or, on click-to-call, the customer's) leg: ringing, answered, ended."""
        params = await verified_params(request, self.ctx.settings)
        parent = request.query_params.get("call") or params.get("ParentCallSid", "")
        status = params.get("CallStatus", "")
        state = LEG_STATES.get(status)
        if parent and state:
            talk = _seconds(params.get("CallDuration")) if state == "completed" else None
            cause = ""
            record = await self.hub.run_db(calls.get_call, "twilio", parent)
            if record is not None and record.direction == "inbound" and state in LEG_FAILED:
                # The agent's phone did not pick up: the caller is still waiting, so the
                # call goes back to "queued" (dial-done requeues it); the cause says why.
                state, cause = "queued", f"agent {status}"
            await telephony.apply_state(
                self.hub,
                "twilio",
                parent,
                state,
                key=f"leg:{_sid(params)}:{status}",
                talk_seconds=talk,
                cause=cause,
            )
        return Response(status_code=204)

    async def dial_done(self, request: Request) -> Response:
        """The bridge ended. If the agent never picked up, the caller goes back to the queue."""
        params = await verified_params(request, self.ctx.settings)
        interaction_id = _query_int(request, "interaction")
        outcome = params.get("DialCallStatus", "")
        spoken = _spoken(await self._number(params))
        if outcome in ("busy", "no-answer", "failed", "canceled"):
            requeued = await self._requeue(interaction_id)
            if requeued is not None:
                with use_locale(spoken):
                    return twiml.respond(
                        twiml.back_in_queue(f"queue-{requeued.queue_id}", interaction_id, self.url)
                    )
        with use_locale(spoken):
            return twiml.respond(twiml.goodbye())

    async def _requeue(self, interaction_id: int) -> Any:
        from repository.errors import ContactCenterError

        interaction = await self.hub.run_db(lambda db: _get(db, Interaction, interaction_id))
        if interaction is None or interaction.agent_id is None or interaction.status != "active":
            return None
        agent = await self.hub.agent(interaction.agent_id)
        try:
            return await self.hub.transfer(agent, interaction_id, to_queue_id=interaction.queue_id)
        except ContactCenterError:
            log.warning("call of interaction %s could not go back to its queue", interaction_id)
            return None

    async def recording(self, request: Request) -> Response:
        params = await verified_params(request, self.ctx.settings)
        sid = request.query_params.get("call") or _sid(params)
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
        sid = _sid(params)
        url = params.get("RecordingUrl", "")
        number = await self._number(params)
        if not url:
            with use_locale(_spoken(number)):
                return twiml.respond(twiml.goodbye())
        caller = params.get("From", "")
        seconds = _seconds(params.get("RecordingDuration"))
        logged = calls.logged_with(
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
        with use_locale(_spoken(number)):
            return twiml.respond(twiml.goodbye(_("Thank you, we will call you back.")), background=tasks)

    async def transcription(self, request: Request) -> Response:
        params = await verified_params(request, self.ctx.settings)
        text = params.get("TranscriptionText", "")
        if params.get("TranscriptionStatus", "completed") == "completed" and text:
            key = f"transcription:{params.get('TranscriptionSid') or _sid(params)}"
            await telephony.apply_state(self.hub, "twilio", _sid(params), "", key=key, transcription=text)
        return Response(status_code=204)


def _query_int(request: Request, name: str) -> int:
    raw = request.query_params.get(name, "")
    if not raw.isascii() or not raw.isdigit() or len(raw) > 12:
        raise InvalidInput("%(name)s is missing", params={"name": name}, field=name)
    return int(raw)


def _get(db: Any, model: Any, row_id: int | None) -> Any:
    if row_id is None:
        return None
    with db.read() as session:
        return session.get(model, row_id)


__all__ = ["VoiceWebhooks"]
