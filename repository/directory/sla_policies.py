"""A queue's SLA policies and overflow settings: checked, stored, listed (docs/sla.md)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sqlmodel import col, delete, select

from repository.core.customers import TIERS
from repository.core.models import Queue
from repository.directory.validation import check_skills
from repository.errors import Conflict, InvalidInput, NotFound
from repository.routing.sla_models import ACTIONS, SlaPolicy

if TYPE_CHECKING:
    from repository.db import Database

MAX_POLICIES = len(TIERS) + 1  # one for every tier and one for the rest
MAX_TARGET_SECONDS = 366 * 24 * 3600
POLICY_FIELDS = (
    "tier",
    "first_response_seconds",
    "resolution_seconds",
    "warning_percent",
    "business_hours_only",
    "actions",
    "priority_step",
)


def _whole(value: Any, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(
            "%(name)s must be a whole number from %(min)s to %(max)s",
            params={"name": name, "min": low, "max": high},
            field=name,
        )
    return value


def check_policy(data: dict[str, Any]) -> dict[str, Any]:
    """One policy's fields, normalised; InvalidInput names the first wrong one."""
    unknown = set(data) - set(POLICY_FIELDS)
    if unknown:
        raise InvalidInput("unknown field %(name)r", params={"name": sorted(unknown)[0][:60]})
    tier = data.get("tier")
    if tier is not None and tier not in TIERS:
        raise InvalidInput(
            "tier must be one of %(choices)s", params={"choices": ", ".join(TIERS)}, field="tier"
        )
    out: dict[str, Any] = {"tier": tier}
    for name in ("first_response_seconds", "resolution_seconds"):
        value = data.get(name)
        out[name] = None if value is None else _whole(value, name, 1, MAX_TARGET_SECONDS)
    if out["first_response_seconds"] is None and out["resolution_seconds"] is None:
        raise InvalidInput(
            "a policy needs a first-response or a resolution target", field="first_response_seconds"
        )
    out["warning_percent"] = _whole(data.get("warning_percent", 80), "warning_percent", 1, 100)
    out["priority_step"] = _whole(data.get("priority_step", 10), "priority_step", 0, 100)
    hours_only = data.get("business_hours_only", False)
    if not isinstance(hours_only, bool):
        raise InvalidInput("business_hours_only must be true or false", field="business_hours_only")
    out["business_hours_only"] = hours_only
    actions = data.get("actions", [])
    if not isinstance(actions, list) or any(a not in ACTIONS for a in actions):
        raise InvalidInput(
            "actions are a list of %(choices)s", params={"choices": ", ".join(ACTIONS)}, field="actions"
        )
    out["actions"] = [a for a in ACTIONS if a in actions]
    return out


def check_policies(policies: Any) -> list[dict[str, Any]]:
    if not isinstance(policies, list) or len(policies) > MAX_POLICIES:
        raise InvalidInput("sla_policies is a list of at most %(n)s policies", params={"n": MAX_POLICIES})
    checked = [check_policy(p) if isinstance(p, dict) else check_policy({"?": p}) for p in policies]
    tiers = [p["tier"] for p in checked]
    if len(set(tiers)) != len(tiers):
        # Two items of one request colliding is a 409, as elsewhere (docs/protocol.md).
        raise Conflict("one policy per tier (and one without a tier)", field="tier")
    return checked


def set_policies(db: Database, queue_id: int, policies: list[dict[str, Any]]) -> list[SlaPolicy]:
    """Replace the queue's policies with ``policies`` (already checked)."""
    with db.write() as session:
        if session.get(Queue, queue_id) is None:
            raise NotFound("no such queue", queue_id=queue_id)
        session.execute(delete(SlaPolicy).where(col(SlaPolicy.queue_id) == queue_id))
        rows = [SlaPolicy(queue_id=queue_id, **p) for p in policies]
        session.add_all(rows)
    return rows


def policies_for(db: Database, queue_ids: Iterable[int]) -> dict[int, list[SlaPolicy]]:
    ids = list(queue_ids)
    out: dict[int, list[SlaPolicy]] = {i: [] for i in ids}
    if not ids:
        return out
    with db.read() as session:
        stmt = select(SlaPolicy).where(col(SlaPolicy.queue_id).in_(ids)).order_by(col(SlaPolicy.id))
        for policy in session.exec(stmt).all():
            out[policy.queue_id].append(policy)
    return out


def policy_dict(policy: SlaPolicy) -> dict[str, Any]:
    return {name: getattr(policy, name) for name in POLICY_FIELDS}


def check_overflow(db: Database, queue_id: int | None, changes: dict[str, Any]) -> dict[str, Any]:
    """The queue's overflow and skill-level fields in ``changes``, checked (None clears)."""
    out: dict[str, Any] = {}
    if "overflow_queue_id" in changes:
        target = changes["overflow_queue_id"]
        if target is not None:
            _whole(target, "overflow_queue_id", 1, 2**31 - 1)
            if target == queue_id:
                # A collision with the record itself (docs/protocol.md), not a malformed value.
                raise Conflict("a queue cannot overflow into itself", field="overflow_queue_id")
            with db.read() as session:
                if session.get(Queue, target) is None:
                    raise NotFound("no such overflow queue", field="overflow_queue_id")
        out["overflow_queue_id"] = target
    if "max_wait_seconds" in changes:
        wait = changes["max_wait_seconds"]
        out["max_wait_seconds"] = (
            None if wait is None else _whole(wait, "max_wait_seconds", 1, MAX_TARGET_SECONDS)
        )
    if "overflow_when_unstaffed" in changes:
        flag = changes["overflow_when_unstaffed"]
        if not isinstance(flag, bool):
            raise InvalidInput(
                "overflow_when_unstaffed must be true or false", field="overflow_when_unstaffed"
            )
        out["overflow_when_unstaffed"] = flag
    if "widened_skills" in changes:
        skills = changes["widened_skills"]
        out["widened_skills"] = None if skills is None else check_skills(skills)
    if "min_skill_level" in changes:
        out["min_skill_level"] = _whole(changes["min_skill_level"], "min_skill_level", 0, 5)
    return out
