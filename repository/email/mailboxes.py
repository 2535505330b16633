"""Mailboxes and where each one's poller stands (UIDVALIDITY + last UID).

The sync position is the only thing that says what has been fetched, and it is a
UID, never a date: after any downtime everything above the last UID is fetched.

Passwords are sealed on the way in (a ``PasswordSealer`` is required to write one)
and never leave this module in a form meant for display: :func:`mailbox_dict` says
only whether each one is set.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from sqlmodel import col, select

from repository.core.models import Queue, utcnow
from repository.email.models import SECURITY, EmailQuarantine, EmailSyncState, Mailbox
from repository.email.secrets import MAX_PASSWORD_CHARS, SECRET_FIELDS
from repository.errors import Conflict, InvalidInput, NotFound

if TYPE_CHECKING:
    from repository.db import Database
    from repository.email.secrets import PasswordSealer

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
    "language",
    "is_active",
)
_TEXT_LIMITS = {
    "display_name": 120,
    "imap_host": 255,
    "imap_user": 320,
    "imap_folder": 200,
    "smtp_host": 255,
    "smtp_user": 320,
}
# A locale id as the catalogues name them (en, zh_Hans, pt_BR); which ones are installed is
# the i18n layer's business (the API and the admin form check that).
_LOCALE_ID = re.compile(r"[a-z]{2,3}(_[A-Za-z0-9]{2,8}){0,2}")


def _address(raw: str) -> str:
    address = str(raw).strip().lower()
    if address.count("@") != 1 or len(address) > 320 or any(c.isspace() or c in '<>",;' for c in address):
        raise InvalidInput("address must be an email address", field="address")
    return address


def _seal(values: dict[str, Any], sealer: PasswordSealer | None) -> dict[str, Any]:
    """``values`` with each given password sealed; a blank one is dropped (keep the stored one)."""
    out = dict(values)
    for name in SECRET_FIELDS:
        if name not in out:
            continue
        password = str(out.pop(name) or "")
        if not password:
            continue
        if len(password) > MAX_PASSWORD_CHARS:
            raise InvalidInput(
                "%(name)s may have at most %(max)s characters",
                params={"name": name, "max": MAX_PASSWORD_CHARS},
                field=name,
            )
        if sealer is None:
            raise ValueError("mailbox passwords are stored sealed: pass a PasswordSealer")
        out[name] = sealer.seal(password)
    return out


def _check(session: Any, values: dict[str, Any]) -> None:
    for name, limit in _TEXT_LIMITS.items():
        if name in values and (len(str(values[name])) > limit or "\x00" in str(values[name])):
            raise InvalidInput(
                "%(name)s must be at most %(max)s characters", params={"name": name, "max": limit}, field=name
            )
    for name in ("imap_host", "imap_user", "imap_folder", "smtp_host"):
        if name in values and not str(values[name]).strip():
            raise InvalidInput("%(name)s is required", params={"name": name}, field=name)
    for name in ("imap_security", "smtp_security"):
        if name in values and values[name] not in SECURITY:
            raise InvalidInput(
                "%(name)s must be one of %(choices)s",
                params={"name": name, "choices": ", ".join(SECURITY)},
                field=name,
            )
    for name in ("imap_port", "smtp_port"):
        if name in values and not 0 < int(values[name]) < 65536:
            raise InvalidInput("%(name)s must be a port number", params={"name": name}, field=name)
    if "language" in values and not _LOCALE_ID.fullmatch(str(values["language"])):
        raise InvalidInput("language must be a locale id such as en, zh_Hans or zh_Hant", field="language")
    if values.get("queue_id") is not None and session.get(Queue, values["queue_id"]) is None:
        raise NotFound("no such queue", queue_id=values["queue_id"])


def create_mailbox(
    db: Database, address: str, *, sealer: PasswordSealer | None = None, **values: Any
) -> Mailbox:
    address = _address(address)
    values = _seal(values, sealer)
    # Replies leave by SMTP: a mailbox without an SMTP host could never answer anyone.
    for name in ("imap_host", "imap_user", "smtp_host"):
        if not str(values.get(name) or "").strip():
            raise InvalidInput("%(name)s is required", params={"name": name}, field=name)
    with db.write() as session:
        _check(session, values)
        if session.exec(select(Mailbox.id).where(Mailbox.address == address)).first() is not None:
            raise Conflict("a mailbox with this address exists", field="address")
        mailbox = Mailbox(
            address=address, **{k: v for k, v in values.items() if k in EDITABLE or k == "source"}
        )
        session.add(mailbox)
        session.flush()
        return mailbox


def update_mailbox(
    db: Database, mailbox_id: int, *, sealer: PasswordSealer | None = None, **values: Any
) -> Mailbox:
    # An empty password means "keep the stored one", so forms never need to echo secrets.
    values = _seal(values, sealer)
    with db.write() as session:
        mailbox = session.get(Mailbox, mailbox_id)
        if mailbox is None:
            raise NotFound("no such mailbox", mailbox_id=mailbox_id)
        _check(session, values)
        if "address" in values:
            address = _address(values["address"])
            taken = session.exec(
                select(Mailbox.id).where(Mailbox.address == address, Mailbox.id != mailbox_id)
            ).first()
            if taken is not None:
                raise Conflict("a mailbox with this address exists", field="address")
            mailbox.address = address
        for name, value in values.items():
            if name in EDITABLE:
                setattr(mailbox, name, value)
        session.add(mailbox)
        session.flush()
        return mailbox


def ensure_env_mailbox(
    db: Database, address: str, *, sealer: PasswordSealer | None = None, **values: Any
) -> Mailbox:
    """The mailbox named by the environment, created or brought up to date."""
    with db.read() as session:
        existing = session.exec(select(Mailbox).where(Mailbox.address == address.strip().lower())).first()
    if existing is None:
        return create_mailbox(db, address, sealer=sealer, source="env", **values)
    if sealer is not None:
        # Re-sealing an unchanged password would give a new token, and a changed row
        # restarts the poller: keep the stored token when it opens to the same password.
        for name in SECRET_FIELDS:
            if values.get(name) and sealer.open_or_blank(getattr(existing, name)) == values[name]:
                values.pop(name)
    return update_mailbox(db, existing.id, sealer=sealer, **values)  # type: ignore[arg-type]


def mailbox_dict(mailbox: Mailbox) -> dict[str, Any]:
    """A mailbox as pages and the API show it: every setting except the passwords."""
    out: dict[str, Any] = {"id": mailbox.id, "address": mailbox.address, "source": mailbox.source}
    for name in EDITABLE:
        if name not in SECRET_FIELDS:
            out[name] = getattr(mailbox, name)
    for name in SECRET_FIELDS:
        out[f"{name}_set"] = bool(getattr(mailbox, name))
    return out


def get_mailbox(db: Database, mailbox_id: int) -> Mailbox:
    with db.read() as session:
        mailbox = session.get(Mailbox, mailbox_id)
    if mailbox is None:
        raise NotFound("no such mailbox", mailbox_id=mailbox_id)
    return mailbox


def list_mailboxes(db: Database, *, active_only: bool = False) -> list[Mailbox]:
    with db.read() as session:
        query = select(Mailbox).order_by(col(Mailbox.id))
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
        return list(session.exec(query.order_by(col(EmailQuarantine.id).desc()).limit(limit)).all())


def mailbox_addresses(db: Database) -> set[str]:
    """Every configured mailbox address, active or not, lower-cased: mail from these is a loop."""
    with db.read() as session:
        return {address.lower() for address in session.exec(select(Mailbox.address)).all()}
