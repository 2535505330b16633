"""Mailbox passwords sealed at rest, and the poll lease's conditional claim, on SQLite and PostgreSQL."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import text

from repository.email import leases as email_leases
from repository.email.mailboxes import create_mailbox, get_mailbox, mailbox_dict, update_mailbox
from repository.email.models import Mailbox
from repository.email.secrets import PasswordSealer, SealedSecretError, seal_stored_passwords
from repository.errors import Conflict, InvalidInput

PASSWORD = "Tr0ub4dor&3-horse-staple"
SETTINGS: dict[str, Any] = {
    "imap_host": "imap.example.test",
    "imap_port": 993,
    "imap_user": "support@example.test",
    "smtp_host": "smtp.example.test",
}


def raw_row(db: Any, mailbox_id: int) -> str:
    """Every column of the stored row as the database holds it, joined."""
    with db.engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM email_mailboxes WHERE id = :id"), {"id": mailbox_id}).one()
    return " ".join(str(value) for value in row)


def test_passwords_are_stored_sealed_and_open_only_with_the_same_secret_key(db: Any) -> None:
    sealer = PasswordSealer("key-one")
    box = create_mailbox(
        db,
        "help@example.test",
        sealer=sealer,
        imap_password=PASSWORD,
        smtp_password=PASSWORD + "-smtp",
        **SETTINGS,
    )
    stored = raw_row(db, box.id)  # type: ignore[arg-type]
    assert PASSWORD not in stored
    row = get_mailbox(db, box.id)  # type: ignore[arg-type]
    assert row.imap_password.startswith("fernet:") and row.smtp_password.startswith("fernet:")
    assert sealer.open(row.imap_password) == PASSWORD
    assert sealer.open(row.smtp_password) == PASSWORD + "-smtp"
    with pytest.raises(SealedSecretError):
        PasswordSealer("another-key").open(row.imap_password)
    assert PASSWORD not in repr(sealer) and "key-one" not in repr(sealer)
    shown = mailbox_dict(row)
    assert shown["imap_password_set"] is True and "imap_password" not in shown
    assert PASSWORD not in str(shown)


def test_a_blank_password_keeps_the_stored_one_and_writing_one_needs_a_sealer(db: Any) -> None:
    sealer = PasswordSealer("key-one")
    box = create_mailbox(db, "keep@example.test", sealer=sealer, imap_password=PASSWORD, **SETTINGS)
    token = get_mailbox(db, box.id).imap_password  # type: ignore[arg-type]
    update_mailbox(db, box.id, sealer=sealer, imap_password="", display_name="Renamed")  # type: ignore[arg-type]
    assert get_mailbox(db, box.id).imap_password == token  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="sealed"):
        update_mailbox(db, box.id, imap_password="plain")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        update_mailbox(db, box.id, sealer=sealer, imap_password="x" * 300)  # type: ignore[arg-type]
    with pytest.raises(Conflict):
        create_mailbox(db, "KEEP@example.test", sealer=sealer, **SETTINGS)
    for bad in ("no-at-sign", "a@b@c", "x <y@z>", "a@" + "b" * 400):
        with pytest.raises(InvalidInput):
            create_mailbox(db, bad, sealer=sealer, **SETTINGS)


def test_plain_passwords_left_by_older_code_are_sealed_once_at_start_up(db: Any) -> None:
    with db.write() as session:
        session.add(Mailbox(address="old@example.test", imap_password=PASSWORD, smtp_password="", **SETTINGS))
    sealer = PasswordSealer("key-one")
    assert seal_stored_passwords(db, sealer) == 1
    assert seal_stored_passwords(db, sealer) == 0
    with db.read() as session:
        from sqlmodel import select

        row = session.exec(select(Mailbox).where(Mailbox.address == "old@example.test")).one()
    assert PASSWORD not in raw_row(db, row.id)  # type: ignore[arg-type]
    assert sealer.open(row.imap_password) == PASSWORD and row.smtp_password == ""


def test_one_holder_at_a_time_and_another_takes_over_only_after_expiry(db: Any) -> None:
    box = create_mailbox(db, "lease@example.test", **SETTINGS)
    mid = box.id
    assert email_leases.claim(db, mid, "node-a", 0.6, {"connected": True})  # type: ignore[arg-type]
    assert not email_leases.claim(db, mid, "node-b", 0.6, {})  # type: ignore[arg-type]
    assert not email_leases.renew(db, mid, "node-b", 0.6, {})  # type: ignore[arg-type]
    assert email_leases.renew(db, mid, "node-a", 0.6, {"connected": True})  # type: ignore[arg-type]
    assert email_leases.health_by_mailbox(db)[mid]["polled_by"] == "node-a"  # type: ignore[index]
    time.sleep(0.8)
    assert email_leases.health_by_mailbox(db)[mid]["connected"] is False  # type: ignore[index]
    assert email_leases.claim(db, mid, "node-b", 30, {})  # type: ignore[arg-type]
    assert not email_leases.renew(db, mid, "node-a", 30, {})  # type: ignore[arg-type]
    email_leases.release(db, mid, "node-b", {})  # type: ignore[arg-type]
    assert email_leases.claim(db, mid, "node-a", 30, {})  # type: ignore[arg-type]


def test_racing_claims_have_exactly_one_winner(db: Any) -> None:
    box = create_mailbox(db, "race@example.test", **SETTINGS)
    with ThreadPoolExecutor(6) as pool:
        wins = list(pool.map(lambda n: email_leases.claim(db, box.id, f"node-{n}", 30, {}), range(6)))
    assert wins.count(True) == 1
