"""The router's fencing token: a claim made by a leader that has lost its lease is refused.

A lease alone cannot stop a leader that was paused (SIGSTOP, a long GC, a frozen VM)
from waking up and claiming with a plan made while it still led. So every lease
acquisition gets a larger token (Redis INCR, contact_center/coordination.py); the new
leader writes it here before its first claim, and ``lifecycle.claim`` checks, in its
own transaction, that its caller's token is still the newest. Once the new leader has
written its token, the old one's claims return None: it assigns nothing.

On PostgreSQL the claim reads the row ``FOR SHARE`` and ``advance`` updates it, so an
advance waits for claims already under way and every later claim sees the new token.
SQLite's ``BEGIN IMMEDIATE`` serialises all of them anyway.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import update
from sqlmodel import Field, Session, SQLModel, col, select

if TYPE_CHECKING:
    from repository.db import Database

ROUTER = "router"


class RouterFence(SQLModel, table=True):
    __tablename__ = "router_fences"
    name: str = Field(primary_key=True, max_length=40)
    token: int = Field(default=0)


def advance(db: Database, token: int, name: str = ROUTER) -> int:
    """Make ``token`` the newest (never lowering it); returns the newest token now stored."""
    with db.write() as session:
        session.execute(
            update(RouterFence)
            .where(col(RouterFence.name) == name, col(RouterFence.token) < token)
            .values(token=token)
        )
        row = session.get(RouterFence, name, populate_existing=True)
        if row is None:
            row = RouterFence(name=name, token=token)
            session.add(row)
        return row.token


def holds(session: Session, token: int, name: str = ROUTER) -> bool:
    """Whether ``token`` is still the newest, read inside the caller's (claim's) transaction."""
    stored = session.exec(
        select(RouterFence.token).where(RouterFence.name == name).with_for_update(read=True)
    ).first()
    return stored == token
