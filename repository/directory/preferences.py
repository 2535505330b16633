"""Per-user interface preferences: language and time zone.

Values are checked by the caller (the web layer knows which catalogues exist);
this module only stores them, so ``repository`` stays free of i18n imports.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from repository.core.models import Agent
from repository.errors import NotFound

if TYPE_CHECKING:
    from repository.db import Database


def set_preferences(db: Database, agent_id: int, *, locale: str | None, timezone: str | None) -> Agent:
    """Remember ``locale`` and ``timezone`` for the agent; None keeps the current value."""
    with db.write() as session:
        agent = session.get(Agent, agent_id)
        if agent is None:
            raise NotFound("no such agent", agent_id=agent_id)
        if locale is not None:
            agent.locale = locale
        if timezone is not None:
            agent.timezone = timezone
        session.add(agent)
        return agent
