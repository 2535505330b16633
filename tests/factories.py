"""Small builders for the rows most tests need: queues, agents, inbound contacts.

They go through the product's own API where it is cheap. Agents are the exception:
``make_agent`` stores one precomputed hash and sets presence and heartbeat directly
(tests/repository/test_directory.py covers ``create_agent``). Tests hash with argon2's
cheapest parameters anyway (ARGON2_PROFILE=test, tests/conftest.py).
"""

from __future__ import annotations

import functools
import itertools
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlmodel import select

from repository.core import lifecycle
from repository.core.ingest import InboundItem, IngestResult, ingest
from repository.core.models import Agent, Interaction, Queue, utcnow
from repository.directory import create_queue, create_wrapup_code, hash_password

if TYPE_CHECKING:
    from repository import Database

PASSWORD = "correct horse battery"
_counter = itertools.count(1)


@functools.cache
def _password_hash() -> str:
    return hash_password(PASSWORD)


def unique(prefix: str) -> str:
    return f"{prefix}{next(_counter)}"


def make_queue(db: Database, name: str | None = None, **kwargs: Any) -> Queue:
    return create_queue(db, name or unique("queue-"), **kwargs)


def make_agent(
    db: Database,
    username: str | None = None,
    *,
    skills: list[str] | None = None,
    capacity: dict[str, int] | None = None,
    presence: str = "available",
    heartbeat_age: float | None = 0.0,
    role: str = "agent",
    skill_levels: dict[str, int] | None = None,
) -> Agent:
    """An agent; ``heartbeat_age`` seconds since their desktop last beat (None: never)."""
    name = username or unique("agent")
    now = utcnow()
    agent = Agent(
        username=name,
        display_name=name.title(),
        password_hash=_password_hash(),
        role=role,
        skills=sorted(skills or []),
        skill_levels=skill_levels or {},
        capacity=capacity if capacity is not None else {"chat": 2},
        presence=presence,
        last_heartbeat=None if heartbeat_age is None else now - timedelta(seconds=heartbeat_age),
    )
    with db.write() as session:
        session.add(agent)
    return agent


def chat_item(
    visitor: str | None = None,
    body: str = "Hello, I need help",
    *,
    external_id: str | None = None,
    email: str | None = None,
    queue_id: int | None = None,
    display_name: str = "",
) -> InboundItem:
    """What the webchat adapter hands to ingest for one visitor message."""
    visitor = visitor or unique("visitor-")
    identities = [("webchat", visitor)]
    if email:
        identities.insert(0, ("email", email))
    return InboundItem(
        channel="chat",
        identities=identities,
        thread_key=visitor,
        body=body,
        external_id=external_id if external_id is not None else unique(f"{visitor}:msg-"),
        display_name=display_name,
        queue_id=queue_id,
    )


def email_item(
    address: str,
    body: str = "Please call me back",
    *,
    thread_key: str | None = None,
    external_id: str | None = None,
    subject: str = "Question",
) -> InboundItem:
    return InboundItem(
        channel="email",
        identities=[("email", address)],
        thread_key=thread_key or unique("<thread-") + "@mail.example>",
        body=body,
        external_id=external_id or unique("<msg-") + "@mail.example>",
        subject=subject,
    )


def queued_chat(db: Database, **kwargs: Any) -> IngestResult:
    """A new chat contact, stored and waiting in the queue."""
    return ingest(db, chat_item(**kwargs))


def offered_to(db: Database, agent: Agent, **kwargs: Any) -> Interaction:
    """A new chat contact, already reserved for ``agent``."""
    interaction = queued_chat(db, **kwargs).interaction
    claimed = lifecycle.claim(db, interaction.id, agent.id, reserve_seconds=30, defaults={})  # type: ignore[arg-type]
    assert claimed is not None, "the factory could not claim a fresh contact"
    return claimed


def active_with(db: Database, agent: Agent, **kwargs: Any) -> Interaction:
    """A new chat contact that ``agent`` has accepted."""
    return lifecycle.accept(db, offered_to(db, agent, **kwargs).id, agent.id)  # type: ignore[arg-type]


def make_wrapup_code(db: Database, code: str = "resolved", label: str = "Resolved") -> str:
    return create_wrapup_code(db, code, label).code


def reload(db: Database, interaction_id: int) -> Interaction:
    with db.read() as session:
        row = session.get(Interaction, interaction_id)
    assert row is not None
    return row


def reload_agent(db: Database, agent_id: int) -> Agent:
    with db.read() as session:
        row = session.exec(select(Agent).where(Agent.id == agent_id)).one()
    return row


def age_heartbeat(db: Database, agent_id: int, *, seconds: float) -> None:
    """Pretend the agent's desktop last beat ``seconds`` ago."""
    with db.write() as session:
        agent = session.get(Agent, agent_id)
        assert agent is not None
        agent.last_heartbeat = utcnow() - timedelta(seconds=seconds)
        session.add(agent)
