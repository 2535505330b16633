"""The Customer Contact Repository's tables.

One customer owns many identities (chat visitor, email address, phone number), so a
person who chats, mails and calls has one timeline. Every interaction is a sequence
of events; an event's ``external_id`` is unique per channel, which is what makes a
retried webhook or a re-fetched email a no-op.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal, Protocol, get_args

from sqlalchemy import JSON, Column, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

# The channel kinds the shipped adapters bring (channels/base.py's registry is where each
# is described; tests/test_channel_registry.py checks the two agree).
Channel = Literal["chat", "email", "sms", "whatsapp", "voice"]
CHANNELS: tuple[Channel, ...] = get_args(Channel)
# Contacts an agent records by hand because they came through no channel (docs/logged-contacts.md).
LOGGED_CHANNELS = ("phone", "visit", "letter")
ALL_CHANNELS = (*CHANNELS, *LOGGED_CHANNELS)
# "abandoned": the caller hung up before anyone took the call (not live, like "closed").
InteractionStatus = Literal["queued", "offered", "active", "wrapup", "closed", "abandoned"]
# Statuses in which an interaction occupies one unit of its agent's capacity.
HOLDING_STATUSES = ("offered", "active", "wrapup")
LIVE_STATUSES = ("queued", "offered", "active")
Presence = Literal["available", "away", "offline"]
Role = Literal["agent", "supervisor", "admin"]
ROLES: tuple[Role, ...] = ("agent", "supervisor", "admin")
# Roles that may act on any agent's work: transfer or close it, step in from the supervisor desk.
SUPERVISOR_ROLES: tuple[Role, ...] = ("supervisor", "admin")
EventKind = Literal["message", "note", "status", "transfer", "csat"]
AuthorType = Literal["customer", "agent", "system"]
Strategy = Literal["longest_idle", "round_robin", "least_busy"]
STRATEGIES: tuple[Strategy, ...] = ("longest_idle", "round_robin", "least_busy")
SKILL_LEVELS = range(1, 6)
DEFAULT_SKILL_LEVEL = 1


class _Row(Protocol):
    @property
    def id(self) -> int | None: ...


def stored_id(row: _Row) -> int:
    """The primary key of a row read from or written to the store (SQLModel types it ``int | None``)."""
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has not been stored yet")
    return row.id


def utcnow() -> datetime:
    return datetime.now(UTC)


class Customer(SQLModel, table=True):
    __tablename__ = "customers"
    id: int | None = Field(default=None, primary_key=True)
    display_name: str = Field(default="", max_length=200)
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=32)
    tier: str = Field(default="standard", max_length=20)
    lifetime_value: float = 0.0
    churn_risk: float = 0.0
    attributes: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Identity(SQLModel, table=True):
    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("kind", "value", name="uq_identity_kind_value"),)
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customers.id", index=True)
    kind: str = Field(max_length=20)
    value: str = Field(max_length=320)
    created_at: datetime = Field(default_factory=utcnow)


class Skill(SQLModel, table=True):
    __tablename__ = "skills"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=60, unique=True)
    description: str = Field(default="", max_length=200)


class Queue(SQLModel, table=True):
    __tablename__ = "queues"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=80, unique=True)
    description: str = Field(default="", max_length=300)
    required_skills: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    priority: int = 0
    strategy: str = Field(default="longest_idle", max_length=20)
    is_default: bool = False
    # Routing points per customer tier, e.g. {"platinum": 30, "gold": 15} (migration 0006).
    tier_boosts: dict[str, int] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # Overflow (migration 0019_sla, docs/sla.md): after max_wait_seconds waiting, or at once
    # when no agent with the skills is available and overflow_when_unstaffed is set, a
    # contact moves to overflow_queue_id; with no overflow queue it keeps its place and
    # needs only widened_skills instead (None: never widened).
    overflow_queue_id: int | None = Field(default=None, foreign_key="queues.id")
    max_wait_seconds: int | None = None
    overflow_when_unstaffed: bool = False
    widened_skills: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    # Agents at or above this level (1–5) in every required skill are preferred; 0 = no minimum.
    min_skill_level: int = 0
    created_at: datetime = Field(default_factory=utcnow)


class Agent(SQLModel, table=True):
    __tablename__ = "agents"
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=80, unique=True)
    display_name: str = Field(max_length=120)
    password_hash: str = Field(max_length=200)
    role: str = Field(default="agent", max_length=20)
    skills: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # Level 1–5 per skill, e.g. {"billing": 4}; a skill held without a level counts as
    # DEFAULT_SKILL_LEVEL (migration 0019_sla).
    skill_levels: dict[str, int] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    capacity: dict[str, int] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    presence: str = Field(default="offline", max_length=20)
    presence_since: datetime = Field(default_factory=utcnow)
    # Written by the agent's live websocket; a stale heartbeat means "disconnected".
    last_heartbeat: datetime | None = None
    last_assigned_at: datetime | None = None
    is_active: bool = True
    # Interface language (a catalogue id such as "zh_Hant") and IANA time zone; None =
    # not chosen yet, so the browser's Accept-Language / time zone decide (migration 0002).
    locale: str | None = Field(default=None, max_length=20)
    timezone: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow)


class Interaction(SQLModel, table=True):
    __tablename__ = "interactions"
    __table_args__ = (
        # At most one live interaction per thread. Ended ones (wrap-up, closed) may
        # repeat the key: the customer's next contact starts a new interaction.
        Index(
            "uq_interaction_live_thread",
            "channel",
            "thread_key",
            unique=True,
            sqlite_where=text("status IN ('queued', 'offered', 'active')"),
            postgresql_where=text("status IN ('queued', 'offered', 'active')"),
        ),
        Index("ix_interaction_status_queue", "status", "queue_id"),
        Index("ix_interaction_agent_status", "agent_id", "status"),
    )
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customers.id", index=True)
    channel: str = Field(max_length=10)
    thread_key: str = Field(max_length=300)
    status: str = Field(default="queued", max_length=10)
    queue_id: int | None = Field(default=None, foreign_key="queues.id")
    agent_id: int | None = Field(default=None, foreign_key="agents.id")
    # Set by a transfer to a named agent: the router offers to that agent only.
    target_agent_id: int | None = Field(default=None, foreign_key="agents.id")
    priority: int = 0
    subject: str = Field(default="", max_length=300)
    reserved_until: datetime | None = None
    offer_count: int = 0
    declined_by: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    queued_at: datetime = Field(default_factory=utcnow)
    offered_at: datetime | None = None
    accepted_at: datetime | None = None
    first_response_at: datetime | None = None
    ended_at: datetime | None = None
    closed_at: datetime | None = None
    disposition: str | None = Field(default=None, max_length=60)
    # What the contact was about, e.g. "complaint"; set when a contact is logged (migration 0017b).
    category: str | None = Field(default=None, max_length=60, index=True)
    # Pending / snoozed (migration 0017e): an active interaction set aside, "customer" (waiting
    # for their answer) or "snooze" (until snoozed_until); repository/core/pending.py wakes it.
    pending_reason: str | None = Field(default=None, max_length=10)
    pending_since: datetime | None = None
    snoozed_until: datetime | None = Field(default=None, index=True)
    csat_score: int | None = None
    csat_comment: str | None = Field(default=None, max_length=2000)
    # SLA (migration 0019_sla, docs/sla.md): None, "approaching" or "breached", and when the
    # target that set it falls due; written by the router leader's escalation loop.
    sla_status: str | None = Field(default=None, max_length=12)
    sla_due_at: datetime | None = None
    # Set when the contact overflowed (moved queue or widened skills); it overflows once.
    overflowed_at: datetime | None = None
    skills_widened: bool = False


class Event(SQLModel, table=True):
    __tablename__ = "events"
    __table_args__ = (UniqueConstraint("channel", "external_id", name="uq_event_channel_external"),)
    id: int | None = Field(default=None, primary_key=True)
    interaction_id: int = Field(foreign_key="interactions.id", index=True)
    customer_id: int = Field(foreign_key="customers.id", index=True)
    channel: str = Field(max_length=10)
    kind: str = Field(max_length=20)
    author_type: str = Field(max_length=10)
    author_id: int | None = None
    author_name: str = Field(default="", max_length=200)
    body: str = ""
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    external_id: str | None = Field(default=None, max_length=300)
    delivery_status: str | None = Field(default=None, max_length=20)
    created_at: datetime = Field(default_factory=utcnow)


class Attachment(SQLModel, table=True):
    __tablename__ = "attachments"
    id: int | None = Field(default=None, primary_key=True)
    owner_key: str = Field(max_length=120, index=True)
    filename: str = Field(max_length=255)
    content_type: str = Field(max_length=100)
    size: int
    sha256: str = Field(max_length=64)
    storage_path: str = Field(max_length=500)
    created_at: datetime = Field(default_factory=utcnow)


class WrapUpCode(SQLModel, table=True):
    __tablename__ = "wrapup_codes"
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=60, unique=True)
    label: str = Field(max_length=120)
    is_active: bool = True


class CannedReply(SQLModel, table=True):
    __tablename__ = "canned_replies"
    id: int | None = Field(default=None, primary_key=True)
    shortcut: str = Field(max_length=40, unique=True)
    title: str = Field(max_length=120)
    body: str


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_keys"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    prefix: str = Field(max_length=16, index=True)
    key_hash: str = Field(max_length=64, unique=True)
    # Comma-separated: read, write, admin (migration 0014).
    scopes: str = Field(default="read,write,admin", max_length=60)
    is_active: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None
