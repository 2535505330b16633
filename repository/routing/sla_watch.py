"""SLA and overflow, what the escalation loop watches: live contacts and every queue's rules.

The loop (contact_center/escalation.py) reads this to fill its heap of due times: the
queues, SLA policies and calendars (``EscalationConfig``, re-read every few seconds)
and the live contacts of timed queues with the stages already fired (``Watched``).
These are plain reads; everything that changes a contact is in
repository/routing/sla.py, which re-checks the row before acting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import col, select

from repository.core.models import LIVE_STATUSES, Customer, Interaction, Queue
from repository.directory.business_hours import QueueHours
from repository.routing.sla_models import SlaMark, SlaPolicy

if TYPE_CHECKING:
    from collections.abc import Collection

    from repository.db import Database


@dataclass
class Watched:
    """A live contact as the escalation loop schedules it."""

    interaction_id: int
    queue_id: int
    tier: str
    status: str
    created_at: datetime
    queued_at: datetime
    first_response_at: datetime | None
    overflowed_at: datetime | None
    fired: set[tuple[str, str]] = field(default_factory=set)  # (target, stage) already done


@dataclass
class EscalationConfig:
    """Every queue's overflow settings, SLA policies and calendar, read in three queries."""

    queues: dict[int, Queue]
    policies: dict[int, list[SlaPolicy]]
    calendars: dict[int, QueueHours]

    def timed_queues(self) -> set[int]:
        """Queues whose contacts have due times: an SLA policy, or a maximum wait to act on."""
        timed = {q for q, policies in self.policies.items() if policies}
        for queue in self.queues.values():
            can_overflow = queue.overflow_queue_id is not None or queue.widened_skills is not None
            if (
                queue.id is not None
                and (queue.max_wait_seconds or queue.overflow_when_unstaffed)
                and can_overflow
            ):
                timed.add(queue.id)
        return timed

    def policy_for(self, queue_id: int, tier: str) -> SlaPolicy | None:
        """The queue's policy for this tier, else its policy for every tier, else None."""
        general = None
        for policy in self.policies.get(queue_id, ()):
            if policy.tier == tier:
                return policy
            if policy.tier is None:
                general = policy
        return general


def read_config(db: Database) -> EscalationConfig:
    with db.read() as session:
        queues = {q.id: q for q in session.exec(select(Queue)).all() if q.id is not None}
        policies: dict[int, list[SlaPolicy]] = {}
        for policy in session.exec(select(SlaPolicy).order_by(col(SlaPolicy.id))).all():
            policies.setdefault(policy.queue_id, []).append(policy)
        calendars = {h.queue_id: h for h in session.exec(select(QueueHours)).all()}
    return EscalationConfig(queues, policies, calendars)


def watched(db: Database, queue_ids: Collection[int], ids: Collection[int] | None = None) -> list[Watched]:
    """Live contacts of ``queue_ids`` (all, or those of ``ids``) with the SLA stages already fired."""
    if not queue_ids:
        return []
    stmt = (
        select(  # type: ignore[call-overload]
            Interaction.id,
            Interaction.queue_id,
            Customer.tier,
            Interaction.status,
            Interaction.created_at,
            Interaction.queued_at,
            Interaction.first_response_at,
            Interaction.overflowed_at,
        )
        .join(Customer, Customer.id == Interaction.customer_id)
        .where(col(Interaction.status).in_(LIVE_STATUSES), col(Interaction.queue_id).in_(list(queue_ids)))
    )
    if ids is not None:
        if not ids:
            return []
        stmt = stmt.where(col(Interaction.id).in_(list(ids)))
    with db.read() as session:
        rows = {r[0]: Watched(*r) for r in session.exec(stmt).all()}
        if rows:
            marks = select(SlaMark.interaction_id, SlaMark.target, SlaMark.stage)
            if ids is not None:
                marks = marks.where(col(SlaMark.interaction_id).in_(list(rows)))
            else:
                # Marks of contacts still live only; closed ones are not watched.
                marks = marks.join(Interaction, col(Interaction.id) == SlaMark.interaction_id).where(
                    col(Interaction.status).in_(LIVE_STATUSES)
                )
            for iid, target, stage in session.exec(marks).all():
                if iid in rows:
                    rows[iid].fired.add((target, stage))
    return list(rows.values())
