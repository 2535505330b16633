"""Bearer API keys for other systems. Only a SHA-256 of each key is stored.

A key is 32 random bytes, so a fast hash is enough: there is nothing to brute-force,
unlike a human-chosen password (those get argon2).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import TYPE_CHECKING

from sqlmodel import select

from repository.core.models import ApiKey, utcnow
from repository.errors import InvalidInput

if TYPE_CHECKING:
    from repository.db import Database

KEY_PREFIX = "cck_"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_key(
    db: Database, name: str, scopes: tuple[str, ...] = ("read", "write", "admin")
) -> tuple[str, ApiKey]:
    """A new key with ``scopes`` (contact_center/api/scopes.py); the plaintext is returned once, never stored."""
    if not scopes or any(s not in ("read", "write", "admin") for s in scopes):
        raise InvalidInput(
            "scopes are a comma-separated list of %(choices)s",
            params={"choices": "read, write, admin"},
            field="scopes",
        )
    token = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(
        name=name.strip()[:120] or "api key",
        prefix=token[:12],
        key_hash=_digest(token),
        scopes=",".join(scopes),
    )
    with db.write() as session:
        session.add(row)
    return token, row


def verify_api_key(db: Database, token: str) -> ApiKey | None:
    if not token.startswith(KEY_PREFIX) or len(token) > 200:
        return None
    digest = _digest(token)
    with db.write() as session:
        row = session.exec(select(ApiKey).where(ApiKey.key_hash == digest, ApiKey.is_active)).first()
        if row is None or not hmac.compare_digest(row.key_hash, digest):
            return None
        row.last_used_at = utcnow()
        session.add(row)
        return row


def revoke_api_key(db: Database, key_id: int) -> bool:
    with db.write() as session:
        row = session.get(ApiKey, key_id)
        if row is None:
            return False
        row.is_active = False
        session.add(row)
        return True
