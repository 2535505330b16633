"""Outbound messages the company starts: from an agent's desk or from a back-end system.

Channels that can start a conversation register an :class:`OutboundChannel` here
(``outreach_for(ctx).register("sms", …)``): how to name the thread of a new
conversation, the channel's own refusal check, and its sender. Every start goes
through the same steps: resolve the customer's address, refuse an opted-out address
or quiet hours, persist, publish, then hand the message to the channel. See
docs/outbound.md.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlmodel import col

from contact_center import metrics
from contact_center.quiet_hours import QuietHours
from repository.core.models import LIVE_STATUSES, Interaction, utcnow
from repository.core.serialize import event_dict, interaction_dict, public_event_dict
from repository.errors import Conflict, InvalidInput
from repository.outreach import messages as outreach

if TYPE_CHECKING:
    from contact_center.context import AppContext
    from repository.core.models import Agent, Event

log = logging.getLogger(__name__)
# (customer address, chosen sender such as a company number or mailbox id) → thread key.
ThreadPlanner = Callable[[str, "str | None"], Awaitable[str]]
Check = Callable[["Interaction"], Awaitable[None]]
Send = Callable[["Interaction", "Event"], Awaitable[None]]
CheckMessage = Callable[["Interaction", dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True)
class OutboundChannel:
    thread: ThreadPlanner
    send: Send
    check: Check | None = None
    # The message's payload for the sender, e.g. email's {"to", "subject"} for a new thread.
    needs_subject: bool = False
    # A check that also sees the message's extras (WhatsApp: a template may leave the
    # 24-hour window); used instead of ``check`` when set.
    check_message: CheckMessage | None = None


@dataclass(frozen=True)
class Sent:
    interaction: Interaction
    event: Event
    created: bool
    duplicate: bool


class Outreach:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.hub = ctx.hub
        self.channels: dict[str, OutboundChannel] = {}
        self.quiet = QuietHours.parse(ctx.settings.outbound_quiet_hours, ctx.settings.outbound_time_zone)

    def register(self, channel: str, outbound: OutboundChannel) -> None:
        """A channel that can start conversations (SMS, email, WhatsApp)."""
        self.channels[channel] = outbound

    def _channel(self, channel: str) -> OutboundChannel:
        found = self.channels.get(channel)
        if found is None:
            raise Conflict(
                "no %(channel)s channel is configured to start conversations",
                params={"channel": channel},
                field="channel",
                code="channel_unavailable",
            )
        return found

    def _check_quiet_hours(self) -> None:
        resumes = self.quiet.resumes_at(utcnow())
        if resumes is not None:
            raise Conflict(
                "quiet hours: messages may be sent again at %(time)s",
                params={"time": resumes.isoformat(timespec="minutes")},
                code="quiet_hours",
                retry_at=resumes.isoformat(),
            )

    async def _check_opt_out(self, channel: str, address: str) -> None:
        if await self.hub.db.run(outreach.is_opted_out, channel, address):
            raise Conflict(
                "%(address)s has opted out of %(channel)s messages; nothing was sent",
                params={"address": address, "channel": channel},
                code="opted_out",
            )

    async def start(
        self,
        *,
        customer_id: int,
        channel: str,
        body: str,
        subject: str = "",
        to: str | None = None,
        via: str | None = None,
        agent: Agent | None = None,
        author_name: str = "",
        external_id: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> Sent:
        """A new message to a customer; it joins the thread's live conversation if there is one.

        ``extra`` goes into the message's payload for the channel (WhatsApp: template, media_urls).
        """
        outbound = self._channel(channel)
        if outbound.needs_subject and not subject.strip():
            raise InvalidInput("an email needs a subject", field="subject")
        address = await self.hub.db.run(outreach.customer_address, customer_id, channel, to)
        await self._check_opt_out(channel, address)
        thread_key = await outbound.thread(address, via)
        probe = Interaction(customer_id=customer_id, channel=channel, thread_key=thread_key)
        await _run_check(outbound, probe, extra or {})
        live = await self.hub.db.run(_live_in_thread, channel, thread_key)
        if live is None:
            # Starting a conversation waits for quiet hours to pass; answering one does not.
            self._check_quiet_hours()
        result = await self.hub.db.run(
            outreach.open_outbound,
            customer_id=customer_id,
            channel=channel,
            thread_key=thread_key,
            body=body,
            subject=subject,
            agent_id=agent.id if agent else None,
            author_name=agent.display_name if agent else author_name,
            payload={"to": address, **({"subject": subject} if subject else {}), **(extra or {})},
            external_id=external_id,
        )
        return await self._deliver(result, outbound)

    async def send_into(
        self,
        interaction_id: int,
        *,
        body: str,
        author_name: str,
        external_id: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> Sent:
        """A message from the API into an existing interaction (a live chat, an SMS thread, a mail)."""
        interaction = await self.hub.db.run(outreach.get_outbound_interaction, interaction_id)
        outbound = self.channels.get(interaction.channel)
        if outbound is None and not (interaction.channel == "chat" and interaction.status in LIVE_STATUSES):
            raise Conflict(
                "messages cannot be sent into this %(channel)s interaction",
                params={"channel": interaction.channel},
                code="channel_unavailable",
            )
        if outbound is not None:
            address = _address_of(interaction) or await self.hub.db.run(
                _primary_address, interaction.customer_id, interaction.channel
            )
            if address:
                await self._check_opt_out(interaction.channel, address)
            await _run_check(outbound, interaction, extra or {})
            if interaction.status not in LIVE_STATUSES:
                self._check_quiet_hours()
        result = await self.hub.db.run(
            outreach.append_outbound,
            interaction_id,
            body=body,
            author_name=author_name,
            payload=extra,
            external_id=external_id,
        )
        return await self._deliver(result, outbound)

    async def _deliver(self, result: outreach.OutboundResult, outbound: OutboundChannel | None) -> Sent:
        """Publish after the commit, then hand the message to its channel (once)."""
        interaction, event = result.interaction, result.event
        if not result.duplicate:
            if result.new_interaction:
                await self.hub.publish(
                    {
                        "type": "interaction.updated",
                        "interaction": interaction_dict(interaction),
                        "created": True,
                    }
                )
            await self.hub.publish(
                {
                    "type": "interaction.event",
                    "interaction_id": interaction.id,
                    "agent_id": interaction.agent_id,
                    "event": event_dict(event),
                    "public": public_event_dict(event),
                }
            )
            if outbound is not None:
                try:
                    await outbound.send(interaction, event)
                except Exception:
                    # Stored and shown; the channel records its own delivery failure.
                    log.exception("outbound message %s was not handed to its channel", event.id)
            metrics.OUTBOUND.labels(channel=interaction.channel, kind="outbound").inc()
        return Sent(interaction, event, result.new_interaction, result.duplicate)


async def _run_check(outbound: OutboundChannel, interaction: Interaction, extra: dict[str, Any]) -> None:
    if outbound.check_message is not None:
        await outbound.check_message(interaction, extra)
    elif outbound.check is not None:
        await outbound.check(interaction)


def _live_in_thread(db: Any, channel: str, thread_key: str) -> int | None:
    from sqlmodel import select

    with db.read() as session:
        return session.exec(
            select(Interaction.id).where(
                Interaction.channel == channel,
                Interaction.thread_key == thread_key,
                col(Interaction.status).in_(LIVE_STATUSES),
            )
        ).first()


def _primary_address(db: Any, customer_id: int, channel: str) -> str | None:
    try:
        return outreach.customer_address(db, customer_id, channel)
    except Conflict:
        return None


def _address_of(interaction: Interaction) -> str | None:
    """The customer's side of an SMS or WhatsApp thread key (``customer|company``)."""
    if interaction.channel in ("sms", "whatsapp"):
        return interaction.thread_key.partition("|")[0]
    return None


def outreach_for(ctx: AppContext) -> Outreach:
    """The app's one Outreach, made on first use (channels register, the API and desk send).

    Kept on the context itself, so two apps in one process (tests) never share one.
    """
    found: Outreach | None = getattr(ctx, "_outreach", None)
    if found is None:
        found = Outreach(ctx)
        ctx._outreach = found  # type: ignore[attr-defined]
    return found
