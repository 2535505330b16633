"""Webhook subscriptions (create, read, change, switch off) and their delivery log.

The signing secret is returned in full only by the call that creates it (or rotates
it); every other response shows its first characters.
"""

from __future__ import annotations

from typing import Any

from contact_center.api.endpoint import Call, Endpoint, Param
from contact_center.api.schema_collections import FreeObject, ListOf
from contact_center.api.schema_objects import Obj
from contact_center.api.schema_scalars import Bool, Int, Str
from contact_center.webhooks.events import WEBHOOK_EVENTS
from contact_center.webhooks.validation import check_events, check_url
from repository.webhooks import store

EVENTS = ListOf(
    item=Str(choices=("*", *WEBHOOK_EVENTS)), max_items=10, min_items=1, description="event types; * for all"
)
WEBHOOK = Obj(
    name="Webhook",
    fields={
        "id": Int(minimum=1),
        "url": Str(max_length=2000),
        "events": EVENTS,
        "description": Str(max_length=200),
        "is_active": Bool(),
        "secret": Str(max_length=200, description="in full only when created or rotated"),
        "created_at": Str(fmt="date-time", max_length=40),
    },
)
WEBHOOK_CREATE = Obj(
    name="WebhookCreate",
    fields={
        "url": Str(min_length=8, max_length=2000, fmt="uri"),
        "events": EVENTS,
        "description": Str(max_length=200),
    },
    required=("url", "events"),
)
WEBHOOK_PATCH = Obj(
    name="WebhookPatch",
    fields={
        "url": Str(min_length=8, max_length=2000, fmt="uri"),
        "events": EVENTS,
        "description": Str(max_length=200),
        "is_active": Bool(),
        "rotate_secret": Bool(description="issue a new signing secret, returned once"),
    },
)
DELIVERY = Obj(
    name="WebhookDelivery",
    fields={
        "id": Int(minimum=1),
        "subscription_id": Int(minimum=1),
        "event_type": Str(max_length=60),
        "status": Str(choices=("pending", "sending", "delivered", "failed")),
        "attempts": Int(minimum=0),
        "next_attempt_at": Str(fmt="date-time", max_length=40, nullable=True),
        "last_attempt_at": Str(fmt="date-time", max_length=40, nullable=True),
        "response_code": Int(nullable=True),
        "last_error": Str(max_length=500, nullable=True),
        "delivered_at": Str(fmt="date-time", max_length=40, nullable=True),
        "created_at": Str(fmt="date-time", max_length=40),
        "payload": FreeObject(max_bytes=1 << 20),
    },
)
DELIVERIES = Obj(name="WebhookDeliveryList", fields={"data": ListOf(item=DELIVERY, max_items=200)})


async def list_webhooks_(call: Call) -> Any:
    return {"data": [store.subscription_dict(s) for s in await call.db(store.list_subscriptions)]}


async def create_webhook_(call: Call) -> Any:
    body = call.body
    sub = await call.db(
        store.create_subscription,
        check_url(body["url"], allow_private=call.ctx.settings.webhook_allow_private_targets),
        check_events(body["events"]),
        body.get("description", ""),
    )
    return store.subscription_dict(sub, reveal=True)


async def get_webhook_(call: Call) -> Any:
    return store.subscription_dict(await call.db(store.get_subscription, call.ids["webhook_id"]))


async def update_webhook_(call: Call) -> Any:
    body = dict(call.body)
    rotate = body.pop("rotate_secret", False)
    if "url" in body:
        body["url"] = check_url(body["url"], allow_private=call.ctx.settings.webhook_allow_private_targets)
    if "events" in body:
        body["events"] = check_events(body["events"])
    if rotate:
        body["secret"] = store.new_secret()
    sub = await call.db(store.update_subscription, call.ids["webhook_id"], **body)
    return store.subscription_dict(sub, reveal=rotate)


async def delete_webhook_(call: Call) -> Any:
    await call.db(store.deactivate_subscription, call.ids["webhook_id"])


async def list_deliveries_(call: Call) -> Any:
    await call.db(store.get_subscription, call.ids["webhook_id"])
    rows = await call.db(
        store.list_deliveries,
        status=call.query.get("status"),
        subscription_id=call.ids["webhook_id"],
        limit=200,
    )
    return {"data": [store.delivery_dict(r) for r in rows]}


async def retry_delivery_(call: Call) -> Any:
    return store.delivery_dict(await call.db(store.retry_now, call.ids["delivery_id"]))


ENDPOINTS = [
    Endpoint(
        "GET",
        "/webhooks",
        list_webhooks_,
        "List webhook subscriptions",
        "webhooks",
        response=Obj(name="WebhookList", fields={"data": ListOf(item=WEBHOOK, max_items=1000)}),
    ),
    Endpoint(
        "POST",
        "/webhooks",
        create_webhook_,
        "Subscribe a URL to events; returns the signing secret once",
        "webhooks",
        response=WEBHOOK,
        status=201,
        body=WEBHOOK_CREATE,
    ),
    Endpoint(
        "GET", "/webhooks/{webhook_id}", get_webhook_, "A webhook subscription", "webhooks", response=WEBHOOK
    ),
    Endpoint(
        "PATCH",
        "/webhooks/{webhook_id}",
        update_webhook_,
        "Change, pause or rotate the secret of a webhook",
        "webhooks",
        response=WEBHOOK,
        body=WEBHOOK_PATCH,
    ),
    Endpoint(
        "DELETE",
        "/webhooks/{webhook_id}",
        delete_webhook_,
        "Switch a webhook off for good (its delivery log is kept)",
        "webhooks",
    ),
    Endpoint(
        "GET",
        "/webhooks/{webhook_id}/deliveries",
        list_deliveries_,
        "The newest 200 deliveries of a webhook",
        "webhooks",
        response=DELIVERIES,
        query=(Param("status", Str(choices=("pending", "sending", "delivered", "failed"))),),
    ),
    Endpoint(
        "POST",
        "/webhook-deliveries/{delivery_id}/retry",
        retry_delivery_,
        "Send one delivery again now",
        "webhooks",
        response=DELIVERY,
    ),
]
