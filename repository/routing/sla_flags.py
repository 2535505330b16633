"""Taking an SLA flag down: a first response given in time ends its "approaching" flag.

Kept apart from repository/routing/sla.py, which the router leader runs: this runs in
the agent's reply transaction (repository/core/ingest.py), only when the contact is
flagged, so a reply costs nothing more otherwise.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlmodel import select

from repository.events import outbox
from repository.events.bus import InteractionUpdated
from repository.routing.sla_models import SlaMark

if TYPE_CHECKING:
    from sqlmodel import Session

    from repository.core.models import Interaction


def answered_in_time(session: Session, interaction: Interaction) -> None:
    """Clear "approaching" unless the resolution target is the one approaching."""
    resolution = session.exec(
        select(SlaMark.id).where(
            SlaMark.interaction_id == interaction.id,
            SlaMark.target == "resolution",
            SlaMark.stage == "approaching",
        )
    ).first()
    if resolution is not None:
        return
    interaction.sla_status = None
    interaction.sla_due_at = None
    session.add(interaction)
    session.flush()
    outbox.emit(session, InteractionUpdated(interaction, {"reason": "sla answered"}))
