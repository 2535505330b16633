"""Abandoned calls: the caller hung up (or a PBX call rang out) before anyone took it.

The interaction goes queued/offered → ``abandoned`` with a status event recording
how long the caller waited. See docs/twilio.md (a caller who hangs up while waiting)
and docs/cti.md (missed calls).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from repository.core.models import Interaction, utcnow

if TYPE_CHECKING:
    from repository.db import Database


def abandon(db: Database, interaction_id: int, reason: str, wait_seconds: int | None) -> Interaction | None:
    """A caller who hung up before anyone took the call: queued/offered → abandoned.

    Conditional, like every lifecycle transition: None when the interaction had
    already moved on (an agent accepted in the same instant). "abandoned" is not a
    live status, so the thread's one-live-interaction index is freed.
    """
    from repository.core.lifecycle import transition

    with db.write() as session:
        now = utcnow()
        ended = transition(
            session,
            interaction_id,
            {"status": ("queued", "offered")},
            line=reason,
            line_payload={"wait_seconds": wait_seconds},
            notice={"reason": reason, "ended_by": "customer"},
            status="abandoned",
            disposition=reason[:60],
            ended_at=now,
            closed_at=now,
            reserved_until=None,
        )
        return ended
