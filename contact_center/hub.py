"""The hub: every action on an interaction goes through here.

Each method does the same three things in the same order: persist (in a worker
thread, one transaction), then return so the caller can acknowledge, then publish
on the bus. Publishing happens only after the commit, so a subscriber never sees
an event the CCR does not hold.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from anyio import to_thread

from contact_center import metrics
from repository import endings, lifecycle, queries
from repository.delivery import set_delivery_status
from repository.directory import get_agent, set_presence
from repository.ingest import InboundItem, IngestResult, append_event, ingest
from repository.models import SUPERVISOR_ROLES
from repository.replay import stored_copy
from repository.serialize import event_dict, interaction_dict, public_event_dict

if TYPE_CHECKING:
    from config import Settings
    from contact_center.bus import Bus
    from repository import Database
    from repository.ingest import AlsoInTransaction
    from repository.models import Agent, Event, Interaction

log = logging.getLogger(__name__)
OutboundSender = Callable[["Interaction", "Event"], Awaitable[None]]
OutboundCheck = Callable[["Interaction"], Awaitable[None]]
# Places a call from an agent to a customer (click-to-call); returns what the desktop shows.
Dialer = Callable[["Agent", int], Awaitable[dict[str, Any]]]


class Hub:
    def __init__(self, settings: Settings, db: Database, bus: Bus) -> None:
        self.settings = settings
        self.db = db
        self.bus = bus
        self._outbound: dict[str, OutboundSender] = {}
        self._outbound_checks: dict[str, OutboundCheck] = {}
        self._dialer: Dialer | None = None
        self._wake: Callable[[], None] = lambda: None

    # -- wiring ---------------------------------------------------------------
    def register_outbound(
        self, channel: str, sender: OutboundSender, check: OutboundCheck | None = None
    ) -> None:
        """Channels whose replies leave by another road (SMTP, Twilio) register here.

        ``check`` runs before a reply is stored and may refuse it (e.g. an SMS to a
        number that opted out) by raising a ContactCenterError the agent sees.
        """
        self._outbound[channel] = sender
        if check is not None:
            self._outbound_checks[channel] = check

    def register_dialer(self, dialer: Dialer) -> None:
        """The phone channel that places agents' outbound calls."""
        self._dialer = dialer

    async def dial(self, agent: Agent, customer_id: int) -> dict[str, Any]:
        """Call a customer from the agent's phone (click-to-call)."""
        if self._dialer is None:
            from repository.errors import Conflict

            raise Conflict("no phone channel is configured", code="no_phone_channel")
        return await self._dialer(agent, customer_id)

    def on_routable_change(self, wake: Callable[[], None]) -> None:
        """The router's wake-up call, run whenever routing could have a new answer."""
        self._wake = wake

    async def run_db(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return await to_thread.run_sync(lambda: fn(self.db, *args, **kwargs))

    async def publish(self, data: dict[str, Any]) -> str:
        event_id = await self.bus.publish(data)
        metrics.BUS_EVENTS.labels(type=data.get("type", "")).inc()
        return event_id

    async def _publish_event(self, event: Event, interaction: Interaction) -> None:
        await self.publish(
            {
                "type": "interaction.event",
                "interaction_id": interaction.id,
                "agent_id": interaction.agent_id,
                "event": event_dict(event),
                "public": public_event_dict(event) if event.kind != "note" else None,
            }
        )

    async def _publish_interaction(self, interaction: Interaction, **extra: Any) -> None:
        await self.publish(
            {"type": "interaction.updated", "interaction": interaction_dict(interaction), **extra}
        )
        # The transition also wrote a status line to the timeline; show it live too.
        status = await self.run_db(queries.latest_status_event, interaction.id)
        if status is not None:
            await self._publish_event(status, interaction)

    # -- inbound --------------------------------------------------------------
    async def store(self, item: InboundItem, also: AlsoInTransaction | None = None) -> IngestResult:
        """Persist an inbound item. The caller acknowledges, then calls :meth:`announce`.

        ``also(session, result)`` adds a channel's own writes to the same transaction.
        """
        result: IngestResult = await self.run_db(ingest, item, also=also)
        if result.duplicate:
            metrics.DUPLICATES.labels(channel=item.channel).inc()
        else:
            metrics.INBOUND.labels(channel=item.channel).inc()
        return result

    async def announce(self, result: IngestResult) -> None:
        """Publish what :meth:`store` committed; a duplicate was announced the first time."""
        if result.duplicate:
            return
        if result.new_interaction:
            await self._publish_interaction(result.interaction, created=True)
            self._wake()
        await self._publish_event(result.event, result.interaction)

    # -- agent actions --------------------------------------------------------
    async def reply(
        self,
        agent: Agent,
        interaction_id: int,
        body: str,
        *,
        internal: bool = False,
        client_id: str | None = None,
    ) -> Event:
        interaction: Interaction = await self.run_db(lambda db: _get_interaction(db, interaction_id))
        external_id = f"agent:{agent.id}:{client_id}" if client_id else None
        if external_id is not None:
            # A resend after a reconnect: answer with the stored copy even if the chat moved on.
            stored = await self.run_db(stored_copy, interaction_id, external_id)
            if stored is not None:
                return stored
        if not internal and (interaction.agent_id != agent.id or interaction.status != "active"):
            from repository.errors import Conflict

            raise Conflict("reply to an interaction you have accepted", interaction_id=interaction_id)
        check = self._outbound_checks.get(interaction.channel)
        if check is not None and not internal:
            await check(interaction)
        event, interaction, duplicate = await self.run_db(
            append_event,
            interaction_id,
            kind="note" if internal else "message",
            author_type="agent",
            author_id=agent.id,
            author_name=agent.display_name,
            body=body,
            external_id=external_id,
        )
        if duplicate:
            return event
        await self._publish_event(event, interaction)
        sender = self._outbound.get(interaction.channel)
        if sender is not None and not internal:
            try:
                await sender(interaction, event)
            except Exception:
                # The reply is stored; the channel marks its delivery status itself.
                log.exception("outbound delivery failed for event %s", event.id)
        metrics.OUTBOUND.labels(channel=interaction.channel, kind=event.kind).inc()
        return event

    async def set_delivery(self, event_id: int, status: str, error: str | None = None) -> Event | None:
        """Record how far an outbound message got (SMTP, Twilio), then show it live.

        Returns None when the status was already recorded: a retried status callback
        changes nothing and publishes nothing.
        """
        changed = await self.run_db(set_delivery_status, event_id, status, error)
        if changed is None:
            return None
        event, interaction = changed
        await self.publish(
            {
                "type": "interaction.event_updated",
                "interaction_id": interaction.id,
                "agent_id": interaction.agent_id,
                "event": event_dict(event),
            }
        )
        return event

    async def accept(self, agent: Agent, interaction_id: int) -> Interaction:
        interaction = await self.run_db(lifecycle.accept, interaction_id, agent.id)
        await self._publish_interaction(interaction, agent_name=agent.display_name)
        return interaction

    async def reject(self, agent: Agent, interaction_id: int) -> Interaction:
        interaction = await self.run_db(lifecycle.reject, interaction_id, agent.id)
        await self._publish_interaction(interaction, previous_agent_id=agent.id, reason="rejected")
        self._wake()
        return interaction

    async def transfer(
        self,
        agent: Agent,
        interaction_id: int,
        *,
        to_queue_id: int | None = None,
        to_agent_id: int | None = None,
    ) -> Interaction:
        interaction = await self.run_db(
            lifecycle.transfer,
            interaction_id,
            agent.id,
            to_queue_id=to_queue_id,
            to_agent_id=to_agent_id,
            allow_any_holder=agent.role in SUPERVISOR_ROLES,
        )
        await self._publish_interaction(interaction, previous_agent_id=agent.id, reason="transferred")
        self._wake()
        return interaction

    async def close(self, agent: Agent | None, interaction_id: int, disposition: str) -> Interaction:
        holder = None if agent is None or agent.role in SUPERVISOR_ROLES else agent.id
        if agent is not None and holder is None:
            current = await self.run_db(lambda db: _get_interaction(db, interaction_id))
            holder = current.agent_id if current.agent_id == agent.id else None
        interaction = await self.run_db(lifecycle.close, interaction_id, holder, disposition)
        await self._publish_interaction(interaction)
        self._wake()
        return interaction

    async def set_presence(self, agent_id: int, state: str) -> Agent:
        agent = await self.run_db(set_presence, agent_id, state)
        await self.publish({"type": "agent.presence", "agent_id": agent_id, "presence": agent.presence})
        if state == "available":
            self._wake()
        return agent

    # -- customer actions -----------------------------------------------------
    async def end_by_customer(self, interaction_id: int) -> Interaction:
        interaction = await self.run_db(endings.end_by_customer, interaction_id)
        await self._publish_interaction(interaction, ended_by="customer")
        self._wake()
        return interaction

    async def rate(self, interaction_id: int, score: int, comment: str = "") -> Interaction:
        interaction = await self.run_db(endings.rate, interaction_id, score, comment)
        await self._publish_interaction(interaction)
        return interaction

    # -- router callbacks -----------------------------------------------------
    async def publish_offer(self, interaction: Interaction) -> None:
        context = await self.run_db(queries.customer_context, interaction.customer_id)
        events = await self.run_db(queries.interaction_events, interaction.id, include_internal=True)
        await self.publish(
            {
                "type": "offer",
                "agent_id": interaction.agent_id,
                "interaction": interaction_dict(interaction),
                "context": context,
                "events": [event_dict(e) for e in events],
            }
        )

    async def publish_requeued(self, interaction: Interaction, previous_agent_id: int, reason: str) -> None:
        await self._publish_interaction(interaction, previous_agent_id=previous_agent_id, reason=reason)

    async def agent(self, agent_id: int) -> Agent:
        return await self.run_db(get_agent, agent_id)


def _get_interaction(db: Database, interaction_id: int) -> Interaction:
    from repository.errors import NotFound
    from repository.models import Interaction

    with db.read() as session:
        interaction = session.get(Interaction, interaction_id)
    if interaction is None:
        raise NotFound("no such interaction", interaction_id=interaction_id)
    return interaction
