"""Queues: where contacts wait, which skills they need, and how agents are picked."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from contact_center.api.agents import SKILLS
from contact_center.api.endpoint import Call, Endpoint
from contact_center.api.formats import TIME_ZONE, WEEK_HOURS
from contact_center.api.pagination import envelope, page_of
from contact_center.api.schema_collections import ListOf, MapOf
from contact_center.api.schema_objects import Obj
from contact_center.api.schema_scalars import Bool, Int, Str
from repository.core.browse import page_rows
from repository.core.customers import TIERS
from repository.core.models import STRATEGIES, Queue
from repository.core.serialize import queue_dict
from repository.directory import create_queue, update_queue
from repository.directory.business_hours import (
    FIELDS,
    check_calendar,
    get_hours,
    hours_dict,
    hours_for,
    save_hours,
)
from repository.directory.configuration import get_queue, make_default_queue
from repository.directory.sla_policies import (
    MAX_POLICIES,
    MAX_TARGET_SECONDS,
    check_policies,
    policies_for,
    policy_dict,
    set_policies,
)
from repository.routing.sla_models import ACTIONS

_EDITABLE = {
    "name": Str(min_length=1, max_length=80),
    "description": Str(max_length=300),
    "required_skills": SKILLS,
    "priority": Int(minimum=-100, maximum=100, description="higher is served first"),
    "strategy": Str(choices=STRATEGIES),
    "is_default": Bool(description="takes contacts not routed elsewhere; only one queue is default"),
    "tier_boosts": MapOf(
        keys=TIERS,
        value=Int(minimum=-100, maximum=100),
        description='routing points per customer tier, e.g. {"platinum": 30}; {} clears them',
    ),
}
# Overflow, maximum wait and skill level (docs/sla.md); null clears the first three.
_OVERFLOW = {
    "overflow_queue_id": Int(minimum=1, nullable=True, description="where contacts overflow to"),
    "max_wait_seconds": Int(
        minimum=1, maximum=MAX_TARGET_SECONDS, nullable=True, description="overflow after waiting this long"
    ),
    "overflow_when_unstaffed": Bool(
        description="overflow at once when no agent with the skills is available"
    ),
    "widened_skills": ListOf(
        item=Str(min_length=1, max_length=60),
        max_items=50,
        nullable=True,
        description="with no overflow queue: the skills an overflowing contact still needs ([] = anyone)",
    ),
    "min_skill_level": Int(minimum=0, maximum=5, description="agents at this level are preferred; 0 = none"),
}
SLA_POLICY = Obj(
    name="SlaPolicy",
    fields={
        "tier": Str(choices=TIERS, nullable=True, description="null: every tier without its own policy"),
        "first_response_seconds": Int(minimum=1, maximum=MAX_TARGET_SECONDS, nullable=True),
        "resolution_seconds": Int(minimum=1, maximum=MAX_TARGET_SECONDS, nullable=True),
        "warning_percent": Int(minimum=1, maximum=100, description="flag as approaching at this share"),
        "business_hours_only": Bool(description="count only the queue's business hours"),
        "actions": ListOf(item=Str(choices=ACTIONS), max_items=len(ACTIONS), description="run on a breach"),
        "priority_step": Int(minimum=0, maximum=100, description="points raise_priority adds"),
    },
    any_of=("first_response_seconds", "resolution_seconds"),
)
_SLA = {
    "sla_policies": ListOf(
        item=SLA_POLICY, max_items=MAX_POLICIES, description="replaces the queue's policies; [] removes them"
    )
}
# The queue's calendar (docs/business-hours.md); stored beside the queue in queue_hours.
_HOURS = {
    "business_hours": replace(
        WEEK_HOURS,
        description='{"mon": [["09:00", "17:00"]]} in time_zone; close before open runs past '
        "midnight; {} means always open",
    ),
    "time_zone": replace(TIME_ZONE, description="IANA name, e.g. Europe/Berlin"),
    "holidays": ListOf(
        item=Str(min_length=10, max_length=10, fmt="date"),
        max_items=400,
        description="local dates on which the queue is closed all day",
    ),
}
_FIELDS = {**_EDITABLE, **_OVERFLOW, **_HOURS, **_SLA}
QUEUE = Obj(
    name="Queue",
    fields={"id": Int(minimum=1), **_FIELDS},
    required=("id", *_EDITABLE, *_OVERFLOW, *_HOURS, *_SLA),
)
QUEUE_CREATE = Obj(name="QueueCreate", fields=_FIELDS, required=("name",))
QUEUE_PATCH = Obj(name="QueuePatch", fields=_FIELDS)


def _split(body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]] | None]:
    """The queue's own fields, its calendar and its SLA policies, checked before anything is written."""
    calendar = check_calendar({k: body.pop(k) for k in FIELDS if k in body})
    policies = check_policies(body.pop("sla_policies")) if "sla_policies" in body else None
    return body, calendar, policies


async def list_queues_(call: Call) -> Any:
    page = await call.db(page_rows, Queue, **call.page)
    ids = [q.id for q in page.rows]
    hours = await call.db(hours_for, ids)
    policies = await call.db(policies_for, ids)
    return envelope(page, lambda q: _shown(q, hours.get(q.id), policies.get(q.id, [])))


def _shown(queue: Queue, hours: Any, policies: list[Any]) -> dict[str, Any]:
    return {**queue_dict(queue), **hours_dict(hours), "sla_policies": [policy_dict(p) for p in policies]}


async def _with_hours(call: Call, queue: Queue) -> dict[str, Any]:
    hours = await call.db(get_hours, queue.id)
    policies = (await call.db(policies_for, [queue.id]))[queue.id]
    return _shown(queue, hours, policies)


async def get_queue_(call: Call) -> Any:
    return await _with_hours(call, await call.db(get_queue, call.ids["queue_id"]))


async def create_queue_(call: Call) -> Any:
    body, calendar, policies = _split(dict(call.body))
    is_default = body.pop("is_default", False)
    queue = await call.db(create_queue, body.pop("name"), **body)
    if is_default:
        queue = await call.db(make_default_queue, queue.id)
    if calendar:
        await call.db(save_hours, queue.id, calendar)
    if policies:
        await call.db(set_policies, queue.id, policies)
    return await _with_hours(call, queue)


async def update_queue_(call: Call) -> Any:
    body, calendar, policies = _split(dict(call.body))
    queue_id = call.ids["queue_id"]
    if "name" in body:
        body["name"] = body["name"].strip()
    queue = await call.db(update_queue, queue_id, **body)
    if body.get("is_default"):
        queue = await call.db(make_default_queue, queue_id)
    if calendar:
        await call.db(save_hours, queue_id, calendar)
    if policies is not None:
        await call.db(set_policies, queue_id, policies)
    return await _with_hours(call, queue)


ENDPOINTS = [
    Endpoint("GET", "/queues", list_queues_, "List queues", "queues", response=page_of(QUEUE), paged=True),
    Endpoint(
        "POST",
        "/queues",
        create_queue_,
        "Create a queue",
        "queues",
        response=QUEUE,
        status=201,
        body=QUEUE_CREATE,
        conflicts=True,
    ),
    Endpoint("GET", "/queues/{queue_id}", get_queue_, "A queue", "queues", response=QUEUE),
    Endpoint(
        "PATCH",
        "/queues/{queue_id}",
        update_queue_,
        "Change a queue's skills, priority, strategy, tier boosts, default flag, business hours, "
        "overflow or SLA policies",
        "queues",
        response=QUEUE,
        body=QUEUE_PATCH,
        conflicts=True,
    ),
]
