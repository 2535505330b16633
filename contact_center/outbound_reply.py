"""An agent's reply: stored once, then sent on the contact's channel.

A plain chat reply by the agent who holds the chat takes the lean path: one
group-committed job (repository/core/chat_append.py). Everything else goes the full
way: a resend after a reconnect (same ``client_id``) answers with the stored copy; only
the holder of an active contact may reply (anyone may add an internal note); files go
only where the channel carries them; the channel's adapter checks the reply before it
is stored and sends it after. A send that fails leaves the reply stored with its
delivery status set by the channel, so nothing the agent wrote is lost.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Protocol, cast

from contact_center import metrics
from repository.core.browse import get_interaction
from repository.core.chat_append import agent_reply
from repository.core.ingest import append_event
from repository.core.replay import stored_copy
from repository.errors import Conflict, InvalidInput

if TYPE_CHECKING:
    from channels.base import ChannelRegistry
    from contact_center.group_commit import GroupCommit
    from repository.core.models import Agent, Event, Interaction
    from repository.db import Database

log = logging.getLogger(__name__)


class ReplyingHub(Protocol):
    """What a reply needs of the hub (contact_center/hub.py), which calls this module."""

    db: Database
    channels: ChannelRegistry
    group_commit: GroupCommit

    def committed(self) -> None: ...


async def send_reply(
    hub: ReplyingHub,
    agent: Agent,
    interaction_id: int,
    body: str,
    *,
    internal: bool = False,
    client_id: str | None = None,
    attachments: list[dict[str, Any]] | None = None,
) -> Event:
    external_id = f"agent:{agent.id}:{client_id}" if client_id else None
    if not internal and not attachments and hub.channels.sender("chat") is None:
        # A chat reply by its holder: one group-committed job (repository/core/chat_append.py).
        holder: int = agent.id  # type: ignore[assignment]
        lean = await hub.group_commit.run(
            lambda conn: agent_reply(conn, interaction_id, holder, agent.display_name, body, external_id)
        )
        if lean is not None:
            hub.committed()
            metrics.OUTBOUND.labels(channel="chat", kind="message").inc()
            return cast("Event", lean)
    interaction: Interaction = await hub.db.run(get_interaction, interaction_id)
    if external_id is not None:
        # A resend after a reconnect: answer with the stored copy even if the chat moved on.
        stored = await hub.db.run(stored_copy, interaction_id, external_id)
        if stored is not None:
            return stored
    if not internal and (interaction.agent_id != agent.id or interaction.status != "active"):
        raise Conflict("reply to an interaction you have accepted", interaction_id=interaction_id)
    kind = hub.channels.kind(interaction.channel)
    if attachments and not internal and (kind is None or not kind.files):
        # WhatsApp and voice senders do not carry an agent's files: refuse rather than drop them.
        raise InvalidInput("files can be sent in chats, emails and SMS only", field="attachments")
    sender = hub.channels.sender(interaction.channel)
    if sender is not None and not internal:
        await sender.check(interaction)
    event, interaction, duplicate = await hub.db.run(
        append_event,
        interaction_id,
        kind="note" if internal else "message",
        author_type="agent",
        author_id=agent.id,
        author_name=agent.display_name,
        body=body,
        external_id=external_id,
        payload={"attachments": attachments} if attachments else None,
    )
    if duplicate:
        return event
    hub.committed()
    if sender is not None and not internal:
        try:
            await sender.send(interaction, event)
        except Exception:
            # The reply is stored; the channel marks its delivery status itself.
            log.exception("outbound delivery failed for event %s", event.id)
    metrics.OUTBOUND.labels(channel=interaction.channel, kind=event.kind).inc()
    return event
