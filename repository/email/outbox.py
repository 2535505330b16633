"""The email outbox: every outbound mail, kept as sent, retried with backoff until done.

A row is written before the first attempt, so a crash or an SMTP outage loses
nothing: the worker of any node picks due rows up again after a restart. Claiming a
row pushes its next attempt past a lease, so two nodes do not send it at once.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import update
from sqlmodel import col, select

from repository.core.models import utcnow
from repository.email.models import EmailOutbox

if TYPE_CHECKING:
    from repository.db import Database

CLAIM_LEASE_SECONDS = 120


def add_outbox(db: Database, **values: Any) -> EmailOutbox:
    """Store an outbound mail; storing the same event twice returns the first row."""
    with db.write() as session:
        existing = session.exec(select(EmailOutbox).where(EmailOutbox.event_id == values["event_id"])).first()
        if existing is not None:
            return existing
        row = EmailOutbox(**values)
        session.add(row)
        session.flush()
        return row


def claim(db: Database, outbox_id: int) -> EmailOutbox | None:
    """Take a pending row for one attempt; None if it is not due or someone else has it."""
    now = utcnow()
    with db.write() as session:
        result = session.execute(
            update(EmailOutbox)
            .where(
                col(EmailOutbox.id) == outbox_id,
                col(EmailOutbox.status) == "pending",
                col(EmailOutbox.next_attempt_at) <= now,
            )
            .values(
                next_attempt_at=now + timedelta(seconds=CLAIM_LEASE_SECONDS),
                attempts=EmailOutbox.attempts + 1,
            )
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return None
        return session.get(EmailOutbox, outbox_id, populate_existing=True)


def due(db: Database, limit: int = 50) -> list[int]:
    with db.read() as session:
        ids = session.exec(
            select(EmailOutbox.id)
            .where(EmailOutbox.status == "pending", EmailOutbox.next_attempt_at <= utcnow())
            .order_by(col(EmailOutbox.next_attempt_at))
            .limit(limit)
        ).all()
    return [i for i in ids if i is not None]  # stored rows always have ids


def finish(
    db: Database, outbox_id: int, status: str, error: str | None = None, retry_in: float | None = None
) -> None:
    """Record an attempt: ``sent``, ``failed`` for good, or ``pending`` again after ``retry_in`` s."""
    with db.write() as session:
        row = session.get(EmailOutbox, outbox_id)
        if row is None:
            return
        row.status = status
        row.last_error = error[:500] if error else None
        if status == "sent":
            row.sent_at = utcnow()
        if retry_in is not None:
            row.next_attempt_at = utcnow() + timedelta(seconds=retry_in)
        session.add(row)


def by_message_id(db: Database, message_ids: list[str]) -> list[EmailOutbox]:
    if not message_ids:
        return []
    with db.read() as session:
        return list(
            session.exec(select(EmailOutbox).where(col(EmailOutbox.message_id).in_(message_ids[:50]))).all()
        )


def mark_bounced(db: Database, outbox_id: int, error: str) -> None:
    """A DSN reported the mail undeliverable after the SMTP server had accepted it."""
    with db.write() as session:
        row = session.get(EmailOutbox, outbox_id)
        if row is not None:
            row.status = "failed"
            row.last_error = error[:500]
            session.add(row)


def get(db: Database, outbox_id: int) -> EmailOutbox | None:
    with db.read() as session:
        return session.get(EmailOutbox, outbox_id)
