"""Tables of the email channel.

- ``email_mailboxes``: each support address with its IMAP and SMTP settings. The
  single mailbox named by ``EMAIL_*`` environment variables is kept here too
  (``source="env"``), so every mailbox has one id, one sync state and one health.
- ``email_sync_state``: where the poller is in a folder: UIDVALIDITY and the last UID
  stored. Nothing depends on dates, so downtime of any length loses nothing.
- ``email_message_ids``: every Message-ID seen or sent, with its interaction and
  customer. Threading matches In-Reply-To/References against it, within one customer.
- ``email_quarantine``: raw messages that could not be parsed or stored, kept for a human
  to release (store anyway, with a sender they choose) or delete.
- ``email_outbox``: every outbound mail as sent (or still to send), retried with backoff.
- ``email_poll_leases``: which node polls a mailbox, until when, and that poller's last
  health, so with several nodes exactly one polls and every node can show its state.

Mailbox passwords are stored sealed (Fernet, key derived from SECRET_KEY, see
``repository/email/secrets.py``), never as given.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from sqlalchemy import JSON, BigInteger, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from repository.core.models import utcnow

Security = Literal["tls", "starttls", "plain"]
SECURITY: tuple[Security, ...] = ("tls", "starttls", "plain")
OutboxStatus = Literal["pending", "sent", "failed"]


class Mailbox(SQLModel, table=True):
    __tablename__ = "email_mailboxes"
    id: int | None = Field(default=None, primary_key=True)
    address: str = Field(max_length=320, unique=True)
    # Shown in From: "Agent Name via <display_name>" <address>.
    display_name: str = Field(default="", max_length=120)
    imap_host: str = Field(max_length=255)
    imap_port: int = 993
    imap_security: str = Field(default="tls", max_length=10)
    imap_user: str = Field(max_length=320)
    imap_password: str = Field(default="", max_length=500)  # sealed: "fernet:<token>"
    imap_folder: str = Field(default="INBOX", max_length=200)
    smtp_host: str = Field(max_length=255)
    smtp_port: int = 587
    smtp_security: str = Field(default="starttls", max_length=10)
    smtp_user: str = Field(default="", max_length=320)
    smtp_password: str = Field(default="", max_length=500)
    queue_id: int | None = Field(default=None, foreign_key="queues.id")
    # Send an acknowledgement with the ticket token to a new thread (never to automated mail).
    acknowledge: bool = False
    # The language of the acknowledgement when the customer's own mail does not say
    # (Content-Language, or a GB/Big5 charset): a locale id such as en, zh_Hans, zh_Hant.
    language: str = Field(default="en", max_length=20, sa_column_kwargs={"server_default": "en"})
    is_active: bool = True
    source: str = Field(default="admin", max_length=10)
    created_at: datetime = Field(default_factory=utcnow)


class EmailSyncState(SQLModel, table=True):
    __tablename__ = "email_sync_state"
    __table_args__ = (UniqueConstraint("mailbox_id", "folder", name="uq_email_sync_folder"),)
    id: int | None = Field(default=None, primary_key=True)
    mailbox_id: int = Field(foreign_key="email_mailboxes.id")
    folder: str = Field(max_length=200)
    uidvalidity: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    last_uid: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow)


class EmailMessageId(SQLModel, table=True):
    __tablename__ = "email_message_ids"
    __table_args__ = (
        UniqueConstraint("customer_id", "message_id", name="uq_email_message_id_customer"),
        Index("ix_email_message_ids_message_id", "message_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    message_id: str = Field(max_length=300)
    customer_id: int = Field(foreign_key="customers.id")
    interaction_id: int = Field(foreign_key="interactions.id", index=True)
    event_id: int | None = Field(default=None, foreign_key="events.id")
    direction: str = Field(max_length=3)
    created_at: datetime = Field(default_factory=utcnow)


class EmailQuarantine(SQLModel, table=True):
    __tablename__ = "email_quarantine"
    __table_args__ = (
        UniqueConstraint("mailbox_id", "sha256", name="uq_email_quarantine_raw"),
        Index("ix_email_quarantine_open", "mailbox_id", "resolved"),
    )
    id: int | None = Field(default=None, primary_key=True)
    mailbox_id: int = Field(foreign_key="email_mailboxes.id", index=True)
    uidvalidity: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    uid: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    sha256: str = Field(max_length=64)
    size: int = 0
    reason: str = Field(max_length=500)
    storage_path: str = Field(max_length=500)
    resolved: bool = False
    created_at: datetime = Field(default_factory=utcnow)
    # What a human decided (migration 0013): "released" (stored as ``event_id``) or "deleted".
    resolution: str | None = Field(default=None, max_length=10)
    resolved_at: datetime | None = None
    resolved_by: int | None = None  # the agent (admin) who decided
    event_id: int | None = None


class EmailOutbox(SQLModel, table=True):
    __tablename__ = "email_outbox"
    __table_args__ = (Index("ix_email_outbox_due", "status", "next_attempt_at"),)
    id: int | None = Field(default=None, primary_key=True)
    mailbox_id: int = Field(foreign_key="email_mailboxes.id")
    event_id: int = Field(foreign_key="events.id", unique=True)
    interaction_id: int = Field(foreign_key="interactions.id")
    message_id: str = Field(max_length=300, index=True)
    recipients: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # The complete message as it goes on the wire, so a retry sends the same bytes.
    raw: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default="pending", max_length=10)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow)
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class EmailPollLease(SQLModel, table=True):
    """One row per mailbox: the node that polls it until ``expires_at``, renewed while it runs."""

    __tablename__ = "email_poll_leases"
    mailbox_id: int = Field(foreign_key="email_mailboxes.id", primary_key=True)
    holder: str = Field(default="", max_length=120)
    expires_at: datetime = Field(default_factory=utcnow)
    # The holder's MailboxHealth.as_dict() at its last renewal or sync (never a secret).
    health: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow)
