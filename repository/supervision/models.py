"""Tables the supervisor's view needs beyond the core CCR.

- ``agent_state_changes``: every presence change with its time, so reports can draw
  an agent's day and occupancy can be measured against time actually available.
  Busy/idle is not stored: it is derived from the interactions an agent held.
- ``supervisor_actions``: the audit log of every intervention.
- ``queue_service_levels``: per-queue service-level settings, in a side table so the
  core ``queues`` table stays as the core defines it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from sqlalchemy import JSON, Column
from sqlmodel import Field, Session, SQLModel

from repository.core.models import utcnow

SlFormula = Literal["answered", "with_abandons", "offered"]
SL_FORMULAS: tuple[SlFormula, ...] = ("answered", "with_abandons", "offered")


class AgentStateChange(SQLModel, table=True):
    __tablename__ = "agent_state_changes"
    id: int | None = Field(default=None, primary_key=True)
    agent_id: int = Field(foreign_key="agents.id", index=True)
    state: str = Field(max_length=20)
    # Who moved it: "agent", "supervisor", "disconnected", "logout".
    cause: str = Field(default="agent", max_length=20)
    at: datetime = Field(default_factory=utcnow, index=True)


class SupervisorAction(SQLModel, table=True):
    __tablename__ = "supervisor_actions"
    id: int | None = Field(default=None, primary_key=True)
    supervisor_id: int = Field(foreign_key="agents.id", index=True)
    action: str = Field(max_length=30)
    interaction_id: int | None = None
    agent_id: int | None = None
    queue_id: int | None = None
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    at: datetime = Field(default_factory=utcnow, index=True)


class QueueServiceLevel(SQLModel, table=True):
    __tablename__ = "queue_service_levels"
    queue_id: int = Field(foreign_key="queues.id", primary_key=True)
    threshold_seconds: int = 20
    target_percent: float = 80.0
    formula: str = Field(default="answered", max_length=20)
    # An abandon quicker than this is a misdial or a curious click, not a lost customer.
    short_abandon_seconds: int = 5


def record_state_change(
    session: Session, agent_id: int, state: str, cause: str = "agent", at: datetime | None = None
) -> None:
    """Log a presence change in the caller's transaction, so log and agent row agree."""
    session.add(AgentStateChange(agent_id=agent_id, state=state, cause=cause, at=at or utcnow()))
