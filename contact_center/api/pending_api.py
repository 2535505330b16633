"""Pending and snoozed through the API: set a conversation aside, or bring it back.

See docs/pending.md.
"""

from __future__ import annotations

from typing import Any

from contact_center.api.endpoint import Call, Endpoint
from contact_center.api.interactions import INTERACTION
from contact_center.api.schema_objects import Obj
from contact_center.api.schema_scalars import Str
from repository.commerce.inputs import parse_time
from repository.core import pending
from repository.core.serialize import interaction_dict
from repository.errors import Conflict

ASIDE = Obj(
    name="SetAside",
    fields={
        "until": Str(
            fmt="date-time", max_length=40, description="snooze until; omit to wait for the customer"
        )
    },
)


async def _published(call: Call, interaction: Any, reason: str) -> Any:
    data = interaction_dict(interaction)
    await call.ctx.hub.publish({"type": "interaction.updated", "interaction": data, "reason": reason})
    return data


async def set_pending_(call: Call) -> Any:
    until = parse_time(call.body["until"], "until", None) if "until" in call.body else None
    interaction = await call.db(pending.set_aside, call.ids["interaction_id"], None, until)
    return await _published(call, interaction, "snoozed" if until else "pending")


async def resume_(call: Call) -> Any:
    interaction = await call.db(pending.resume, call.ids["interaction_id"])
    if interaction is None:
        raise Conflict("this conversation is not set aside", code="not_pending")
    return await _published(call, interaction, "resumed")


ENDPOINTS = [
    Endpoint(
        "POST",
        "/interactions/{interaction_id}/pending",
        set_pending_,
        "Set an active interaction aside: wait for the customer, or snooze until a time",
        "interactions",
        response=INTERACTION,
        body=ASIDE,
        conflicts=True,
    ),
    Endpoint(
        "POST",
        "/interactions/{interaction_id}/resume",
        resume_,
        "Bring a pending or snoozed interaction back now",
        "interactions",
        response=INTERACTION,
        conflicts=True,
    ),
]
