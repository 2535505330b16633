"""Every TwiML document the product answers with, built with twilio's TwiML classes.

Building through the library (never by string) means every answer is well-formed
XML with Twilio's own attribute names. What the caller hears goes through the
i18n layer like every other user-visible string.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.responses import Response
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import Dial, Gather, VoiceResponse

from contact_center.i18n import _, current_locale

if TYPE_CHECKING:
    from collections.abc import Callable

    from repository.telephony.models import PhoneNumber

    Url = Callable[..., str]

XML = "application/xml"
VOICEMAIL_MAX_SECONDS = 120
# What <Say> needs to read a locale's text: Twilio's language code and a voice that speaks
# it (the default "man"/"woman" voices speak no Chinese). Google standard voices per
# Twilio's text-to-speech table; docs/i18n.md, "Telephony". A locale not listed here
# (a catalogue an admin dropped in) gets the account's default voice and language.
SAY: dict[str, dict[str, str]] = {
    "en": {"language": "en-US"},
    "zh_Hans": {"language": "cmn-CN", "voice": "Google.cmn-CN-Standard-A"},
    "zh_Hant": {"language": "cmn-TW", "voice": "Google.cmn-TW-Standard-A"},
}
# <Gather> speech recognition, BCP 47 as Twilio's speech-to-text list names them.
GATHER_LANGUAGE = {"en": "en-US", "zh_Hans": "cmn-Hans-CN", "zh_Hant": "cmn-Hant-TW"}


def speech() -> dict[str, str]:
    """The <Say> attributes for the current locale (the number's, see voice.py)."""
    return SAY.get(current_locale(), {})


def respond(twiml: VoiceResponse | MessagingResponse, **kwargs: Any) -> Response:
    return Response(str(twiml), media_type=XML, **kwargs)


def message(text: str | None) -> MessagingResponse:
    reply = MessagingResponse()
    if text:
        reply.message(text)
    return reply


def menu(number: PhoneNumber, url: Url) -> VoiceResponse:
    """The greeting and the options, by key or by voice; silence falls through to the default queue."""
    response = VoiceResponse()
    hints = ", ".join(
        word for option in number.menu for word in [option["label"], *option.get("keywords", [])]
    )
    gather = Gather(
        input="dtmf speech",
        num_digits=1,
        action=url("/voice/gather"),
        timeout=6,
        hints=hints[:500],
        language=GATHER_LANGUAGE.get(current_locale(), "en-US"),
    )
    gather.say(number.greeting or _("Thank you for calling."), **speech())
    for option in number.menu:
        gather.say(
            _(
                "For %(label)s, press %(digit)s or say %(label)s.",
                label=option["label"],
                digit=option["digit"],
            ),
            **speech(),
        )
    response.append(gather)
    response.redirect(url("/voice/gather"))
    return response


def enqueue(queue_name: str, interaction_id: int, url: Url) -> VoiceResponse:
    response = VoiceResponse()
    response.enqueue(
        queue_name,
        wait_url=url("/voice/wait", interaction=interaction_id),
        action=url("/voice/left-queue", interaction=interaction_id),
    )
    return response


def waiting(position: int | None, wait_seconds: int | None) -> VoiceResponse:
    """What a caller in the queue hears on each loop of the wait URL."""
    response = VoiceResponse()
    if position:
        response.say(_("You are number %(position)s in the queue.", position=position), **speech())
        if wait_seconds is not None and wait_seconds > 0:
            minutes = max(1, round(wait_seconds / 60))
            response.say(_("The expected wait is about %(minutes)s minutes.", minutes=minutes), **speech())
    else:
        response.say(_("Please hold, an agent will be with you shortly."), **speech())
    response.pause(length=10)
    return response


def after_hours(number: PhoneNumber | None, url: Url) -> VoiceResponse:
    response = VoiceResponse()
    text = number.after_hours_message if number and number.after_hours_message else ""
    response.say(text or _("We are closed right now. Please leave a message after the tone."), **speech())
    response.record(
        action=url("/voice/voicemail"),
        max_length=VOICEMAIL_MAX_SECONDS,
        play_beep=True,
        transcribe=True,
        transcribe_callback=url("/voice/transcription"),
        recording_status_callback=url("/voice/recording-status"),
    )
    response.say(_("We did not get a message. Goodbye."), **speech())
    return response


def goodbye(text: str | None = None) -> VoiceResponse:
    response = VoiceResponse()
    response.say(text or _("Thank you. Goodbye."), **speech())
    response.hangup()
    return response


def bridge_to_agent(
    *, client_identity: str | None, phone_number: str | None, call_sid: str, interaction_id: int, url: Url
) -> VoiceResponse:
    """Connect the waiting caller to the agent who accepted, recording from answer."""
    response = VoiceResponse()
    dial = Dial(
        action=url("/voice/dial-done", interaction=interaction_id),
        timeout=20,
        record="record-from-answer",
        recording_status_callback=url("/voice/recording-status", call=call_sid),
    )
    leg = {
        "status_callback": url("/voice/agent-status", call=call_sid),
        "status_callback_event": "initiated ringing answered completed",
    }
    if client_identity:
        dial.client(client_identity, **leg)
    else:
        dial.number(phone_number or "", **leg)
    response.append(dial)
    return response


def dial_customer(customer_number: str, caller_id: str, url: Url) -> VoiceResponse:
    """Click-to-call: the agent's phone answered; now ring the customer."""
    response = VoiceResponse()
    dial = Dial(
        caller_id=caller_id,
        timeout=30,
        record="record-from-answer",
        recording_status_callback=url("/voice/recording-status"),
    )
    dial.number(
        customer_number,
        status_callback=url("/voice/agent-status"),
        status_callback_event="initiated ringing answered completed",
    )
    response.append(dial)
    return response


def back_in_queue(queue_name: str, interaction_id: int, url: Url) -> VoiceResponse:
    response = VoiceResponse()
    response.say(_("Sorry, that agent could not take your call. Please hold for the next one."), **speech())
    response.enqueue(
        queue_name,
        wait_url=url("/voice/wait", interaction=interaction_id),
        action=url("/voice/left-queue", interaction=interaction_id),
    )
    return response
