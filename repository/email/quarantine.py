"""Quarantined mail: raw messages the channel could not parse or store, kept for a human.

The poller writes a row (``quarantine`` below) and the raw file;
here a human lists them, reads one, and decides: release it (the channel stores it
with a sender they choose, ``channels/email/release.py``) or delete it. A decision is
a conditional UPDATE on an undecided row, so two admins deciding at once get one
winner. The open count per mailbox is read from here, so it is the same on every node
and survives restarts.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from repository.core.models import utcnow
from repository.email.models import EmailQuarantine, Mailbox
from repository.errors import Conflict, NotFound

if TYPE_CHECKING:
    from repository.db import Database

PREVIEW_BYTES = 200_000


def quarantine_dict(row: EmailQuarantine, address: str = "") -> dict[str, Any]:
    return {
        "id": row.id,
        "mailbox_id": row.mailbox_id,
        "mailbox_address": address,
        "uidvalidity": row.uidvalidity,
        "uid": row.uid,
        "sha256": row.sha256,
        "size": row.size,
        "reason": row.reason,
        "created_at": row.created_at.isoformat() if row.created_at else None,
        "resolution": row.resolution,
        "resolved_at": row.resolved_at.isoformat() if row.resolved_at else None,
        "event_id": row.event_id,
    }


def list_open(
    db: Database, *, mailbox_id: int | None = None, after: int | None = None, limit: int = 50
) -> tuple[list[tuple[EmailQuarantine, str]], int | None]:
    """Undecided rows, newest first, with their mailbox address; and the cursor of the next page."""
    with db.read() as session:
        query = (
            select(EmailQuarantine, Mailbox.address)
            .join(Mailbox, col(Mailbox.id) == col(EmailQuarantine.mailbox_id))
            .where(col(EmailQuarantine.resolved).is_(False))
        )
        if mailbox_id is not None:
            query = query.where(col(EmailQuarantine.mailbox_id) == mailbox_id)
        if after is not None:
            query = query.where(col(EmailQuarantine.id) < after)
        rows = list(session.exec(query.order_by(col(EmailQuarantine.id).desc()).limit(limit + 1)).all())
    more = len(rows) > limit
    rows = rows[:limit]
    return [(row, address) for row, address in rows], (rows[-1][0].id if more and rows else None)


def get(db: Database, quarantine_id: int) -> tuple[EmailQuarantine, str]:
    with db.read() as session:
        found = session.exec(
            select(EmailQuarantine, Mailbox.address)
            .join(Mailbox, col(Mailbox.id) == col(EmailQuarantine.mailbox_id))
            .where(col(EmailQuarantine.id) == quarantine_id)
        ).first()
    if found is None:
        raise NotFound("no such quarantined mail", quarantine_id=quarantine_id)
    return found[0], found[1]


def open_counts(db: Database) -> dict[int, int]:
    """Mailbox id -> how many quarantined mails wait for a decision."""
    with db.read() as session:
        rows = session.exec(
            select(EmailQuarantine.mailbox_id, func.count())
            .where(col(EmailQuarantine.resolved).is_(False))
            .group_by(col(EmailQuarantine.mailbox_id))
        ).all()
    return {int(mailbox_id): int(count) for mailbox_id, count in rows}


def read_raw(row: EmailQuarantine, limit: int | None = None) -> bytes:
    path = Path(row.storage_path)
    if not path.is_file():
        raise NotFound("the raw mail file is gone", quarantine_id=row.id)
    with path.open("rb") as file:
        return file.read() if limit is None else file.read(limit)


def decide(
    db: Database, quarantine_id: int, resolution: str, agent_id: int | None, event_id: int | None = None
) -> None:
    """Record a decision on an undecided row; Conflict if someone decided first."""
    with db.write() as session:
        result = session.execute(
            update(EmailQuarantine)
            .where(col(EmailQuarantine.id) == quarantine_id, col(EmailQuarantine.resolved).is_(False))
            .values(
                resolved=True,
                resolution=resolution,
                resolved_at=utcnow(),
                resolved_by=agent_id,
                event_id=event_id,
            )
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict("this quarantined mail was already released or deleted")


def delete(db: Database, quarantine_id: int, agent_id: int | None) -> None:
    """Decide "deleted" and remove the raw file; the row stays as the record of who and when."""
    row, _ = get(db, quarantine_id)
    decide(db, quarantine_id, "deleted", agent_id)
    Path(row.storage_path).unlink(missing_ok=True)


def quarantine(
    db: Database, mailbox_id: int, uidvalidity: int, uid: int, sha256: str, size: int, reason: str, path: str
) -> bool:
    """Flag a raw message for a human. False if that exact message was flagged before."""
    try:
        with db.write() as session:
            exists = session.exec(
                select(EmailQuarantine.id).where(
                    EmailQuarantine.mailbox_id == mailbox_id, EmailQuarantine.sha256 == sha256
                )
            ).first()
            if exists is not None:
                return False
            session.add(
                EmailQuarantine(
                    mailbox_id=mailbox_id,
                    uidvalidity=uidvalidity,
                    uid=uid,
                    sha256=sha256,
                    size=size,
                    reason=reason[:500],
                    storage_path=path,
                )
            )
        return True
    except IntegrityError:
        return False
