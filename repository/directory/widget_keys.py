"""Widget keys: one HMAC secret per embedded widget, for verified visitor identity.

The company's own server signs a signed-in customer's email with its widget's secret
(docs/widget-identity.md); the hub links a visitor to an existing customer only when
that signature checks out. The secret must be readable here to compute the HMAC, like
a webhook signing secret, so it is stored as issued and shown only to admins.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import Field, SQLModel, col, select

from repository.core.models import utcnow
from repository.errors import Conflict, InvalidInput, NotFound

if TYPE_CHECKING:
    from repository.db import Database

KEY_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


class WidgetKey(SQLModel, table=True):
    __tablename__ = "widget_keys"
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64, unique=True)
    secret: str = Field(max_length=128)
    created_at: datetime = Field(default_factory=utcnow)
    rotated_at: datetime | None = None


def _check_key(key: str) -> str:
    key = key.strip().lower()
    if not KEY_PATTERN.fullmatch(key):
        raise InvalidInput(
            "a widget key is 1 to 64 lower-case letters, digits, _ or -, starting with a letter or digit",
            field="key",
        )
    return key


def _new_secret() -> str:
    return "whs_" + secrets.token_urlsafe(32)


def create_widget_key(db: Database, key: str) -> WidgetKey:
    key = _check_key(key)
    with db.write() as session:
        if session.exec(select(WidgetKey).where(WidgetKey.key == key)).first() is not None:
            raise Conflict("widget %(key)r already exists", params={"key": key}, field="key")
        row = WidgetKey(key=key, secret=_new_secret())
        session.add(row)
        session.flush()
        session.refresh(row)
        return row


def rotate_widget_key(db: Database, key: str) -> WidgetKey:
    """A new secret; pages signed with the old one stop verifying at once."""
    with db.write() as session:
        row = session.exec(select(WidgetKey).where(WidgetKey.key == _check_key(key))).first()
        if row is None:
            raise NotFound("no widget %(key)r", params={"key": key})
        row.secret = _new_secret()
        row.rotated_at = utcnow()
        session.add(row)
        session.flush()
        session.refresh(row)
        return row


def widget_secret(db: Database, key: str) -> str | None:
    if not KEY_PATTERN.fullmatch(key):
        return None
    with db.read() as session:
        row = session.exec(select(WidgetKey).where(WidgetKey.key == key)).first()
        return row.secret if row is not None else None


def list_widget_keys(db: Database) -> list[WidgetKey]:
    with db.read() as session:
        return list(session.exec(select(WidgetKey).order_by(col(WidgetKey.key))))
