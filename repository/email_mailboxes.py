"""Mailboxes and where each one's poller stands (UIDVALIDITY + last UID).

The sync position is the only thing that says what has been fetched, and it is a
UID, never a date: after any downtime everything above the last UID is fetched.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlmodel import select

from repository.email_models import SECURITY, EmailQuarantine, EmailSyncState, Mailbox
from repository.errors import InvalidInput, NotFound
from repository.models import Queue, utcnow

if TYPE_CHECKING:
    from repository.db import Database

EDITABLE = (
    "display_name",
    "imap_host",
    "imap_port",
    "imap_security",
    "imap_user",
    "imap_password",
    "imap_folder",
    "smtp_host",
    "smtp_port",
    "smtp_security",
    "smtp_user",
    "smtp_password",
    "queue_id",
    "acknowledge",
    "is_active",
)
SECRET_FIELDS = ("imap_password", "smtp_password")


def _check(session: Any, values: dict[str, Any]) -> None:
    for name in ("imap_security", "smtp_security"):
        if name in values and values[name] not in SECURITY:
            raise InvalidInput(f"{name} must be one of {', '.join(SECURITY)}", field=name)
    for name in ("imap_port", "smtp_port"):
        if name in values and not 0 < int(values[name]) < 65536:
            raise InvalidInput(f"{name} must be a port number", field=name)
    if values.get("queue_id") is not None and session.get(Queue, values["queue_id"]) is None:
        raise NotFound("no such queue", queue_id=values["queue_id"])


def create_mailbox(db: Database, address: str, **values: Any) -> Mailbox:
    address = address.strip().lower()
    if "@" not in address or len(address) > 320:
        raise InvalidInput("address must be an email address", field="address")
    with db.write() as session:
        _check(session, values)
        mailbox = Mailbox(
            address=address, **{k: v for k, v in values.items() if k in EDITABLE or k == "source"}
        )
        session.add(mailbox)
        session.flush()
        return mailbox


def update_mailbox(db: Database, mailbox_id: int, **values: Any) -> Mailbox:
    with db.write() as session:
        mailbox = session.get(Mailbox, mailbox_id)
        if mailbox is None:
            raise NotFound("no such mailbox", mailbox_id=mailbox_id)
        _check(session, values)
        for name, value in values.items():
            # An empty password field means "keep the stored one", so forms never echo secrets.
            if name in SECRET_FIELDS and not value:
                continue
            if name in EDITABLE:
                setattr(mailbox, name, value)
        session.add(mailbox)
        session.flush()
        return mailbox


def ensure_env_mailbox(db: Database, address: str, **values: Any) -> Mailbox:
    """The mailbox named by the environment, created or brought up to date."""
    with db.read() as session:
        existing = session.exec(select(Mailbox).where(Mailbox.address == address.lower())).first()
    if existing is None:
        return create_mailbox(db, address, source="env", **values)
    return update_mailbox(db, existing.id, **values)  # type: ignore[arg-type]


def get_mailbox(db: Database, mailbox_id: int) -> Mailbox:
    with db.read() as session:
        mailbox = session.get(Mailbox, mailbox_id)
    if mailbox is None:
        raise NotFound("no such mailbox", mailbox_id=mailbox_id)
    return mailbox


def list_mailboxes(db: Database, *, active_only: bool = False) -> list[Mailbox]:
    with db.read() as session:
        query = select(Mailbox).order_by(Mailbox.id)  # type: ignore[arg-type]
        if active_only:
            query = query.where(Mailbox.is_active)
        return list(session.exec(query).all())


def sync_position(db: Database, mailbox_id: int, folder: str) -> tuple[int, int]:
    """(UIDVALIDITY, last UID stored) of a folder; (0, 0) before its first sync."""
    with db.read() as session:
        row = session.exec(
            select(EmailSyncState).where(
                EmailSyncState.mailbox_id == mailbox_id, EmailSyncState.folder == folder
            )
        ).first()
    return (row.uidvalidity, row.last_uid) if row is not None else (0, 0)


def save_sync_position(db: Database, mailbox_id: int, folder: str, uidvalidity: int, last_uid: int) -> None:
    with db.write() as session:
        row = session.exec(
            select(EmailSyncState).where(
                EmailSyncState.mailbox_id == mailbox_id, EmailSyncState.folder == folder
            )
        ).first()
        if row is None:
            row = EmailSyncState(mailbox_id=mailbox_id, folder=folder)
        row.uidvalidity = uidvalidity
        row.last_uid = last_uid
        row.updated_at = utcnow()
        session.add(row)


def list_quarantine(db: Database, mailbox_id: int | None = None, limit: int = 100) -> list[EmailQuarantine]:
    with db.read() as session:
        query = select(EmailQuarantine).where(EmailQuarantine.resolved == False)  # noqa: E712
        if mailbox_id is not None:
            query = query.where(EmailQuarantine.mailbox_id == mailbox_id)
        return list(session.exec(query.order_by(EmailQuarantine.id.desc()).limit(limit)).all())  # type: ignore[union-attr]
