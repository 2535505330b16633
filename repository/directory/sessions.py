"""Sign-ins that were ended: a copied session cookie stops working at sign-out.

The session itself is a signed cookie, so the server keeps no list of live sessions.
Signing out records that sign-in's id (``sid``) here; every request checks it. A row
is needed only while the cookie could still be valid, so rows older than the session
lifetime are dropped whenever a new one is written.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete
from sqlmodel import Field, SQLModel, col

from repository.core.models import Agent, utcnow

if TYPE_CHECKING:
    from collections.abc import Mapping

    from repository.db import Database


class RevokedSession(SQLModel, table=True):
    __tablename__ = "revoked_sessions"
    sid: str = Field(primary_key=True, max_length=64)
    agent_id: int = Field(index=True)
    revoked_at: datetime = Field(default_factory=utcnow, index=True)


def revoke_session(db: Database, sid: str, agent_id: int, keep_seconds: float) -> None:
    with db.write() as session:
        session.execute(
            delete(RevokedSession).where(
                col(RevokedSession.revoked_at) < utcnow() - timedelta(seconds=keep_seconds)
            )
        )
        if session.get(RevokedSession, sid) is None:
            session.add(RevokedSession(sid=sid, agent_id=agent_id))


def session_agent(db: Database, session: Mapping[str, Any]) -> Agent | None:
    """The agent a session cookie names, or None if it was signed out, the agent was
    deactivated, or their password changed since (every sign-in records the end of the
    password hash, so a new password ends every existing session)."""
    agent_id, sid = session.get("agent_id"), session.get("sid")
    if not isinstance(agent_id, int) or not isinstance(sid, str):
        return None
    with db.read() as read:
        agent = read.get(Agent, agent_id)
        if agent is None or read.get(RevokedSession, sid) is not None:
            return None
    if not agent.is_active or session.get("pw") != agent.password_hash[-16:]:
        return None
    return agent
