"""SLA and overflow, the store's side of what the escalation loop does: overflow, stages, breaches.

The loop (contact_center/escalation.py) keeps due times in memory, filled from
repository/routing/sla_watch.py; everything that changes a contact happens here, in
one transaction per contact that also writes its timeline lines and bus events
(docs/sla.md). Each function re-checks the row first, so a due time computed from stale
memory does nothing: a contact answered a second ago is not breached, a contact already
taken is not moved.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from repository.core.lifecycle import transition
from repository.core.models import LIVE_STATUSES, Event, Interaction, Queue
from repository.core.serialize import interaction_dict, iso
from repository.events import outbox
from repository.events.bus import InteractionEvent
from repository.routing.sla_models import SlaMark, SlaPolicy

if TYPE_CHECKING:
    from repository.db import Database


def _still_due(interaction: Interaction, target: str) -> bool:
    if interaction.status not in LIVE_STATUSES:
        return False
    return target != "first_response" or interaction.first_response_at is None


def note_line(session: Session, interaction: Interaction, body: str, **payload: Any) -> None:
    """A system line on the timeline, announced like every other, for a change with no UPDATE."""
    event = Event(
        interaction_id=interaction.id,  # type: ignore[arg-type]
        customer_id=interaction.customer_id,
        channel=interaction.channel,
        kind="status",
        author_type="system",
        body=body,
        payload=payload,
    )
    session.add(event)
    session.flush()
    outbox.emit(session, InteractionEvent(event, interaction))


def _overflow_values(session: Session, interaction: Interaction, now: datetime) -> tuple[str, dict[str, Any]]:
    """("", {}) when the contact cannot overflow; else its timeline line and new values."""
    if interaction.status != "queued" or interaction.overflowed_at is not None:
        return "", {}
    queue = session.get(Queue, interaction.queue_id) if interaction.queue_id is not None else None
    if queue is None:
        return "", {}
    target = session.get(Queue, queue.overflow_queue_id) if queue.overflow_queue_id is not None else None
    if target is not None and target.id != queue.id:
        return f"overflowed to {target.name}", {
            "queue_id": target.id,
            "overflowed_at": now,
            # The contact now waits by the overflow queue's rules, but never loses priority.
            "priority": max(interaction.priority, target.priority),
            "declined_by": [],
        }
    if queue.widened_skills is not None:
        return "skills widened", {"skills_widened": True, "overflowed_at": now}
    return "", {}


def overflow(db: Database, interaction_id: int, reason: str, now: datetime) -> Interaction | None:
    """Move a waiting contact to its queue's overflow queue, or widen its skills (once)."""
    with db.write() as session:
        interaction = session.get(Interaction, interaction_id)
        if interaction is None:
            return None
        line, values = _overflow_values(session, interaction, now)
        if not line:
            return None
        return transition(
            session,
            interaction_id,
            {"status": "queued", "queue_id": interaction.queue_id, "overflowed_at": None},
            line=line,
            line_payload={"reason": reason, "from_queue_id": interaction.queue_id},
            notice={"reason": reason},
            **values,
        )


def record_stage(
    db: Database,
    interaction_id: int,
    target: str,
    stage: str,
    due_at: datetime,
    policy_id: int,
    now: datetime,
) -> Interaction | None:
    """Flag a contact approaching or breaching a target; on a breach, run the policy's actions.

    Each stage happens once per interaction and target (the sla_marks unique key); each
    action leaves its own line on the timeline. None when nothing was due any more.
    """
    try:
        with db.write() as session:
            return _record(session, interaction_id, target, stage, due_at, policy_id, now)
    except IntegrityError:
        return None  # another leader recorded it first


def _record(
    session: Session,
    interaction_id: int,
    target: str,
    stage: str,
    due_at: datetime,
    policy_id: int,
    now: datetime,
) -> Interaction | None:
    interaction = session.get(Interaction, interaction_id)
    policy = session.get(SlaPolicy, policy_id)
    if interaction is None or policy is None or not _still_due(interaction, target):
        return None
    session.add(
        SlaMark(
            interaction_id=interaction_id,
            queue_id=interaction.queue_id,
            target=target,
            stage=stage,
            due_at=due_at,
        )
    )
    session.flush()  # the unique key refuses a second mark here, before anything is written
    # Only a breach, or a warning on a contact not yet breached, changes the flag shown.
    flag = stage if stage == "breached" or interaction.sla_status != "breached" else interaction.sla_status
    changed = transition(
        session,
        interaction_id,
        {"status": interaction.status},
        line=f"sla {stage}",
        line_payload={"target": target, "due_at": iso(due_at), "policy_id": policy_id},
        notice={"reason": f"sla {stage}", "sla_target": target},
        sla_status=flag,
        sla_due_at=due_at,
    )
    if changed is None or stage != "breached":
        return changed
    actions = list(policy.actions)
    if "raise_priority" in actions:
        changed = (
            transition(
                session,
                interaction_id,
                {"status": changed.status},
                line="priority raised",
                line_payload={"from": changed.priority, "to": changed.priority + policy.priority_step},
                priority=changed.priority + policy.priority_step,
            )
            or changed
        )
    if "overflow" in actions:
        line, values = _overflow_values(session, changed, now)
        if line:
            changed = (
                transition(
                    session,
                    interaction_id,
                    {"status": "queued", "overflowed_at": None},
                    line=line,
                    line_payload={"reason": "sla breached", "from_queue_id": changed.queue_id},
                    notice={"reason": "sla breached"},
                    **values,
                )
                or changed
            )
    notify, webhook = "notify" in actions, "webhook" in actions
    if notify or webhook:
        _announce_breach(session, changed, target, due_at, notify=notify, webhook=webhook)
    return changed


def _announce_breach(
    session: Session, interaction: Interaction, target: str, due_at: datetime, *, notify: bool, webhook: bool
) -> None:
    """The ``sla.breached`` bus event: the supervisor feed shows it, the webhook loop sends it."""
    topics = [f"interaction:{interaction.id}"]
    if interaction.agent_id is not None:
        topics.append(f"agent:{interaction.agent_id}")
    if notify:
        topics.append("supervisors")
        note_line(session, interaction, "supervisors notified", target=target)
    if webhook:
        note_line(session, interaction, "webhook sla.breached", target=target)
    data = {
        "type": "sla.breached",
        "interaction_id": interaction.id,
        "interaction": interaction_dict(interaction),
        "target": target,
        "due_at": iso(due_at),
        "notify": notify,
        "webhook": webhook,
    }
    outbox.emit_dict(session, data, topics)
