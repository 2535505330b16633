"""Tables of outbound webhooks: subscriptions and the delivery log.

Deliveries are written before the first attempt, so a restart loses none and retries resume.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from repository.core.models import utcnow

DeliveryStatus = Literal["pending", "sending", "delivered", "failed"]


class WebhookSubscription(SQLModel, table=True):
    __tablename__ = "webhook_subscriptions"
    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(max_length=2000)
    # Needed in clear to sign; shown in full only in the response that created it.
    secret: str = Field(max_length=200)
    events: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    description: str = Field(default="", max_length=200)
    is_active: bool = True
    created_at: datetime = Field(default_factory=utcnow)


class WebhookDelivery(SQLModel, table=True):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        # One delivery per subscription and source event: every node hears the bus, one row wins.
        UniqueConstraint("subscription_id", "event_key", name="uq_webhook_delivery_event"),
        Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    subscription_id: int = Field(foreign_key="webhook_subscriptions.id", index=True)
    event_type: str = Field(max_length=60)
    event_key: str = Field(max_length=120)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="pending", max_length=12)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow)
    # A claim is a lease: a node that dies mid-send lets another retry after it expires.
    locked_until: datetime | None = None
    lock_token: str | None = Field(default=None, max_length=40)
    last_attempt_at: datetime | None = None
    response_code: int | None = None
    last_error: str | None = Field(default=None, max_length=500)
    delivered_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
