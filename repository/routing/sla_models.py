"""SLA tables: each queue's targets (optionally per customer tier) and what has fired.

A policy says how long a contact may wait for its first answer and for its resolution,
when it counts as "approaching" (``warning_percent`` of the target), whether only the
queue's business hours count, and what to do on a breach (docs/sla.md). A mark records
that a stage fired for an interaction; its unique key makes each stage happen once,
whichever router node leads.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from repository.core.models import utcnow

Target = Literal["first_response", "resolution"]
TARGETS: tuple[Target, ...] = ("first_response", "resolution")
Stage = Literal["approaching", "breached"]
# What a breach may do, in the order they run.
ACTIONS = ("raise_priority", "overflow", "notify", "webhook")


class SlaPolicy(SQLModel, table=True):
    __tablename__ = "sla_policies"
    id: int | None = Field(default=None, primary_key=True)
    queue_id: int = Field(foreign_key="queues.id", index=True)
    # None: every tier without a policy of its own.
    tier: str | None = Field(default=None, max_length=20)
    first_response_seconds: int | None = None
    resolution_seconds: int | None = None
    warning_percent: int = 80
    business_hours_only: bool = False
    actions: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # Points added to the interaction's priority by the raise_priority action.
    priority_step: int = 10
    created_at: datetime = Field(default_factory=utcnow)


class SlaMark(SQLModel, table=True):
    __tablename__ = "sla_marks"
    __table_args__ = (UniqueConstraint("interaction_id", "target", "stage", name="uq_sla_mark"),)
    id: int | None = Field(default=None, primary_key=True)
    interaction_id: int = Field(foreign_key="interactions.id", index=True)
    queue_id: int | None = None
    target: str = Field(max_length=20)
    stage: str = Field(max_length=12)
    due_at: datetime
    created_at: datetime = Field(default_factory=utcnow)
