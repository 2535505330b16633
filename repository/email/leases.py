"""Which node polls a mailbox: a lease row with an expiry, taken by a conditional UPDATE.

Every node runs a poller per mailbox, but only the one holding the lease talks to the
IMAP server. Taking the lease is one UPDATE that succeeds only if the row is free,
expired or already ours, so two nodes racing for it get one winner on SQLite and
PostgreSQL alike. The holder renews it well before it expires; a node that dies
stops renewing and another takes over once ``expires_at`` passes. The holder also
writes its health here, so any node (admin page, API) can show it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from repository.core.models import utcnow
from repository.email.models import EmailPollLease
from repository.email.quarantine import open_counts

if TYPE_CHECKING:
    from repository.db import Database


def claim(db: Database, mailbox_id: int, holder: str, seconds: float, health: dict[str, Any]) -> bool:
    """Take or renew the lease for ``seconds``; False if another node holds an unexpired one."""
    _ensure_row(db, mailbox_id)
    now = utcnow()
    with db.write() as session:
        result = session.execute(
            update(EmailPollLease)
            .where(
                col(EmailPollLease.mailbox_id) == mailbox_id,
                or_(col(EmailPollLease.holder) == holder, col(EmailPollLease.expires_at) < now),
            )
            .values(holder=holder, expires_at=now + timedelta(seconds=seconds), health=health, updated_at=now)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def renew(db: Database, mailbox_id: int, holder: str, seconds: float, health: dict[str, Any]) -> bool:
    """Extend a lease we hold; False if it was lost (expired and taken by another node)."""
    now = utcnow()
    with db.write() as session:
        result = session.execute(
            update(EmailPollLease)
            .where(
                col(EmailPollLease.mailbox_id) == mailbox_id,
                col(EmailPollLease.holder) == holder,
            )
            .values(expires_at=now + timedelta(seconds=seconds), health=health, updated_at=now)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def release(db: Database, mailbox_id: int, holder: str, health: dict[str, Any]) -> None:
    """Give the lease up at once (a clean shutdown), so another node need not wait for expiry."""
    now = utcnow()
    with db.write() as session:
        session.execute(
            update(EmailPollLease)
            .where(
                col(EmailPollLease.mailbox_id) == mailbox_id,
                col(EmailPollLease.holder) == holder,
            )
            .values(expires_at=now, health=health, updated_at=now)
        )


def leases(db: Database) -> dict[int, EmailPollLease]:
    """Every mailbox's lease row: holder, expiry and the holder's last health."""
    with db.read() as session:
        return {row.mailbox_id: row for row in session.exec(select(EmailPollLease)).all()}


def _ensure_row(db: Database, mailbox_id: int) -> None:
    with db.read() as session:
        if session.get(EmailPollLease, mailbox_id) is not None:
            return
    try:
        with db.write() as session:
            # Born expired, so the first claim below takes it like any free lease.
            session.add(EmailPollLease(mailbox_id=mailbox_id, expires_at=utcnow() - timedelta(seconds=1)))
    except IntegrityError:
        pass  # another node created it first


def health_by_mailbox(db: Database) -> dict[int, dict[str, Any]]:
    """Each polled mailbox's health as its lease holder last wrote it, on whichever node asks.

    A lease that has expired means no node is polling: the mailbox is shown
    disconnected whatever its last holder said.
    """
    now = utcnow()
    out: dict[int, dict[str, Any]] = {}
    # Waiting for a human: counted in the table, so the same on every node and after restarts.
    waiting = open_counts(db)
    for mailbox_id, row in leases(db).items():
        live = row.expires_at > now and bool(row.holder)
        snapshot = dict(row.health or {})
        out[mailbox_id] = {
            "mailbox_id": mailbox_id,
            "connected": bool(snapshot.get("connected")) and live,
            "idle": bool(snapshot.get("idle")) and live,
            "last_sync": snapshot.get("last_sync"),
            "last_error": snapshot.get("last_error"),
            "last_error_at": snapshot.get("last_error_at"),
            "smtp_error": snapshot.get("smtp_error"),
            "reconnects": int(snapshot.get("reconnects") or 0),
            "ingested": int(snapshot.get("ingested") or 0),
            "quarantined": waiting.get(mailbox_id, 0),
            "polled_by": row.holder if live else None,
            "reported_at": row.updated_at.isoformat(),
        }
    return out
