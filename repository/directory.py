"""Who works here and how work is organised: agents, queues, skills, codes, canned replies."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel, col, select

from repository import outbox
from repository.bus_events import AgentPresence
from repository.errors import Conflict, InvalidInput, NotFound
from repository.models import (
    CHANNELS,
    ROLES,
    STRATEGIES,
    Agent,
    CannedReply,
    Queue,
    Skill,
    WrapUpCode,
    utcnow,
)
from repository.passwords import hash_password as argon2_hash
from repository.passwords import needs_rehash, verify_password
from repository.supervision_models import record_state_change

if TYPE_CHECKING:
    from repository.db import Database

PRESENCES = ("available", "away", "offline")
M = TypeVar("M", bound=SQLModel)


def hash_password(password: str) -> str:
    if len(password) < 8:
        raise InvalidInput("a password needs at least 8 characters", field="password")
    return argon2_hash(password)


def _check_capacity(capacity: dict[str, Any]) -> dict[str, int]:
    checked: dict[str, int] = {}
    for channel, value in capacity.items():
        if channel not in CHANNELS:
            raise InvalidInput(
                "unknown channel %(channel)r in capacity", params={"channel": channel}, field="capacity"
            )
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 50:
            raise InvalidInput("capacity is a whole number from 0 to 50", field="capacity")
        checked[channel] = value
    return checked


def _check_skills(skills: list[Any]) -> list[str]:
    if not all(isinstance(s, str) and 0 < len(s.strip()) <= 60 for s in skills):
        raise InvalidInput("skills are short names", field="skills")
    return sorted({s.strip().lower() for s in skills})


def _add(db: Database, row: M, taken: Conflict) -> M:
    """Insert ``row``; ``taken`` is raised when a unique name is already in use."""
    try:
        with db.write() as session:
            session.add(row)
        return row
    except IntegrityError as exc:
        raise taken from exc


def create_agent(
    db: Database,
    username: str,
    display_name: str,
    password: str,
    *,
    role: str = "agent",
    skills: list[str] | None = None,
    capacity: dict[str, int] | None = None,
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
        skills=_check_skills(skills or []),
        capacity=_check_capacity(capacity or {}),
    )
    return _add(db, agent, Conflict("agent %(name)r already exists", params={"name": username}))


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
            changes["skills"] = _check_skills(changes["skills"])
        if "capacity" in changes:
            changes["capacity"] = _check_capacity(changes["capacity"])
        for name in ("display_name", "role", "skills", "capacity", "is_active"):
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


def heartbeat(db: Database, agent_ids: list[int]) -> None:
    """Record that these agents' desktops are still connected."""
    if not agent_ids:
        return
    with db.write() as session:
        for agent in session.exec(select(Agent).where(col(Agent.id).in_(agent_ids))).all():
            agent.last_heartbeat = utcnow()
            session.add(agent)


def create_queue(
    db: Database,
    name: str,
    *,
    description: str = "",
    required_skills: list[str] | None = None,
    priority: int = 0,
    strategy: str = "longest_idle",
    is_default: bool = False,
    tier_boosts: dict[str, int] | None = None,
) -> Queue:
    if not name.strip() or len(name) > 80:
        raise InvalidInput("a queue name is 1 to 80 characters", field="name")
    if strategy not in STRATEGIES:
        raise InvalidInput(
            "strategy must be one of %(choices)s", params={"choices": ", ".join(STRATEGIES)}, field="strategy"
        )
    if not isinstance(priority, int) or not -100 <= priority <= 100:
        raise InvalidInput("priority is a whole number from -100 to 100", field="priority")
    skills = _check_skills(required_skills or [])
    ensure_skills(db, skills)
    queue = Queue(
        name=name.strip(),
        description=description[:300],
        required_skills=skills,
        priority=priority,
        strategy=strategy,
        is_default=is_default,
        tier_boosts=dict(tier_boosts or {}),
    )
    return _add(db, queue, Conflict("queue %(name)r already exists", params={"name": name}))


def update_queue(db: Database, queue_id: int, **changes: Any) -> Queue:
    if "strategy" in changes and changes["strategy"] not in STRATEGIES:
        raise InvalidInput(
            "strategy must be one of %(choices)s", params={"choices": ", ".join(STRATEGIES)}, field="strategy"
        )
    if "required_skills" in changes:
        changes["required_skills"] = _check_skills(changes["required_skills"])
        ensure_skills(db, changes["required_skills"])
    priority = changes.get("priority")
    if priority is not None and (
        isinstance(priority, bool) or not isinstance(priority, int) or not -100 <= priority <= 100
    ):
        raise InvalidInput("priority is a whole number from -100 to 100", field="priority")
    try:
        with db.write() as session:
            queue = session.get(Queue, queue_id)
            if queue is None:
                raise NotFound("no such queue", queue_id=queue_id)
            for name in (
                "name",
                "description",
                "required_skills",
                "priority",
                "strategy",
                "is_default",
                "tier_boosts",
            ):
                if name in changes and changes[name] is not None:
                    setattr(queue, name, changes[name])
            session.add(queue)
            return queue
    except IntegrityError as exc:
        raise Conflict("a queue with that name already exists", field="name") from exc


def list_queues(db: Database) -> list[Queue]:
    with db.read() as session:
        return list(session.exec(select(Queue).order_by(col(Queue.id))).all())


def ensure_skills(db: Database, names: list[str]) -> None:
    with db.write() as session:
        known = set(session.exec(select(Skill.name)).all())
        for name in names:
            if name not in known:
                session.add(Skill(name=name))


def list_skills(db: Database) -> list[Skill]:
    with db.read() as session:
        return list(session.exec(select(Skill).order_by(Skill.name)).all())


def create_wrapup_code(db: Database, code: str, label: str) -> WrapUpCode:
    code = code.strip().lower()
    if not code or len(code) > 60 or not code.replace("-", "").replace("_", "").isalnum():
        raise InvalidInput("a wrap-up code is letters, digits, - and _", field="code")
    return _add(
        db,
        WrapUpCode(code=code, label=label.strip()[:120] or code),
        Conflict("wrap-up code %(code)r already exists", params={"code": code}),
    )


def list_wrapup_codes(db: Database, *, active_only: bool = True) -> list[WrapUpCode]:
    with db.read() as session:
        stmt = select(WrapUpCode).order_by(col(WrapUpCode.id))
        if active_only:
            stmt = stmt.where(WrapUpCode.is_active)
        return list(session.exec(stmt).all())


def create_canned_reply(db: Database, shortcut: str, title: str, body: str) -> CannedReply:
    shortcut = shortcut.strip().lstrip("/").lower()
    if not shortcut or len(shortcut) > 40 or not shortcut.replace("-", "").replace("_", "").isalnum():
        raise InvalidInput("a shortcut is letters, digits, - and _", field="shortcut")
    if not body.strip():
        raise InvalidInput("a canned reply needs a body", field="body")
    return _add(
        db,
        CannedReply(shortcut=shortcut, title=title.strip()[:120] or shortcut, body=body),
        Conflict("shortcut already exists"),
    )


def list_canned_replies(db: Database) -> list[CannedReply]:
    with db.read() as session:
        return list(session.exec(select(CannedReply).order_by(CannedReply.shortcut)).all())


def delete_row(db: Database, model: type[SQLModel], row_id: int) -> None:
    with db.write() as session:
        row = session.get(model, row_id)
        if row is None:
            raise NotFound("no such record", id=row_id)
        session.delete(row)
