"""Provider callbacks processed once: the ``processed_webhooks`` keys and retried writes.

Twilio and a PBX retry their callbacks; each state change is keyed by the provider's
natural key (CallSid+status, a CTI event id, a bridge claim) and that key is recorded
in the same transaction as the change, so a retry finds it and changes nothing.
See docs/twilio.md and docs/cti.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from repository.telephony.models import ProcessedWebhook

if TYPE_CHECKING:
    from repository.db import Database


def retrying(db: Database, fn: Any) -> Any:
    """Run ``fn(session)`` in one write transaction; a lost unique race retries once and dedupes."""
    for attempt in range(3):
        try:
            with db.write() as session:
                return fn(session)
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def first_time(session: Session, key: str) -> bool:
    """Record ``key`` as processed; False if it already was (a retried webhook)."""
    key = key[:200]
    if session.exec(select(ProcessedWebhook.id).where(ProcessedWebhook.key == key)).first() is not None:
        return False
    session.add(ProcessedWebhook(key=key))
    session.flush()
    return True


def claim_once(db: Database, key: str) -> bool:
    """True the first time ``key`` is claimed, on any node; False ever after."""
    claimed: bool = retrying(db, lambda session: first_time(session, key))
    return claimed
