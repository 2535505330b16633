"""What every phone road (Twilio, a PBX through CTI) does to the CCR, published after commit.

A call's state changes land on its call record and on the call card in the voice
event's payload; the desktop sees them as ``interaction.event_updated``. A caller
who hangs up before anyone took the call makes the interaction ``abandoned``; one
who hangs up after is ended by the customer (wrap-up), like a chat.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from repository.core.identity import normalise_phone
from repository.core.serialize import event_dict
from repository.errors import InvalidInput
from repository.telephony import calls as telephony_calls
from repository.telephony.abandon import abandon

if TYPE_CHECKING:
    from collections.abc import Callable

    from contact_center.hub import Hub
    from repository.core.models import Event, Interaction
    from repository.telephony.models import CallRecord

log = logging.getLogger(__name__)


async def publish_card(hub: Hub, event: Event | None) -> None:
    """Show the call card's new state on whichever desktop holds or watches the interaction."""
    if event is None:
        return
    interaction = await hub.db.run(_interaction, event.interaction_id)
    await hub.publish(
        {
            "type": "interaction.event_updated",
            "interaction_id": event.interaction_id,
            "agent_id": interaction.agent_id if interaction else None,
            "event": event_dict(event),
        }
    )


async def apply_state(hub: Hub, provider: str, call_id: str, state: str, **kwargs: Any) -> CallRecord | None:
    """Record a state change once per key and show it; None for a retry or an unknown call."""
    changed = await hub.db.run(telephony_calls.apply_state, provider, call_id, state, **kwargs)
    if changed is None:
        return None
    record, event = changed
    await publish_card(hub, event)
    return record


async def caller_left(
    hub: Hub, record: CallRecord, wake: Callable[[], None], reason: str = "abandoned"
) -> Interaction | None:
    """The caller hung up: abandoned if still waiting, else ended by the customer."""
    if record.interaction_id is None:
        return None
    ended: Interaction | None = await hub.db.run(abandon, record.interaction_id, reason, record.wait_seconds)
    if ended is not None:
        hub.committed()  # abandon() recorded its events in the outbox
        wake()  # the agent it was offered to has room again
        return ended
    current = await hub.db.run(_interaction, record.interaction_id)
    if current is not None and current.status == "active":
        return await hub.end_by_customer(record.interaction_id)
    return current


def caller_identity(raw: str, call_id: str) -> tuple[str, str]:
    """Callers are known by E.164 number; a withheld number gets a one-call identity."""
    try:
        return ("phone", normalise_phone(raw))
    except InvalidInput:
        return ("webchat", f"call-{call_id}"[:64])


def _interaction(db: Any, interaction_id: int) -> Interaction | None:
    from repository.core.models import Interaction

    with db.read() as session:
        return session.get(Interaction, interaction_id)
