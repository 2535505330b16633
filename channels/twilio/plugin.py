"""The Twilio adapter: SMS, WhatsApp and voice webhooks (signed), their senders, the call bridge.

See docs/twilio.md for the console settings each URL belongs to.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.routing import Route

from channels.base import ChannelKind
from channels.twilio.calls import CallControl
from channels.twilio.client import TwilioApi
from channels.twilio.sms import SmsWebhooks
from channels.twilio.sms_outreach import SmsStarter
from channels.twilio.urls import PREFIX, Urls
from channels.twilio.voice_agent_leg import AgentLeg
from channels.twilio.voice_incoming import IncomingCalls
from channels.twilio.voice_recordings import Recordings
from channels.twilio.voice_waiting import CallerWait
from channels.twilio.whatsapp import WhatsApp
from channels.voice import VOICE
from contact_center.context import AppContext
from contact_center.i18n import N_
from contact_center.outreach import OutboundChannel, outreach_for

if TYPE_CHECKING:
    from collections.abc import Sequence

    from starlette.routing import BaseRoute

    from repository.core.models import Agent, Event, Interaction

SMS = ChannelKind("sms", N_("SMS"), capacity=3, sends=True, files=True)
WHATSAPP = ChannelKind("whatsapp", N_("WhatsApp"), capacity=3, sends=True)


class TwilioAdapter:
    name = "twilio"
    kinds = (SMS, WHATSAPP, VOICE)

    def __init__(
        self, sms: SmsWebhooks, whatsapp: WhatsApp, control: CallControl, routes: Sequence[BaseRoute]
    ) -> None:
        self.sms, self.whatsapp, self.control = sms, whatsapp, control
        self.routes = routes

    async def start(self) -> None:
        await self.control.start()

    async def stop(self) -> None:
        await self.control.stop()

    async def send(self, interaction: Interaction, event: Event) -> None:
        if interaction.channel == WHATSAPP.kind:
            await self.whatsapp.send(interaction, event)
        else:
            await self.sms.send(interaction, event)

    async def check(self, interaction: Interaction) -> None:
        """Refuses a reply to a number that opted out (texted STOP), or a WhatsApp chat past its window."""
        if interaction.channel == WHATSAPP.kind:
            await self.whatsapp.check(interaction)
        else:
            await self.sms.check(interaction)

    async def dial(self, agent: Agent, customer_id: int) -> dict[str, Any]:
        return await self.control.dial(agent, customer_id)

    async def health(self) -> dict[str, Any] | None:
        return None  # Twilio calls us; a failed send shows on the message's delivery status


def adapter(ctx: AppContext) -> TwilioAdapter:
    api = TwilioApi(ctx.settings)
    urls = Urls(ctx.settings)
    sms = SmsWebhooks(ctx, api, urls)
    incoming, waiting = IncomingCalls(ctx, urls), CallerWait(ctx)
    leg, recordings = AgentLeg(ctx, urls), Recordings(ctx)
    control = CallControl(ctx, api, urls)
    # Agents and back-end systems may start SMS conversations (docs/outbound.md).
    outreach_for(ctx).register("sms", OutboundChannel(SmsStarter(ctx).thread, sms.send, sms.check))
    whatsapp = WhatsApp(ctx, api, urls)
    outreach_for(ctx).register(
        "whatsapp",
        OutboundChannel(SmsStarter(ctx).thread, whatsapp.send, check_message=whatsapp.check_message),
    )
    post = ["POST"]
    return TwilioAdapter(
        sms,
        whatsapp,
        control,
        [
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
    )
