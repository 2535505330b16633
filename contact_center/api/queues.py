"""Queues: where contacts wait, which skills they need, and how agents are picked."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from contact_center.api.agents import SKILLS
from contact_center.api.endpoint import Call, Endpoint
from contact_center.api.formats import TIME_ZONE, WEEK_HOURS
from contact_center.api.pagination import envelope, page_of
from contact_center.api.schema import Bool, Int, ListOf, MapOf, Obj, Str
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
QUEUE = Obj(
    name="Queue",
    fields={"id": Int(minimum=1), **_EDITABLE, **_HOURS},
    required=("id", *_EDITABLE, *_HOURS),
)
QUEUE_CREATE = Obj(name="QueueCreate", fields={**_EDITABLE, **_HOURS}, required=("name",))
QUEUE_PATCH = Obj(name="QueuePatch", fields={**_EDITABLE, **_HOURS})


def _split(body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The queue's own fields, and its calendar checked before anything is written."""
    calendar = check_calendar({k: body.pop(k) for k in FIELDS if k in body})
    return body, calendar


async def list_queues_(call: Call) -> Any:
    page = await call.db(page_rows, Queue, **call.page)
    hours = await call.db(hours_for, [q.id for q in page.rows])
    return envelope(page, lambda q: {**queue_dict(q), **hours_dict(hours.get(q.id))})


async def _with_hours(call: Call, queue: Queue) -> dict[str, Any]:
    return {**queue_dict(queue), **hours_dict(await call.db(get_hours, queue.id))}


async def get_queue_(call: Call) -> Any:
    return await _with_hours(call, await call.db(get_queue, call.ids["queue_id"]))


async def create_queue_(call: Call) -> Any:
    body, calendar = _split(dict(call.body))
    is_default = body.pop("is_default", False)
    queue = await call.db(create_queue, body.pop("name"), **body)
    if is_default:
        queue = await call.db(make_default_queue, queue.id)
    if calendar:
        await call.db(save_hours, queue.id, calendar)
    return await _with_hours(call, queue)


async def update_queue_(call: Call) -> Any:
    body, calendar = _split(dict(call.body))
    queue_id = call.ids["queue_id"]
    if "name" in body:
        body["name"] = body["name"].strip()
    queue = await call.db(update_queue, queue_id, **body)
    if body.get("is_default"):
        queue = await call.db(make_default_queue, queue_id)
    if calendar:
        await call.db(save_hours, queue_id, calendar)
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
        "Change a queue's skills, priority, strategy, tier boosts, default flag or business hours",
        "queues",
        response=QUEUE,
        body=QUEUE_PATCH,
        conflicts=True,
    ),
]
