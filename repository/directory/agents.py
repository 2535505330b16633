"""Agents: accounts, roles, skills, capacity per channel, sign-in and presence."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import update
from sqlmodel import col, select

from repository.core.models import ROLES, Agent, utcnow
from repository.directory.passwords import hash_password as argon2_hash
from repository.directory.passwords import needs_rehash, verify_password
from repository.directory.validation import check_capacity, check_skill_levels, check_skills, insert_unique
from repository.errors import Conflict, InvalidInput, NotFound
from repository.events import outbox
from repository.events.bus import AgentPresence
from repository.supervision.models import record_state_change

if TYPE_CHECKING:
    from collections.abc import Collection

    from repository.db import Database

PRESENCES = ("available", "away", "offline")
# Agent ids per heartbeat UPDATE: below every SQLite build's bound-parameter limit.
HEARTBEAT_CHUNK = 500


def hash_password(password: str) -> str:
    if len(password) < 8:
        raise InvalidInput("a password needs at least 8 characters", field="password")
    return argon2_hash(password)


def create_agent(
    db: Database,
    username: str,
    display_name: str,
    password: str,
    *,
    role: str = "agent",
    skills: list[str] | None = None,
    capacity: dict[str, int] | None = None,
    skill_levels: dict[str, int] | None = None,
) -> Agent:
    username = username.strip().lower()
    if not username or len(username) > 80:
        raise InvalidInput("a username is 1 to 80 characters", field="username")
    if role not in ROLES:
        raise InvalidInput(
            "role must be one of %(choices)s", params={"choices": ", ".join(ROLES)}, field="role"
        )
    agent = Agent(
        username=username,
        display_name=(display_name.strip() or username)[:120],
        password_hash=hash_password(password),
        role=role,
        skills=check_skills(skills or []),
        capacity=check_capacity(capacity or {}),
        skill_levels=check_skill_levels(skill_levels or {}),
    )
    return insert_unique(db, agent, Conflict("agent %(name)r already exists", params={"name": username}))


def update_agent(db: Database, agent_id: int, **changes: Any) -> Agent:
    with db.write() as session:
        agent = session.get(Agent, agent_id)
        if agent is None:
            raise NotFound("no such agent", agent_id=agent_id)
        if "password" in changes and changes["password"]:
            agent.password_hash = hash_password(changes.pop("password"))
        changes.pop("password", None)
        if "role" in changes and changes["role"] not in ROLES:
            raise InvalidInput(
                "role must be one of %(choices)s", params={"choices": ", ".join(ROLES)}, field="role"
            )
        if "skills" in changes:
            changes["skills"] = check_skills(changes["skills"])
        if "capacity" in changes:
            changes["capacity"] = check_capacity(changes["capacity"])
        if "skill_levels" in changes:
            changes["skill_levels"] = check_skill_levels(changes["skill_levels"] or {})
        for name in ("display_name", "role", "skills", "skill_levels", "capacity", "is_active"):
            if name in changes and changes[name] is not None:
                setattr(agent, name, changes[name])
        session.add(agent)
        return agent


def authenticate(db: Database, username: str, password: str) -> Agent | None:
    """The agent if the password matches; rehashes when argon2's parameters moved on."""
    with db.read() as session:
        agent = session.exec(select(Agent).where(Agent.username == username.strip().lower())).first()
    if not verify_password(agent.password_hash if agent else None, password):
        return None
    if agent is None or not agent.is_active:
        return None
    if needs_rehash(agent.password_hash):
        with db.write() as session:
            fresh = session.get(Agent, agent.id)
            if fresh is not None:
                fresh.password_hash = argon2_hash(password)
                session.add(fresh)
    return agent


def get_agent(db: Database, agent_id: int) -> Agent:
    with db.read() as session:
        agent = session.get(Agent, agent_id)
    if agent is None:
        raise NotFound("no such agent", agent_id=agent_id)
    return agent


def list_agents(db: Database) -> list[Agent]:
    with db.read() as session:
        return list(session.exec(select(Agent).order_by(col(Agent.id))).all())


def set_presence(db: Database, agent_id: int, presence: str, cause: str = "agent") -> Agent:
    if presence not in PRESENCES:
        raise InvalidInput(
            "presence must be one of %(choices)s", params={"choices": ", ".join(PRESENCES)}, field="state"
        )
    with db.write() as session:
        agent = session.get(Agent, agent_id)
        if agent is None:
            raise NotFound("no such agent", agent_id=agent_id)
        if agent.presence != presence:
            agent.presence = presence
            agent.presence_since = utcnow()
            record_state_change(session, agent_id, presence, cause, agent.presence_since)
        agent.last_heartbeat = utcnow()
        session.add(agent)
        outbox.emit(session, AgentPresence(agent_id, agent.presence))
        return agent


def heartbeat(db: Database, agent_ids: Collection[int]) -> None:
    """Record that these agents' desktops are still connected.

    One set-based UPDATE per chunk in one transaction, no ORM objects: a node calls
    this for every desktop it holds each interval, and loading and flushing 1,000
    agents one by one cost a fifth of a core. Chunks keep each statement under
    SQLite's bound-parameter limit (999 before 3.32).
    """
    ids = sorted(set(agent_ids))
    if not ids:
        return
    now = utcnow()
    with db.write() as session:
        for start in range(0, len(ids), HEARTBEAT_CHUNK):
            chunk = ids[start : start + HEARTBEAT_CHUNK]
            session.execute(update(Agent).where(col(Agent.id).in_(chunk)).values(last_heartbeat=now))
