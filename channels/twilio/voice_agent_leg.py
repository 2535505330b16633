"""The agent's leg of a Twilio call: its status callbacks and the end of the bridge.

channels.twilio.calls dials the agent when they accept; ``/voice/agent-status`` moves
the caller's call record with the agent leg (ringing, answered, ended; on click-to-call
it is the customer's leg), and ``/voice/dial-done`` puts a caller whose agent never
picked up back in the queue. See docs/twilio.md ("Voice", step 5 "Accept → bridge";
"Click-to-call").
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from starlette.responses import Response

from channels.twilio import twiml
from channels.twilio.signature import verified_params
from channels.twilio.voice_params import call_sid, dialled_number, query_int, spoken, whole_seconds
from contact_center import telephony
from contact_center.i18n import use_locale
from repository.core.models import Interaction
from repository.telephony import calls

if TYPE_CHECKING:
    from starlette.requests import Request

    from channels.twilio.urls import Urls
    from contact_center.context import AppContext

log = logging.getLogger(__name__)
# Twilio's CallStatus of a leg → the call record's state.
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


class AgentLeg:
    def __init__(self, ctx: AppContext, urls: Urls) -> None:
        self.ctx = ctx
        self.hub = ctx.hub
        self.url = urls

    async def agent_status(self, request: Request) -> Response:
        """The agent's (or, on click-to-call, the customer's) leg: ringing, answered, ended."""
        params = await verified_params(request, self.ctx.settings)
        parent = request.query_params.get("call") or params.get("ParentCallSid", "")
        status = params.get("CallStatus", "")
        state = LEG_STATES.get(status)
        if parent and state:
            talk = whole_seconds(params.get("CallDuration")) if state == "completed" else None
            cause = ""
            record = await self.hub.db.run(calls.get_call, "twilio", parent)
            if record is not None and record.direction == "inbound" and state in LEG_FAILED:
                # The agent's phone did not pick up: the caller is still waiting, so the
                # call goes back to "queued" (dial-done requeues it); the cause says why.
                state, cause = "queued", f"agent {status}"
            await telephony.apply_state(
                self.hub,
                "twilio",
                parent,
                state,
                key=f"leg:{call_sid(params)}:{status}",
                talk_seconds=talk,
                cause=cause,
            )
        return Response(status_code=204)

    async def dial_done(self, request: Request) -> Response:
        """The bridge ended. If the agent never picked up, the caller goes back to the queue."""
        params = await verified_params(request, self.ctx.settings)
        interaction_id = query_int(request, "interaction")
        outcome = params.get("DialCallStatus", "")
        language = spoken(await dialled_number(self.hub, params))
        if outcome in ("busy", "no-answer", "failed", "canceled"):
            requeued = await self._requeue(interaction_id)
            if requeued is not None:
                with use_locale(language):
                    return twiml.respond(
                        twiml.back_in_queue(f"queue-{requeued.queue_id}", interaction_id, self.url)
                    )
        with use_locale(language):
            return twiml.respond(twiml.goodbye())

    async def _requeue(self, interaction_id: int) -> Any:
        from repository.errors import ContactCenterError

        interaction = await self.hub.db.run(lambda db: _get(db, Interaction, interaction_id))
        if interaction is None or interaction.agent_id is None or interaction.status != "active":
            return None
        agent = await self.hub.agent(interaction.agent_id)
        try:
            return await self.hub.transfer(agent, interaction_id, to_queue_id=interaction.queue_id)
        except ContactCenterError:
            log.warning("call of interaction %s could not go back to its queue", interaction_id)
            return None


def _get(db: Any, model: Any, row_id: int | None) -> Any:
    if row_id is None:
        return None
    with db.read() as session:
        return session.get(model, row_id)
