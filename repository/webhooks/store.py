"""Webhook subscriptions and the delivery log: recorded first, claimed atomically, retried.

A delivery row is written before the first attempt, once per (subscription, event
key): every node hears the bus, the unique key lets exactly one row exist. Senders
claim due rows under a lease (``locked_until`` + a token). On PostgreSQL the claim
skips rows another node has locked; on SQLite ``BEGIN IMMEDIATE`` serialises it.
A sender that dies mid-send leaves a lease that expires, and the row is retried:
at least once, never concurrently.
"""

from __future__ import annotations

import secrets
import weakref
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, or_, select

from repository.core.models import utcnow
from repository.core.serialize import iso
from repository.errors import NotFound
from repository.webhooks.models import WebhookDelivery, WebhookSubscription

if TYPE_CHECKING:
    from datetime import datetime

    from repository.db import Database

MAX_BACKOFF_SECONDS = 3600.0
# Changes made through this process, per store: a recorder on the same node sees them at
# once; other nodes find them by re-reading (webhooks/interest.py, at most once a second).
_local_changes: weakref.WeakKeyDictionary[Database, int] = weakref.WeakKeyDictionary()


class ReadCounter:
    """How many times the subscriptions were read: the seam the cost tests count through."""

    count = 0


@dataclass(frozen=True)
class Claimed:
    delivery_id: int
    token: str
    url: str
    secret: str
    payload: dict[str, Any]
    attempts: int


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def masked(secret: str) -> str:
    """What is shown of a secret after creation: enough to tell two apart."""
    return secret[:10] + "…" if len(secret) > 10 else "…"


def subscription_dict(sub: WebhookSubscription, *, reveal: bool = False) -> dict[str, Any]:
    return {
        "id": sub.id,
        "url": sub.url,
        "events": sub.events,
        "description": sub.description,
        "is_active": sub.is_active,
        "secret": sub.secret if reveal else masked(sub.secret),
        "created_at": sub.created_at.isoformat(),
    }


def delivery_dict(row: WebhookDelivery) -> dict[str, Any]:
    return {
        "id": row.id,
        "subscription_id": row.subscription_id,
        "event_type": row.event_type,
        "status": row.status,
        "attempts": row.attempts,
        "next_attempt_at": iso(row.next_attempt_at) if row.status == "pending" else None,
        "last_attempt_at": iso(row.last_attempt_at),
        "response_code": row.response_code,
        "last_error": row.last_error,
        "delivered_at": iso(row.delivered_at),
        "created_at": iso(row.created_at),
        "payload": row.payload,
    }


# -- subscriptions -------------------------------------------------------------------


def create_subscription(
    db: Database, url: str, events: list[str], description: str = "", secret: str | None = None
) -> WebhookSubscription:
    sub = WebhookSubscription(url=url, events=events, description=description, secret=secret or new_secret())
    with db.write() as session:
        session.add(sub)
        session.flush()
    _changed(db)
    return sub


def get_subscription(db: Database, subscription_id: int) -> WebhookSubscription:
    with db.read() as session:
        sub = session.get(WebhookSubscription, subscription_id)
    if sub is None:
        raise NotFound("no such webhook subscription", subscription_id=subscription_id)
    return sub


def list_subscriptions(db: Database) -> list[WebhookSubscription]:
    with db.read() as session:
        return list(session.exec(select(WebhookSubscription).order_by(col(WebhookSubscription.id))).all())


def update_subscription(db: Database, subscription_id: int, **changes: Any) -> WebhookSubscription:
    with db.write() as session:
        sub = session.get(WebhookSubscription, subscription_id)
        if sub is None:
            raise NotFound("no such webhook subscription", subscription_id=subscription_id)
        for name in ("url", "events", "description", "is_active", "secret"):
            if changes.get(name) is not None:
                setattr(sub, name, changes[name])
        session.add(sub)
        session.flush()
    _changed(db)
    return sub


def deactivate_subscription(db: Database, subscription_id: int) -> None:
    """Stop sending; the subscription and its delivery log stay for the record."""
    update_subscription(db, subscription_id, is_active=False)


def _changed(db: Database) -> None:
    _local_changes[db] = _local_changes.get(db, 0) + 1


def local_changes(db: Database) -> int:
    """A number that moves whenever this process changes a subscription in ``db``."""
    return _local_changes.get(db, 0)


def active_event_types(db: Database) -> frozenset[str]:
    """Every event type some active subscription wants ("*" included as such)."""
    ReadCounter.count += 1
    with db.read() as session:
        rows = session.exec(select(WebhookSubscription.events).where(WebhookSubscription.is_active)).all()
    return frozenset(kind for events in rows for kind in events)


# -- deliveries ----------------------------------------------------------------------


def record_deliveries(db: Database, event_type: str, event_key: str, payload: dict[str, Any]) -> int:
    """One pending delivery per active subscription to ``event_type``; returns how many are new."""
    created = 0
    # Every bus event passes through here; most installs have no subscription for it.
    # Look first without the write lock, which every customer message also needs.
    ReadCounter.count += 1
    with db.read() as session:
        subs = session.exec(select(WebhookSubscription).where(WebhookSubscription.is_active)).all()
        if not any(event_type in s.events or "*" in s.events for s in subs):
            return 0
    with db.write() as session:
        subs = session.exec(select(WebhookSubscription).where(WebhookSubscription.is_active)).all()
        wanted = [s for s in subs if event_type in s.events or "*" in s.events]
        insert = pg_insert if db.dialect == "postgresql" else sqlite_insert
        for sub in wanted:
            stmt = (
                insert(WebhookDelivery)
                .values(
                    subscription_id=sub.id,
                    event_type=event_type,
                    event_key=event_key,
                    payload=payload,
                    status="pending",
                    attempts=0,
                    next_attempt_at=utcnow(),
                    created_at=utcnow(),
                )
                .on_conflict_do_nothing()
            )
            created += session.execute(stmt).rowcount or 0  # type: ignore[attr-defined]
    return created


def _due(now: datetime) -> Any:
    return (
        col(WebhookDelivery.status).in_(("pending", "sending")),
        WebhookDelivery.next_attempt_at <= now,
        or_(col(WebhookDelivery.locked_until).is_(None), col(WebhookDelivery.locked_until) < now),
    )


def has_due(db: Database) -> bool:
    with db.read() as session:
        return session.exec(select(WebhookDelivery.id).where(*_due(utcnow())).limit(1)).first() is not None


def claim_due(db: Database, limit: int = 20, lease_seconds: float = 60.0) -> list[Claimed]:
    """Lease up to ``limit`` due deliveries to this caller; counts the attempt now."""
    now = utcnow()
    token = secrets.token_hex(8)
    with db.write() as session:
        rows = session.exec(
            select(WebhookDelivery, WebhookSubscription)
            .join(WebhookSubscription, col(WebhookSubscription.id) == col(WebhookDelivery.subscription_id))
            .where(*_due(now))
            .order_by(col(WebhookDelivery.next_attempt_at), col(WebhookDelivery.id))
            .limit(limit)
            .with_for_update(skip_locked=True, of=WebhookDelivery)
        ).all()
        claimed = []
        for delivery, sub in rows:
            delivery.status = "sending"
            delivery.locked_until = now + timedelta(seconds=lease_seconds)
            delivery.lock_token = token
            delivery.attempts += 1
            delivery.last_attempt_at = now
            session.add(delivery)
            claimed.append(
                Claimed(delivery.id, token, sub.url, sub.secret, dict(delivery.payload), delivery.attempts)  # type: ignore[arg-type]
            )
    return claimed


def backoff_seconds(attempts: int, base: float) -> float:
    """Wait after the ``attempts``-th failure: base, 2×base, 4×base … capped at an hour."""
    return min(base * 2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS)


def finish(
    db: Database,
    claim: Claimed,
    *,
    ok: bool,
    code: int | None,
    error: str | None,
    max_attempts: int,
    backoff_base: float,
) -> str | None:
    """Record an attempt's outcome if the lease is still ours; returns the new status."""
    now = utcnow()
    if ok:
        values: dict[str, Any] = {"status": "delivered", "delivered_at": now, "last_error": None}
    elif claim.attempts >= max_attempts:
        values = {"status": "failed", "last_error": (error or "")[:500]}
    else:
        values = {
            "status": "pending",
            "next_attempt_at": now + timedelta(seconds=backoff_seconds(claim.attempts, backoff_base)),
            "last_error": (error or "")[:500],
        }
    with db.write() as session:
        result = session.execute(
            update(WebhookDelivery)
            .where(
                col(WebhookDelivery.id) == claim.delivery_id, col(WebhookDelivery.lock_token) == claim.token
            )
            .values(response_code=code, locked_until=None, lock_token=None, **values)
        )
    return str(values["status"]) if result.rowcount else None  # type: ignore[attr-defined]


def retry_now(db: Database, delivery_id: int) -> WebhookDelivery:
    """An admin's "retry": due at once, with a fresh attempt budget if it had failed."""
    with db.write() as session:
        row = session.get(WebhookDelivery, delivery_id)
        if row is None:
            raise NotFound("no such delivery", delivery_id=delivery_id)
        if row.status != "sending":
            if row.status == "failed":
                row.attempts = 0
            row.status = "pending"
            row.next_attempt_at = utcnow()
            session.add(row)
        return row


def list_deliveries(
    db: Database, *, status: str | None = None, subscription_id: int | None = None, limit: int = 100
) -> list[WebhookDelivery]:
    with db.read() as session:
        stmt = select(WebhookDelivery)
        if status:
            stmt = stmt.where(WebhookDelivery.status == status)
        if subscription_id:
            stmt = stmt.where(WebhookDelivery.subscription_id == subscription_id)
        return list(session.exec(stmt.order_by(col(WebhookDelivery.id).desc()).limit(limit)).all())
