"""Tables of the phone side: numbers with their IVR, agent phones, call records, SMS opt-outs.

A call record is the CCR's log of one call, whichever road it came by (Twilio or a
PBX through the CTI API): its state history, the durations and the recording. The
voice interaction it belongs to is what the router and the desktop see.
``processed_webhooks`` remembers every provider request key already applied, so a
retried status callback or CTI event changes nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from repository.core.models import utcnow

CallState = Literal[
    "ringing",
    "queued",
    "answered",
    "completed",
    "busy",
    "no-answer",
    "failed",
    "canceled",
    "missed",
    "abandoned",
]
# States after which nothing more happens on the call.
FINAL_CALL_STATES = ("completed", "busy", "no-answer", "failed", "canceled", "missed", "abandoned")


class PhoneNumber(SQLModel, table=True):
    """A company number and what a caller hears on it."""

    __tablename__ = "phone_numbers"
    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=32, unique=True)
    label: str = Field(default="", max_length=120)
    greeting: str = Field(default="", max_length=1000)
    # [{"digit": "1", "keywords": ["sales"], "label": "Sales", "queue_id": 3}, ...]
    menu: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    default_queue_id: int | None = Field(default=None, foreign_key="queues.id")
    # {"mon": [["09:00", "17:00"]], ...}; empty means always open.
    business_hours: dict[str, list[list[str]]] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    time_zone: str = Field(default="UTC", max_length=64)
    after_hours_message: str = Field(default="", max_length=1000)
    help_reply: str = Field(default="", max_length=320)
    # What the product itself says on this number (queue position, default IVR, after-hours
    # and HELP texts) and the <Say language> it uses: a locale id such as en, zh_Hans, zh_Hant.
    language: str = Field(default="en", max_length=20, sa_column_kwargs={"server_default": "en"})
    created_at: datetime = Field(default_factory=utcnow)


class AgentEndpoint(SQLModel, table=True):
    """Where an agent's calls ring: a Twilio Client identity, a phone number, a PBX extension."""

    __tablename__ = "agent_endpoints"
    id: int | None = Field(default=None, primary_key=True)
    agent_id: int = Field(foreign_key="agents.id", unique=True)
    client_identity: str | None = Field(default=None, max_length=120)
    phone_number: str | None = Field(default=None, max_length=32)
    extension: str | None = Field(default=None, max_length=40, unique=True)


class CallRecord(SQLModel, table=True):
    __tablename__ = "call_records"
    __table_args__ = (UniqueConstraint("provider", "call_id", name="uq_call_provider_id"),)
    id: int | None = Field(default=None, primary_key=True)
    provider: str = Field(max_length=10)  # "twilio" or "cti"
    call_id: str = Field(max_length=120)
    direction: str = Field(default="inbound", max_length=10)
    from_number: str = Field(default="", max_length=64)
    to_number: str = Field(default="", max_length=64)
    interaction_id: int | None = Field(default=None, foreign_key="interactions.id", index=True)
    # The voice event whose payload carries the call card the desktop shows.
    event_id: int | None = Field(default=None, foreign_key="events.id")
    customer_id: int | None = Field(default=None, foreign_key="customers.id", index=True)
    agent_id: int | None = Field(default=None, foreign_key="agents.id")
    queue_id: int | None = Field(default=None, foreign_key="queues.id")
    ivr_choice: str = Field(default="", max_length=120)
    state: str = Field(default="ringing", max_length=12, index=True)
    # [{"state": "ringing", "at": "2024-...Z"}, ...]
    history: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    cause: str = Field(default="", max_length=40)
    started_at: datetime = Field(default_factory=utcnow)
    queued_at: datetime | None = None
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    wait_seconds: int | None = None
    talk_seconds: int | None = None
    duration_seconds: int | None = None
    recording_url: str | None = Field(default=None, max_length=500)
    transcription: str | None = None


class SmsOptOut(SQLModel, table=True):
    __tablename__ = "sms_opt_outs"
    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=32, unique=True)
    opted_out: bool = True
    keyword: str = Field(default="", max_length=20)
    updated_at: datetime = Field(default_factory=utcnow)


class ProcessedWebhook(SQLModel, table=True):
    """A provider request already applied, by its natural key (CallSid+status, CTI event id…)."""

    __tablename__ = "processed_webhooks"
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
