"""Admin-side changes the directory does not cover: retiring codes, the default queue,
API key listings, and the guard that keeps at least one admin able to sign in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlmodel import col, select

from repository.core.models import Agent, ApiKey, Queue, WrapUpCode
from repository.errors import Conflict, NotFound

if TYPE_CHECKING:
    from repository.db import Database


def set_wrapup_code_active(db: Database, code_id: int, active: bool) -> WrapUpCode:
    """Retire or revive a code. Codes are never deleted: closed interactions name them."""
    with db.write() as session:
        row = session.get(WrapUpCode, code_id)
        if row is None:
            raise NotFound("no such wrap-up code", id=code_id)
        row.is_active = active
        session.add(row)
        return row


def make_default_queue(db: Database, queue_id: int) -> Queue:
    """Make this the one queue that takes contacts nobody routed elsewhere."""
    with db.write() as session:
        queue = session.get(Queue, queue_id)
        if queue is None:
            raise NotFound("no such queue", queue_id=queue_id)
        for other in session.exec(select(Queue).where(Queue.is_default, Queue.id != queue_id)).all():
            other.is_default = False
            session.add(other)
        queue.is_default = True
        session.add(queue)
        return queue


def get_queue(db: Database, queue_id: int) -> Queue:
    with db.read() as session:
        queue = session.get(Queue, queue_id)
    if queue is None:
        raise NotFound("no such queue", queue_id=queue_id)
    return queue


def list_api_keys(db: Database) -> list[ApiKey]:
    with db.read() as session:
        return list(session.exec(select(ApiKey).order_by(col(ApiKey.id))).all())


def agent_by_username(db: Database, username: str) -> Agent:
    with db.read() as session:
        agent = session.exec(select(Agent).where(Agent.username == username.strip().lower())).first()
    if agent is None:
        raise NotFound("no agent named %(name)r", params={"name": username}, field="username")
    return agent


def guard_last_admin(db: Database, agent_id: int, changes: dict[str, Any]) -> None:
    """Conflict if ``changes`` would leave nobody who can open the admin pages."""
    demotes = "role" in changes and changes["role"] not in (None, "admin")
    deactivates = changes.get("is_active") is False
    if not (demotes or deactivates):
        return
    with db.read() as session:
        admins = session.exec(select(Agent.id).where(Agent.role == "admin", Agent.is_active)).all()
    if list(admins) == [agent_id]:
        raise Conflict("this is the last active admin; make someone else admin first", field="role")
