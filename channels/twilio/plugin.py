"""Twilio routes: SMS and voice webhooks (signed), the SMS sender, the call bridge.

See docs/twilio.md for the console settings each URL belongs to.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlencode

from starlette.routing import Route

from channels.twilio.calls import CallControl
from channels.twilio.client import TwilioApi
from channels.twilio.sms import SmsWebhooks
from channels.twilio.sms_outreach import SmsStarter
from channels.twilio.voice_agent_leg import AgentLeg
from channels.twilio.voice_incoming import IncomingCalls
from channels.twilio.voice_recordings import Recordings
from channels.twilio.voice_waiting import CallerWait
from channels.twilio.whatsapp import WhatsApp
from contact_center.context import AppContext, Plugin
from contact_center.outreach import OutboundChannel, outreach_for

if TYPE_CHECKING:
    from config import Settings

PREFIX = "/channels/twilio"


class Urls:
    """Callback URLs Twilio is told to use: absolute under PUBLIC_BASE_URL when it is set.

    Without it, TwiML gets root-relative URLs, which Twilio resolves against the URL
    it just fetched; REST callbacks need an absolute one and are left out.
    """

    def __init__(self, settings: Settings) -> None:
        self.base = settings.public_base_url or settings.public_url
        self.absolute = bool(self.base)

    def __call__(self, path: str, **query: object) -> str:
        url = f"{self.base}{PREFIX}{path}"
        return f"{url}?{urlencode(query)}" if query else url


def plugin(ctx: AppContext) -> Plugin:
    api = TwilioApi(ctx.settings)
    urls = Urls(ctx.settings)
    sms = SmsWebhooks(ctx, api, urls)
    incoming, waiting = IncomingCalls(ctx, urls), CallerWait(ctx)
    leg, recordings = AgentLeg(ctx, urls), Recordings(ctx)
    control = CallControl(ctx, api, urls)
    ctx.hub.register_outbound("sms", sms.send, sms.check)
    # Agents and back-end systems may start SMS conversations (docs/outbound.md).
    outreach_for(ctx).register("sms", OutboundChannel(SmsStarter(ctx).thread, sms.send, sms.check))
    whatsapp = WhatsApp(ctx, api, urls)
    ctx.hub.register_outbound("whatsapp", whatsapp.send, whatsapp.check)
    outreach_for(ctx).register(
        "whatsapp",
        OutboundChannel(SmsStarter(ctx).thread, whatsapp.send, check_message=whatsapp.check_message),
    )
    ctx.hub.register_dialer(control.dial)
    post = ["POST"]
    return Plugin(
        routes=[
            Route(f"{PREFIX}/sms", sms.inbound, methods=post),
            Route(f"{PREFIX}/sms/status", sms.status, methods=post),
            Route(f"{PREFIX}/media/{{token}}", sms.media.serve, methods=["GET"]),
            Route(f"{PREFIX}/whatsapp", whatsapp.inbound, methods=post),
            Route(f"{PREFIX}/voice", incoming.incoming, methods=post),
            Route(f"{PREFIX}/voice/gather", incoming.gather, methods=post),
            Route(f"{PREFIX}/voice/wait", waiting.wait, methods=post),
            Route(f"{PREFIX}/voice/left-queue", waiting.left_queue, methods=post),
            Route(f"{PREFIX}/voice/status", waiting.status, methods=post),
            Route(f"{PREFIX}/voice/agent-status", leg.agent_status, methods=post),
            Route(f"{PREFIX}/voice/dial-done", leg.dial_done, methods=post),
            Route(f"{PREFIX}/voice/recording-status", recordings.recording, methods=post),
            Route(f"{PREFIX}/voice/voicemail", recordings.voicemail, methods=post),
            Route(f"{PREFIX}/voice/transcription", recordings.transcription, methods=post),
        ],
        on_startup=[control.start],
        on_shutdown=[control.stop],
    )
