"""How work is organised: queues, skills, wrap-up codes and canned replies."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel, col, select

from repository.core.models import STRATEGIES, CannedReply, Queue, Skill, WrapUpCode
from repository.directory.sla_policies import check_overflow
from repository.directory.validation import check_skills, insert_unique
from repository.errors import Conflict, InvalidInput, NotFound

if TYPE_CHECKING:
    from repository.db import Database


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
    **overflow: Any,
) -> Queue:
    """A queue; ``overflow``: overflow_queue_id, max_wait_seconds, overflow_when_unstaffed,
    widened_skills, min_skill_level (docs/sla.md)."""
    if not name.strip() or len(name) > 80:
        raise InvalidInput("a queue name is 1 to 80 characters", field="name")
    if strategy not in STRATEGIES:
        raise InvalidInput(
            "strategy must be one of %(choices)s", params={"choices": ", ".join(STRATEGIES)}, field="strategy"
        )
    if not isinstance(priority, int) or not -100 <= priority <= 100:
        raise InvalidInput("priority is a whole number from -100 to 100", field="priority")
    skills = check_skills(required_skills or [])
    extra = check_overflow(db, None, overflow)
    unknown = set(overflow) - set(extra)
    if unknown:
        raise InvalidInput("unknown field %(name)r", params={"name": sorted(unknown)[0]})
    ensure_skills(db, skills + (extra.get("widened_skills") or []))
    queue = Queue(
        name=name.strip(),
        description=description[:300],
        required_skills=skills,
        priority=priority,
        strategy=strategy,
        is_default=is_default,
        tier_boosts=dict(tier_boosts or {}),
        **extra,
    )
    return insert_unique(db, queue, Conflict("queue %(name)r already exists", params={"name": name}))


def update_queue(db: Database, queue_id: int, **changes: Any) -> Queue:
    if "strategy" in changes and changes["strategy"] not in STRATEGIES:
        raise InvalidInput(
            "strategy must be one of %(choices)s", params={"choices": ", ".join(STRATEGIES)}, field="strategy"
        )
    if "required_skills" in changes:
        changes["required_skills"] = check_skills(changes["required_skills"])
        ensure_skills(db, changes["required_skills"])
    priority = changes.get("priority")
    if priority is not None and (
        isinstance(priority, bool) or not isinstance(priority, int) or not -100 <= priority <= 100
    ):
        raise InvalidInput("priority is a whole number from -100 to 100", field="priority")
    # These may be set back to None (no overflow queue, no maximum wait, no widening).
    overflow = check_overflow(db, queue_id, changes)
    if overflow.get("widened_skills"):
        ensure_skills(db, overflow["widened_skills"])
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
            for name, value in overflow.items():
                setattr(queue, name, value)
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
    return insert_unique(
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
    return insert_unique(
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
