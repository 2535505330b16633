"""Calls this product places or redirects: the bridge on accept, and click-to-call.

The bridge follows the bus: when a Twilio voice interaction becomes active (the
agent accepted the screen-pop), the waiting call is redirected out of its <Enqueue>
into a <Dial> to the agent's Twilio Client identity or phone number. Every node
sees that event, so the redirect is claimed once in the CCR before it is made.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from channels.twilio import twiml
from channels.twilio.client import TwilioApi, TwilioUnavailable
from contact_center.aio import stop_tasks
from contact_center.bus.follow import follow
from repository.core.models import Customer, stored_id
from repository.errors import Conflict, NotFound
from repository.telephony import calls
from repository.telephony.config import endpoint_for, list_numbers
from repository.telephony.idempotency import claim_once

if TYPE_CHECKING:
    from channels.twilio.urls import Urls
    from contact_center.bus import BusEvent
    from contact_center.context import AppContext
    from repository.core.models import Agent

log = logging.getLogger(__name__)


class CallControl:
    def __init__(self, ctx: AppContext, api: TwilioApi, urls: Urls) -> None:
        self.ctx = ctx
        self.hub = ctx.hub
        self.api = api
        self.url = urls
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._follow(), name="twilio-bridge")

    async def stop(self) -> None:
        await stop_tasks(self._task)

    async def _follow(self) -> None:
        await follow(self.hub.dispatcher, "twilio bridge", self._on_event, types={"interaction.updated"})

    async def _on_event(self, event: BusEvent) -> None:
        if event.type != "interaction.updated":
            return
        interaction = event.data.get("interaction") or {}
        if interaction.get("channel") != "voice" or interaction.get("status") != "active":
            return
        key = str(interaction.get("thread_key") or "")
        try:
            await self.bridge(
                int(interaction["id"]), int(interaction["agent_id"]), interaction.get("accepted_at")
            )
        except Exception:
            # One call that cannot be bridged must not stop the others.
            log.exception("twilio bridge: cannot bridge interaction %s (%s)", interaction.get("id"), key)

    async def bridge(self, interaction_id: int, agent_id: int, accepted_at: Any) -> bool:
        """Connect the waiting caller of ``interaction_id`` to the agent; False if not ours to do."""
        record = await self.hub.db.run(_call_of, interaction_id)
        if record is None or record.provider != "twilio" or record.state != "queued":
            return False
        if not await self.hub.db.run(claim_once, f"bridge:{record.call_id}:{agent_id}:{accepted_at}"):
            return False
        endpoint = await self.hub.db.run(endpoint_for, agent_id)
        agent = await self.hub.agent(agent_id)
        identity = endpoint.client_identity if endpoint else None
        phone = endpoint.phone_number if endpoint else None
        if not identity and not phone:
            identity = agent.username  # a Twilio Client registered under the agent's login name
        document = twiml.bridge_to_agent(
            client_identity=identity,
            phone_number=phone,
            call_sid=record.call_id,
            interaction_id=interaction_id,
            url=self.url,
        )
        await self.hub.db.run(
            calls.apply_state,
            "twilio",
            record.call_id,
            "queued",
            key=f"bridged:{record.call_id}:{agent_id}",
            agent_id=agent_id,
        )
        await self.api.redirect_call(record.call_id, str(document))
        return True

    async def dial(self, agent: Agent, customer_id: int) -> dict[str, Any]:
        """Click-to-call: ring the agent's phone, then the customer; logged like any call."""
        customer = await self.hub.db.run(lambda db: _get_customer(db, customer_id))
        if not customer.phone:
            raise Conflict("this customer has no phone number", code="no_phone_number")
        endpoint = await self.hub.db.run(endpoint_for, stored_id(agent))
        numbers = await self.hub.db.run(list_numbers)
        if not numbers:
            raise Conflict("no company phone number is configured", code="no_company_number")
        company = numbers[0].number
        agent_leg = (
            f"client:{endpoint.client_identity}"
            if endpoint and endpoint.client_identity
            else (endpoint.phone_number if endpoint and endpoint.phone_number else f"client:{agent.username}")
        )
        document = twiml.dial_customer(customer.phone, company, self.url)
        try:
            call = await self.api.place_call(
                to=agent_leg,
                from_=company,
                twiml=str(document),
                status_callback=self.url("/voice/status") if self.url.absolute else None,
            )
        except TwilioUnavailable:
            raise
        record, _created = await self.hub.db.run(
            calls.open_call,
            "twilio",
            str(call.sid),
            from_number=company,
            to_number=customer.phone,
            direction="outbound",
            state="ringing",
            agent_id=agent.id,
        )
        await self.hub.db.run(calls.set_customer, stored_id(record), customer_id)
        return {"call_id": record.call_id, "to": customer.phone, "from": company, "state": record.state}


def _call_of(db: Any, interaction_id: int) -> Any:
    from sqlmodel import select

    from repository.telephony.models import CallRecord

    with db.read() as session:
        return session.exec(select(CallRecord).where(CallRecord.interaction_id == interaction_id)).first()


def _get_customer(db: Any, customer_id: int) -> Customer:
    with db.read() as session:
        customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFound("no such customer", customer_id=customer_id)
    return customer
