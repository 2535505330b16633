"""Interactions and their events: what BI and back-office systems pull out of the CCR."""

from __future__ import annotations

from typing import Any

from contact_center.api.endpoint import Call, Endpoint, Param
from contact_center.api.pagination import MAX_LIMIT, envelope, page_of
from contact_center.api.schema_collections import FreeObject, ListOf
from contact_center.api.schema_objects import Obj
from contact_center.api.schema_scalars import Bool, Int, Str
from repository.core.browse import get_interaction, list_events, page_rows
from repository.core.models import ALL_CHANNELS, Interaction
from repository.core.serialize import event_dict, interaction_dict

STATUSES = ("queued", "offered", "active", "wrapup", "closed")
_ID = Int(minimum=1)
_MAYBE_ID = Int(minimum=1, nullable=True)
_WHEN = Str(fmt="date-time", max_length=40, nullable=True)

EVENT = Obj(
    name="Event",
    fields={
        "id": _ID,
        "interaction_id": _ID,
        "channel": Str(choices=ALL_CHANNELS),
        "kind": Str(max_length=20, description="message, note, status, transfer, csat, ..."),
        "internal": Bool(description="an agents-only note"),
        "author_type": Str(max_length=10, description="customer, agent or system"),
        "author_id": _MAYBE_ID,
        "author_name": Str(max_length=200),
        "body": Str(max_length=20_000),
        "payload": FreeObject(),
        "delivery_status": Str(max_length=20, nullable=True),
        "created_at": Str(fmt="date-time", max_length=40),
    },
    required=("id", "interaction_id", "kind", "body", "created_at"),
)
INTERACTION = Obj(
    name="Interaction",
    fields={
        "id": _ID,
        "customer_id": _ID,
        "channel": Str(choices=ALL_CHANNELS),
        "status": Str(choices=STATUSES),
        "queue_id": _MAYBE_ID,
        "agent_id": _MAYBE_ID,
        "target_agent_id": _MAYBE_ID,
        "priority": Int(),
        "subject": Str(max_length=300),
        "created_at": Str(fmt="date-time", max_length=40),
        "offered_at": _WHEN,
        "accepted_at": _WHEN,
        "first_response_at": _WHEN,
        "ended_at": _WHEN,
        "closed_at": _WHEN,
        "reserved_until": _WHEN,
        "disposition": Str(max_length=60, nullable=True),
        "category": Str(max_length=60, nullable=True, description="set on logged contacts"),
        "pending": Str(max_length=10, nullable=True, description="set aside: customer or snooze"),
        "snoozed_until": _WHEN,
        "csat_score": Int(minimum=1, maximum=5, nullable=True),
        "sla_status": Str(
            max_length=12, nullable=True, description="approaching or breached (docs/sla.md); null: on track"
        ),
        "sla_due_at": _WHEN,
        "overflowed_at": _WHEN,
    },
    required=("id", "customer_id", "channel", "status"),
)
INTERACTION_DETAIL = Obj(
    name="InteractionDetail",
    fields={
        **INTERACTION.fields,
        "events": ListOf(item=EVENT, max_items=MAX_LIMIT, description="the first page of events"),
        "events_next_after": Int(
            minimum=1, nullable=True, description="continue with /events?after= when not null"
        ),
    },
    required=(*INTERACTION.required, "events", "events_next_after"),
)


async def list_interactions_(call: Call) -> Any:
    filters = {k: call.query.get(k) for k in ("status", "channel", "customer_id", "agent_id", "queue_id")}
    page = await call.db(page_rows, Interaction, **filters, **call.page)
    return envelope(page, interaction_dict)


async def get_interaction_(call: Call) -> Any:
    interaction_id = call.ids["interaction_id"]
    interaction = await call.db(get_interaction, interaction_id)
    events = await call.db(list_events, interaction_id, limit=MAX_LIMIT)
    return {
        **interaction_dict(interaction),
        "events": [event_dict(e) for e in events.rows],
        "events_next_after": events.next_after,
    }


async def interaction_events_(call: Call) -> Any:
    page = await call.db(list_events, call.ids["interaction_id"], **call.page)
    return envelope(page, event_dict)


ENDPOINTS = [
    Endpoint(
        "GET",
        "/interactions",
        list_interactions_,
        "List interactions, oldest first, with filters",
        "interactions",
        response=page_of(INTERACTION),
        query=(
            Param("status", Str(choices=STATUSES)),
            Param("channel", Str(choices=ALL_CHANNELS)),
            Param("customer_id", _ID),
            Param("agent_id", _ID),
            Param("queue_id", _ID),
        ),
        paged=True,
    ),
    Endpoint(
        "GET",
        "/interactions/{interaction_id}",
        get_interaction_,
        "An interaction with its first page of events",
        "interactions",
        response=INTERACTION_DETAIL,
    ),
    Endpoint(
        "GET",
        "/interactions/{interaction_id}/events",
        interaction_events_,
        "An interaction's events in order, internal notes included",
        "interactions",
        response=page_of(EVENT),
        paged=True,
    ),
]
