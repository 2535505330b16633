"""Quarantined email: list, read, release (store with a chosen sender), delete.

The same decisions as the admin page (agent_ui/admin/quarantine.py), for tooling.
A page is newest first; ``next_after`` is the cursor of the next one.
"""

from __future__ import annotations

from typing import Any

from anyio import to_thread

from channels.email.release import checked_sender, preview, release
from contact_center.api.endpoint import Call, Endpoint, Param
from contact_center.api.pagination import page_of
from contact_center.api.schema_collections import FreeObject
from contact_center.api.schema_objects import Obj
from contact_center.api.schema_scalars import Int, Str
from repository.email import quarantine as email_quarantine

TAG = "email"
_FIELDS = {
    "id": Int(minimum=1),
    "mailbox_id": Int(minimum=1),
    "mailbox_address": Str(max_length=320),
    "uidvalidity": Int(minimum=0),
    "uid": Int(minimum=0),
    "sha256": Str(max_length=64),
    "size": Int(minimum=0, description="bytes of the raw mail"),
    "reason": Str(max_length=500, description="why it was quarantined"),
    "created_at": Str(max_length=40),
    "resolution": Str(choices=("released", "deleted"), nullable=True, description="null while undecided"),
    "resolved_at": Str(max_length=40, nullable=True),
    "event_id": Int(minimum=1, nullable=True, description="the stored message, once released"),
}
QUARANTINED = Obj(name="QuarantinedMail", fields=_FIELDS, required=("id", "mailbox_id", "reason", "size"))
QUARANTINED_DETAIL = Obj(
    name="QuarantinedMailDetail",
    fields={
        **_FIELDS,
        "headers": FreeObject(description="From, To, Subject, Date… as decoded text", max_bytes=16384),
        "text": Str(max_length=100_000, description="the text as far as it could be read"),
        "suggested_sender": Str(max_length=320, description="an address read from From/Reply-To/Sender"),
    },
    required=("id", "mailbox_id", "reason", "size", "text"),
)
RELEASE = Obj(
    name="QuarantineRelease",
    fields={
        "sender": Str(
            min_length=3, max_length=320, fmt="email", description="store the mail as from this address"
        ),
        "sender_name": Str(max_length=200),
    },
    required=("sender",),
)
RELEASED = Obj(name="QuarantineReleased", fields={"event_id": Int(minimum=1)}, required=("event_id",))


async def list_(call: Call) -> Any:
    rows, next_after = await call.db(
        email_quarantine.list_open, mailbox_id=call.query.get("mailbox_id"), **call.page
    )
    return {
        "data": [email_quarantine.quarantine_dict(row, address) for row, address in rows],
        "next_after": next_after,
    }


async def get_(call: Call) -> Any:
    row, address = await call.db(email_quarantine.get, call.ids["quarantine_id"])
    raw = await to_thread.run_sync(email_quarantine.read_raw, row, email_quarantine.PREVIEW_BYTES)
    shown = await to_thread.run_sync(preview, raw)
    return {
        **email_quarantine.quarantine_dict(row, address),
        "headers": shown["headers"],
        "text": shown["text"],
        "suggested_sender": shown["sender"][1],
    }


async def release_(call: Call) -> Any:
    sender = checked_sender(call.body["sender"], call.body.get("sender_name", ""))
    return {"event_id": await release(call.ctx, call.ids["quarantine_id"], sender, None)}


async def delete_(call: Call) -> Any:
    await call.db(email_quarantine.delete, call.ids["quarantine_id"], None)


ENDPOINTS = [
    Endpoint(
        "GET",
        "/email/quarantine",
        list_,
        "Quarantined mail waiting for a decision, newest first",
        TAG,
        response=page_of(QUARANTINED),
        query=(Param("mailbox_id", Int(minimum=1, description="only this mailbox's")),),
        paged=True,
    ),
    Endpoint(
        "GET",
        "/email/quarantine/{quarantine_id}",
        get_,
        "One quarantined mail: why, its headers and text",
        TAG,
        response=QUARANTINED_DETAIL,
    ),
    Endpoint(
        "POST",
        "/email/quarantine/{quarantine_id}/release",
        release_,
        "Store the mail as a conversation from the given sender (no acknowledgement is sent)",
        TAG,
        response=RELEASED,
        body=RELEASE,
        conflicts=True,
    ),
    Endpoint(
        "DELETE",
        "/email/quarantine/{quarantine_id}",
        delete_,
        "Delete the raw mail; the row stays as the record of the decision",
        TAG,
        conflicts=True,
    ),
]
