"""A supervisor stepping in: reassign, force an agent's state, whisper. Each one is audited.

Every action follows the hub's order: persist, then publish, so desktops and the
supervisor feed see only what the CCR holds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from repository.core.ingest import append_event
from repository.core.lifecycle import transfer
from repository.core.models import HOLDING_STATUSES, SUPERVISOR_ROLES, stored_id
from repository.directory import set_presence
from repository.errors import Conflict, Forbidden, InvalidInput
from repository.supervision import actions as supervision

if TYPE_CHECKING:
    from contact_center.context import AppContext
    from repository.core.models import Agent, Event, Interaction

STATES = ("available", "away", "offline")


def _check_role(supervisor: Agent) -> None:
    if supervisor.role not in SUPERVISOR_ROLES:
        raise Forbidden("this needs the supervisor role", code="forbidden")


async def reassign(
    ctx: AppContext,
    supervisor: Agent,
    interaction_id: int,
    *,
    to_queue_id: int | None,
    to_agent_id: int | None,
) -> Interaction:
    """Waiting contacts move in place; held ones go back to the queue, for the new target."""
    _check_role(supervisor)
    hub = ctx.hub
    current = await hub.db.run(lambda db: _interaction(db, interaction_id))
    holder = current.agent_id
    if current.status == "queued":
        moved = await hub.db.run(
            supervision.reassign_waiting,
            interaction_id,
            stored_id(supervisor),
            to_queue_id=to_queue_id,
            to_agent_id=to_agent_id,
        )
    else:
        moved = await hub.db.run(
            transfer,
            interaction_id,
            stored_id(supervisor),
            to_queue_id=to_queue_id,
            to_agent_id=to_agent_id,
            allow_any_holder=True,
        )
    await hub.db.run(
        supervision.audit,
        stored_id(supervisor),
        "reassign",
        interaction_id=interaction_id,
        agent_id=to_agent_id,
        queue_id=to_queue_id,
        previous_agent_id=holder,
        previous_status=current.status,
    )
    # The transfer recorded its events (and its "transferred to …" line) in the outbox.
    hub.committed()
    ctx.router.wake()
    return moved


async def force_state(ctx: AppContext, supervisor: Agent, agent_id: int, state: str) -> list[Interaction]:
    """Set an agent's presence; "offline" also hands their open contacts back to the queue."""
    _check_role(supervisor)
    if state not in STATES:
        raise InvalidInput(
            "state must be one of %(choices)s", params={"choices": ", ".join(STATES)}, field="state"
        )
    hub = ctx.hub
    await hub.db.run(set_presence, agent_id, state, "supervisor")
    released: list[Interaction] = []
    if state == "offline":
        released = await hub.db.run(supervision.release_agent_work, agent_id)
    await hub.db.run(
        supervision.audit,
        stored_id(supervisor),
        "force_state",
        agent_id=agent_id,
        state=state,
        released=[i.id for i in released],
    )
    # set_presence and release_agent_work recorded their events in the outbox.
    hub.committed()
    ctx.router.wake()
    return released


async def whisper(
    ctx: AppContext, supervisor: Agent, interaction_id: int, body: str, client_id: str | None = None
) -> Event:
    """An internal note to the agent holding the contact; the customer never receives it."""
    _check_role(supervisor)
    if not body.strip():
        raise InvalidInput("a whisper needs some text", field="body")
    hub = ctx.hub
    current = await hub.db.run(lambda db: _interaction(db, interaction_id))
    if current.status not in HOLDING_STATUSES or current.agent_id is None:
        raise Conflict("nobody is working this contact; reassign it instead", status=current.status)
    event, interaction, duplicate = await hub.db.run(
        append_event,
        interaction_id,
        kind="note",
        author_type="agent",
        author_id=supervisor.id,
        author_name=supervisor.display_name,
        body=body,
        payload={"whisper": True, "to_agent_id": current.agent_id},
        external_id=f"supervisor:{supervisor.id}:{client_id}" if client_id else None,
    )
    if duplicate:
        return event
    await hub.db.run(
        supervision.audit,
        stored_id(supervisor),
        "whisper",
        interaction_id=interaction_id,
        agent_id=current.agent_id,
        event_id=event.id,
    )
    # Recorded like any note ("public" is None: no visitor socket forwards it).
    hub.committed()
    return event


def _interaction(db: Any, interaction_id: int) -> Interaction:
    from repository.core.models import Interaction
    from repository.errors import NotFound

    with db.read() as session:
        found = session.get(Interaction, interaction_id)
    if found is None:
        raise NotFound("no such interaction", interaction_id=interaction_id)
    return found


def _dict(interaction: Interaction) -> dict[str, Any]:
    from repository.core.serialize import interaction_dict

    return interaction_dict(interaction)
