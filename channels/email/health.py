"""Each mailbox's health as the supervisor and ``/healthz`` see it. Never holds a secret."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from repository.core.models import utcnow


@dataclass
class MailboxHealth:
    mailbox_id: int
    address: str
    connected: bool = False
    idle: bool = False
    # Another node holds this mailbox's lease and polls it; this node waits to take over.
    standby: bool = False
    last_sync: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    smtp_error: str | None = None
    smtp_error_at: datetime | None = None
    reconnects: int = 0
    ingested: int = 0
    quarantined: int = 0

    def synced(self) -> None:
        self.connected = True
        self.last_sync = utcnow()

    def failed(self, message: str) -> None:
        self.connected = False
        self.idle = False
        self.last_error = message[:300]
        self.last_error_at = utcnow()

    def as_dict(self) -> dict[str, Any]:
        def iso(value: datetime | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "mailbox_id": self.mailbox_id,
            "address": self.address,
            "connected": self.connected,
            "idle": self.idle,
            "standby": self.standby,
            "last_sync": iso(self.last_sync),
            "last_error": self.last_error,
            "last_error_at": iso(self.last_error_at),
            "smtp_error": self.smtp_error,
            "smtp_error_at": iso(self.smtp_error_at),
            "reconnects": self.reconnects,
            "ingested": self.ingested,
            "quarantined": self.quarantined,
        }


def scrub(message: str, *secrets: str) -> str:
    """An error message with any password that a server or library echoed blanked out."""
    for secret in secrets:
        if secret:
            message = message.replace(secret, "••••")
    return message
