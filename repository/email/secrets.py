"""Mailbox passwords at rest: sealed with Fernet under a key derived from SECRET_KEY.

The product must present IMAP and SMTP passwords to the servers, so they cannot be
hashed; they are encrypted instead and opened only when a connection is made. The
key is HKDF-SHA256 of SECRET_KEY with a purpose label, so the session-signing key is
never used directly and a database dump alone reveals no password.

Stored form: ``fernet:<token>``. A value without the prefix is a plain password left
by code from before sealing; :func:`seal_stored_passwords` seals those at start-up
(the migration cannot: it does not see SECRET_KEY).
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlmodel import select

from repository.email.models import Mailbox

if TYPE_CHECKING:
    from repository.db import Database

PREFIX = "fernet:"
SECRET_FIELDS = ("imap_password", "smtp_password")
MAX_PASSWORD_CHARS = 256  # sealed, that is at most ~450 characters: the columns hold 500
_PURPOSE = b"contact-center email mailbox passwords v1"


class SealedSecretError(Exception):
    """A stored password cannot be opened: SECRET_KEY changed since it was saved."""


class PasswordSealer:
    def __init__(self, secret_key: str) -> None:
        if not secret_key:
            raise ValueError("a SECRET_KEY is needed to seal mailbox passwords")
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_PURPOSE).derive(
            secret_key.encode("utf-8")
        )
        self._fernet = Fernet(base64.urlsafe_b64encode(key))

    def __repr__(self) -> str:
        return "PasswordSealer(**********)"

    def seal(self, password: str) -> str:
        """The stored form of ``password``; an empty password stays empty (no password)."""
        if not password:
            return ""
        if len(password) > MAX_PASSWORD_CHARS:
            raise ValueError(f"a password may have at most {MAX_PASSWORD_CHARS} characters")
        return PREFIX + self._fernet.encrypt(password.encode("utf-8")).decode("ascii")

    def open(self, stored: str) -> str:
        """The password to present to the server."""
        if not stored:
            return ""
        if not is_sealed(stored):
            return stored  # written before sealing existed; sealed at the next start-up
        try:
            return self._fernet.decrypt(stored[len(PREFIX) :].encode("ascii")).decode("utf-8")
        except (InvalidToken, ValueError) as exc:
            raise SealedSecretError(
                "the stored password cannot be decrypted (SECRET_KEY changed?); enter it again"
            ) from exc

    def open_or_blank(self, stored: str) -> str:
        """Like :meth:`open`, but "" when it cannot be opened (for scrubbing error text)."""
        try:
            return self.open(stored)
        except SealedSecretError:
            return ""


def is_sealed(stored: str) -> bool:
    return stored.startswith(PREFIX)


def seal_stored_passwords(db: Database, sealer: PasswordSealer) -> int:
    """Seal every password still stored in plain text; returns how many were sealed."""
    sealed = 0
    with db.write() as session:
        for mailbox in session.exec(select(Mailbox)).all():
            for name in SECRET_FIELDS:
                value = getattr(mailbox, name)
                if value and not is_sealed(value):
                    setattr(mailbox, name, sealer.seal(value))
                    sealed += 1
            session.add(mailbox)
    return sealed
