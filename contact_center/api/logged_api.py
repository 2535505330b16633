"""``POST /interactions``: record a phone call, visit or letter that came through no channel.

See docs/logged-contacts.md.
"""

from __future__ import annotations

from typing import Any

from contact_center.api.endpoint import Call, Endpoint
from contact_center.api.interactions import EVENT, INTERACTION
from contact_center.api.schema_objects import Obj
from contact_center.api.schema_scalars import SPACE, Int, Str
from repository.commerce.inputs import parse_time
from repository.core.logged_contacts import CATEGORY_CONTROLS, DIRECTIONS, MAX_CATEGORY, log_contact
from repository.core.models import LOGGED_CHANNELS
from repository.core.serialize import event_dict, interaction_dict

LOGGED = Obj(
    name="LoggedContact",
    fields={
        "customer_id": Int(minimum=1),
        "channel": Str(choices=LOGGED_CHANNELS, description="phone, visit or letter"),
        "category": Str(
            min_length=1,
            max_length=MAX_CATEGORY,
            pattern=f"^[^{CATEGORY_CONTROLS}]*[^{CATEGORY_CONTROLS}{SPACE}][^{CATEGORY_CONTROLS}]*$",
            pattern_reason="a category is 1 to 60 characters",
            description='what it was about, e.g. "complaint"; stored in lower case',
        ),
        "note": Str(min_length=1, max_length=20_000),
        "subject": Str(max_length=300),
        "direction": Str(choices=DIRECTIONS, description="inbound (default) or outbound"),
        "occurred_at": Str(fmt="date-time", max_length=40, description="when it happened; default now"),
        "duration_seconds": Int(minimum=0, maximum=86_400),
        "agent_id": Int(minimum=1, description="the agent who handled it"),
    },
    required=("customer_id", "channel", "category", "note"),
)
LOGGED_RESULT = Obj(
    name="LoggedContactResult",
    fields={"interaction": INTERACTION, "note": EVENT},
    required=("interaction", "note"),
)


async def log_contact_(call: Call) -> Any:
    body = dict(call.body)
    when = parse_time(body.pop("occurred_at"), "occurred_at", None) if "occurred_at" in body else None
    interaction, event = await call.db(
        log_contact,
        **body,
        occurred_at=when,
        author_name=call.key.name if call.key and "agent_id" not in body else "",
    )
    # Persisted; now tell subscribers (supervisors, webhooks) like any new contact.
    await call.ctx.hub.publish(
        {"type": "interaction.updated", "interaction": interaction_dict(interaction), "created": True}
    )
    return {"interaction": interaction_dict(interaction), "note": event_dict(event)}


ENDPOINTS = [
    Endpoint(
        "POST",
        "/interactions",
        log_contact_,
        "Record a phone call, visit or letter that came through no channel",
        "interactions",
        response=LOGGED_RESULT,
        status=201,
        body=LOGGED,
    ),
]
