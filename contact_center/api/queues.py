"""Queues: where contacts wait, which skills they need, and how agents are picked."""

from __future__ import annotations

from typing import Any

from contact_center.api.agents import SKILLS
from contact_center.api.endpoint import Call, Endpoint
from contact_center.api.pagination import envelope, page_of
from contact_center.api.schema import Bool, Int, MapOf, Obj, Str
from repository.browse import page_rows
from repository.configuration import get_queue, make_default_queue
from repository.customers import TIERS
from repository.directory import create_queue, update_queue
from repository.models import STRATEGIES, Queue
from repository.serialize import queue_dict

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
QUEUE = Obj(
    name="Queue",
    fields={"id": Int(minimum=1), **_EDITABLE},
    required=("id", *_EDITABLE),
)
QUEUE_CREATE = Obj(name="QueueCreate", fields=_EDITABLE, required=("name",))
QUEUE_PATCH = Obj(name="QueuePatch", fields=_EDITABLE)


async def list_queues_(call: Call) -> Any:
    return envelope(await call.db(page_rows, Queue, **call.page), queue_dict)


async def get_queue_(call: Call) -> Any:
    return queue_dict(await call.db(get_queue, call.ids["queue_id"]))


async def create_queue_(call: Call) -> Any:
    body = dict(call.body)
    is_default = body.pop("is_default", False)
    queue = await call.db(create_queue, body.pop("name"), **body)
    if is_default:
        queue = await call.db(make_default_queue, queue.id)
    return queue_dict(queue)


async def update_queue_(call: Call) -> Any:
    body = dict(call.body)
    queue_id = call.ids["queue_id"]
    if "name" in body:
        body["name"] = body["name"].strip()
    queue = await call.db(update_queue, queue_id, **body)
    if body.get("is_default"):
        queue = await call.db(make_default_queue, queue_id)
    return queue_dict(queue)


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
        "Change a queue's skills, priority, strategy, tier boosts or default flag",
        "queues",
        response=QUEUE,
        body=QUEUE_PATCH,
        conflicts=True,
    ),
]
