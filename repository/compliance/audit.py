"""The audit log: who changed what, when, from where, with the record before and after.

Every API call that changes something (contact_center/api/endpoint.py), every admin
page post (agent_ui/admin_audit.py) and every GDPR export or erasure is written here.
Secrets never are: any key that looks like one is replaced by "(redacted)".
Supervisor interventions keep their own log as well (repository/supervision/actions.py).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from sqlmodel import col, select

from repository.compliance.audit_models import AuditEntry
from repository.core.serialize import iso

if TYPE_CHECKING:
    from repository.db import Database

SECRET_WORDS = ("password", "secret", "token", "key_hash", "auth", "csrf")
MAX_SNAPSHOT_BYTES = 16 * 1024


def redact(value: Any) -> Any:
    """A JSON-safe copy of ``value`` with secret-looking keys hidden and large values cut."""
    if isinstance(value, dict):
        return {
            str(k): "(redacted)" if any(w in str(k).lower() for w in SECRET_WORDS) else redact(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [redact(v) for v in value[:200]]
    if isinstance(value, str | int | float | bool) or value is None:
        return value[:2000] if isinstance(value, str) else value
    return str(value)[:2000]


def _snapshot(value: Any) -> dict[str, Any]:
    clean = redact(value if isinstance(value, dict) else {"value": value} if value is not None else {})
    if len(json.dumps(clean, default=str)) > MAX_SNAPSHOT_BYTES:
        return {"truncated": True}
    return clean


def record(
    db: Database,
    *,
    actor_type: str,
    action: str,
    actor_id: int | None = None,
    actor_name: str = "",
    target_type: str = "",
    target_id: str = "",
    before: Any = None,
    after: Any = None,
    address: str = "",
) -> AuditEntry:
    entry = AuditEntry(
        actor_type=actor_type[:20],
        actor_id=actor_id,
        actor_name=actor_name[:120],
        action=action[:80],
        target_type=target_type[:40],
        target_id=str(target_id)[:64],
        before=_snapshot(before),
        after=_snapshot(after),
        address=address[:64],
    )
    with db.write() as session:
        session.add(entry)
        session.flush()
        session.refresh(entry)
    return entry


def list_entries(
    db: Database, *, after: int | None = None, limit: int = 50, action: str | None = None
) -> list[AuditEntry]:
    """Newest first; ``after`` is the id of the last entry of the previous page."""
    with db.read() as session:
        query = select(AuditEntry).order_by(col(AuditEntry.id).desc()).limit(limit)
        if after is not None:
            query = query.where(col(AuditEntry.id) < after)
        if action:
            query = query.where(AuditEntry.action == action)
        return list(session.exec(query))


def entry_dict(entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "at": iso(entry.at),
        "actor_type": entry.actor_type,
        "actor_id": entry.actor_id,
        "actor_name": entry.actor_name,
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "before": entry.before,
        "after": entry.after,
        "address": entry.address,
    }
