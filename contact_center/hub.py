"""The hub: every action on an interaction goes through here.

Each method persists in one transaction (in a worker thread) that also writes its
bus events to the outbox (repository/events/outbox.py), then wakes this node's relay,
which publishes them in order after the commit. A subscriber therefore never sees
an event the CCR does not hold, and a committed event is never lost, even if this
process dies right after the commit (docs/architecture.md, "Persist → acknowledge →
publish").
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from channels.base import ChannelRegistry
from contact_center import metrics
from contact_center.bus.dispatch import Dispatcher
from contact_center.bus.relay import Relay
from contact_center.group_commit import GroupCommit
from contact_center.outbound_reply import send_reply
from repository.core import endings, lifecycle
from repository.core.browse import get_interaction
from repository.core.chat_append import follow_up
from repository.core.delivery import set_delivery_status
from repository.core.ingest import InboundItem, IngestResult, ingest, ingest_many
from repository.core.models import SUPERVISOR_ROLES, stored_id
from repository.directory import get_agent, set_presence
from repository.events import outbox
from repository.events.bus import EPHEMERAL, topics_for

if TYPE_CHECKING:
    from config import Settings
    from contact_center.bus import Bus
    from repository import Database
    from repository.core.ingest import AlsoInTransaction
    from repository.core.models import Agent, Event, Interaction

log = logging.getLogger(__name__)


class Hub:
    def __init__(
        self, settings: Settings, db: Database, bus: Bus, channels: ChannelRegistry | None = None
    ) -> None:
        self.settings = settings
        self.db = db
        self.bus = bus
        # The channel adapters (channels/base.py): who sends a reply, checks it, places a call.
        self.channels = channels if channels is not None else ChannelRegistry()
        self._wake: Callable[[], None] = lambda: None
        # This node's one bus reader (topics → sockets and loops) and its outbox relay.
        self.dispatcher = Dispatcher(db, bus, poll_seconds=settings.outbox_poll_seconds)
        self.relay = Relay(
            db,
            bus,
            poll_seconds=settings.outbox_poll_seconds,
            keep_seconds=settings.outbox_keep_seconds,
            fault_exit_after_assign=settings.fault_exit_after_assign,
        )
        # Chat follow-ups that arrive together share one transaction (contact_center/group_commit.py).
        self.group_commit = GroupCommit(db)

    async def start(self) -> None:
        """Start reading the bus and relaying the outbox (the app's lifespan calls this)."""
        await self.dispatcher.start()
        self.relay.start()

    async def stop(self) -> None:
        await self.group_commit.stop()
        await self.relay.stop()
        await self.dispatcher.stop()

    # -- wiring ---------------------------------------------------------------
    async def dial(self, agent: Agent, customer_id: int) -> dict[str, Any]:
        """Call a customer from the agent's phone (click-to-call)."""
        dialer = self.channels.dialer
        if dialer is None:
            from repository.errors import Conflict

            raise Conflict("no phone channel is configured", code="no_phone_channel")
        return await dialer.dial(agent, customer_id)

    def on_routable_change(self, wake: Callable[[], None]) -> None:
        """The router's wake-up call, run whenever routing could have a new answer."""
        self._wake = wake

    async def publish(self, data: dict[str, Any]) -> None:
        """Publish an event that has no transaction of its own to ride in.

        Ephemeral hints (typing, viewer, queue position) go straight to the bus and are
        dropped if it is down; anything else is written to the outbox and relayed.
        State changes do not come here: their repository function records them.
        """
        kind = str(data.get("type", ""))
        topics = topics_for(data)
        if kind in EPHEMERAL:
            try:
                await self.bus.publish({**data, "pos": None, "topics": topics})
                metrics.BUS_EVENTS.labels(type=kind).inc()
            except Exception as exc:
                log.debug("bus down: %s not sent (%s)", kind, exc)
            return
        await self.db.run(outbox.append, data, topics)
        self.relay.wake()

    async def settled(self) -> str:
        """The position of the newest event committed so far, once it is on its way.

        A loop that must have applied every event committed before now (the router's
        catch-up) waits until its follow() has handled this position.
        """
        try:
            await self.relay.flush()
        except (
            Exception
        ) as exc:  # bus down: the positions are assigned; the dispatcher reads them from the database
            log.debug("relay flush failed: %s", exc)
        return str(await self.db.run(outbox.head))

    def committed(self) -> None:
        """Something was committed with outbox rows: relay it now, not at the next poll."""
        self.relay.wake()

    # -- inbound --------------------------------------------------------------
    async def store(self, item: InboundItem, also: AlsoInTransaction | None = None) -> IngestResult:
        """Persist an inbound item. The caller acknowledges, then calls :meth:`announce`.

        ``also(session, result)`` adds a channel's own writes to the same transaction.
        """
        result: IngestResult = await self.db.run(ingest, item, also=also)
        if result.duplicate:
            metrics.DUPLICATES.labels(channel=item.channel).inc()
        else:
            metrics.INBOUND.labels(channel=item.channel).inc()
        return result

    async def store_follow_up(self, interaction: Interaction, item: InboundItem) -> IngestResult:
        """A visitor's next message in its live chat: the lean, group-committed path.

        Falls back to :meth:`store` for anything but the plain case (a retry, a chat
        that ended or is pending meanwhile); the result is the same either way.
        """
        result: IngestResult | None = await self.group_commit.run(
            lambda conn: follow_up(
                conn, interaction, body=item.body, external_id=item.external_id or "", payload=item.payload
            )
        )
        if result is None:
            return await self.store(item)
        metrics.INBOUND.labels(channel=item.channel).inc()
        return result

    async def store_many(self, items: list[InboundItem]) -> list[IngestResult]:
        """Persist a channel's batch (an email FETCH chunk) in one transaction; then announce each."""
        results: list[IngestResult] = await self.db.run(ingest_many, items)
        for item, result in zip(items, results, strict=True):
            (metrics.DUPLICATES if result.duplicate else metrics.INBOUND).labels(channel=item.channel).inc()
        return results

    async def announce(self, result: IngestResult) -> None:
        """Relay what :meth:`store` committed (its events are in the outbox already)."""
        if result.duplicate:
            return
        self.committed()
        if result.new_interaction:
            self._wake()

    # -- agent actions --------------------------------------------------------
    async def reply(
        self,
        agent: Agent,
        interaction_id: int,
        body: str,
        *,
        internal: bool = False,
        client_id: str | None = None,
        attachments: list[dict[str, Any]] | None = None,
    ) -> Event:
        """An agent's message or internal note, stored then sent on the contact's channel."""
        return await send_reply(
            self, agent, interaction_id, body, internal=internal, client_id=client_id, attachments=attachments
        )

    async def set_delivery(self, event_id: int, status: str, error: str | None = None) -> Event | None:
        """Record how far an outbound message got (SMTP, Twilio), then show it live.

        Returns None when the status was already recorded: a retried status callback
        changes nothing and publishes nothing.
        """
        changed = await self.db.run(set_delivery_status, event_id, status, error)
        if changed is None:
            return None
        event, _interaction = changed
        self.committed()
        return event

    async def accept(self, agent: Agent, interaction_id: int) -> Interaction:
        interaction = await self.db.run(lifecycle.accept, interaction_id, stored_id(agent))
        self.committed()
        return interaction

    async def reject(self, agent: Agent, interaction_id: int) -> Interaction:
        interaction = await self.db.run(lifecycle.reject, interaction_id, stored_id(agent))
        self.committed()
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
        interaction = await self.db.run(
            lifecycle.transfer,
            interaction_id,
            stored_id(agent),
            to_queue_id=to_queue_id,
            to_agent_id=to_agent_id,
            allow_any_holder=agent.role in SUPERVISOR_ROLES,
        )
        self.committed()
        self._wake()
        return interaction

    async def close(self, agent: Agent | None, interaction_id: int, disposition: str) -> Interaction:
        holder = None if agent is None or agent.role in SUPERVISOR_ROLES else agent.id
        if agent is not None and holder is None:
            current = await self.db.run(get_interaction, interaction_id)
            holder = current.agent_id if current.agent_id == agent.id else None
        interaction = await self.db.run(lifecycle.close, interaction_id, holder, disposition)
        self.committed()
        self._wake()
        return interaction

    async def set_presence(self, agent_id: int, state: str) -> Agent:
        agent = await self.db.run(set_presence, agent_id, state)
        self.committed()
        if state == "available":
            self._wake()
        return agent

    # -- customer actions -----------------------------------------------------
    async def end_by_customer(self, interaction_id: int) -> Interaction:
        interaction = await self.db.run(endings.end_by_customer, interaction_id)
        self.committed()
        self._wake()
        return interaction

    async def rate(self, interaction_id: int, score: int, comment: str = "") -> Interaction:
        interaction = await self.db.run(endings.rate, interaction_id, score, comment)
        self.committed()
        return interaction

    # -- router callbacks -----------------------------------------------------
    async def publish_offer(self, interaction: Interaction) -> None:
        """The claim recorded the offer in its transaction; relay it now.

        The desktop reads the customer's context and timeline when the offer reaches
        it, so the offer holds every message committed before it is shown.
        """
        self.committed()

    async def publish_requeued(self, interaction: Interaction, previous_agent_id: int, reason: str) -> None:
        """The requeue recorded its events in its transaction; relay them now."""
        self.committed()

    async def agent(self, agent_id: int) -> Agent:
        return await self.db.run(get_agent, agent_id)
