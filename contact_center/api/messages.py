"""Outbound messages from back-end systems: into an interaction, or starting one.

``POST /messages`` tells a customer something ("your order shipped") on SMS or email;
``POST /interactions/{id}/messages`` writes into an existing conversation. Opt-outs
and quiet hours are respected (409 with a stable code); a resend with the same
``external_id`` sends nothing twice. See docs/outbound.md.
"""

from __future__ import annotations

from typing import Any

from contact_center.api.endpoint import Call, Endpoint
from contact_center.api.formats import EMAIL, PHONE, PHONE_OR_EMPTY
from contact_center.api.interactions import EVENT, INTERACTION
from contact_center.api.schema import Schema
from contact_center.api.schema_collections import FreeObject, ListOf
from contact_center.api.schema_objects import Obj, Variant
from contact_center.api.schema_scalars import Bool, Int, Str
from contact_center.outreach import outreach_for
from repository.core.identity import normalise_email, normalise_phone
from repository.core.serialize import event_dict, interaction_dict
from repository.errors import InvalidInput
from repository.outreach import messages as outreach

STARTABLE = ("sms", "email", "whatsapp")
_BODY = Str(min_length=1, max_length=20_000, description="the text the customer receives")
_AUTHOR = Str(max_length=200, description='who the customer sees as the sender, e.g. "Northwind Shop"')
_EXTERNAL = Str(
    min_length=1, max_length=200, description="your id for this message: resending it sends nothing twice"
)
TEMPLATE = Obj(
    name="WhatsAppTemplate",
    fields={
        "content_sid": Str(
            min_length=34, max_length=34, description="an approved Twilio Content template, HX…"
        ),
        "variables": FreeObject(max_bytes=4096, description='{"1": "Ann", "2": "42"}'),
    },
    required=("content_sid",),
)
_MEDIA = ListOf(
    item=Str(min_length=8, max_length=500, fmt="uri"), max_items=10, description="WhatsApp: media links"
)
SENT = Obj(
    name="SentMessage",
    fields={
        "interaction": INTERACTION,
        "event": EVENT,
        "created": Bool(description="a new interaction was opened for it"),
        "duplicate": Bool(description="this external_id was sent before; nothing was sent again"),
    },
    required=("interaction", "event", "created", "duplicate"),
)
MESSAGE_INTO = Obj(
    name="MessageInto",
    fields={
        "body": _BODY,
        "author_name": _AUTHOR,
        "external_id": _EXTERNAL,
        "template": TEMPLATE,
        "media_urls": _MEDIA,
    },
    required=("body",),
)
MESSAGE_START = Obj(
    name="MessageStart",
    fields={
        "customer_id": Int(minimum=1),
        "channel": Str(choices=STARTABLE),
        "body": _BODY,
        "subject": Str(max_length=300, description="required for email"),
        "to": Str(max_length=320, description="one of the customer's addresses; default their first"),
        "via": Str(max_length=40, description="the company number (SMS, WhatsApp) or mailbox id (email)"),
        "author_name": _AUTHOR,
        "external_id": _EXTERNAL,
        "template": TEMPLATE,
        "media_urls": _MEDIA,
    },
    required=("customer_id", "channel", "body"),
    # The channel decides what an address is, and an email needs a subject.
    by="channel",
    variants=(
        Variant(
            ("email",),
            {"to": EMAIL, "subject": Str(min_length=1, max_length=300, description="the email's subject")},
            required=("subject",),
        ),
        # On SMS and WhatsApp ``via`` is one of the company's numbers (empty: the first).
        Variant(("sms", "whatsapp"), {"to": PHONE, "via": PHONE_OR_EMPTY}),
    ),
)
_OPT_OUT_FIELDS: dict[str, Schema] = {
    "channel": Str(choices=STARTABLE),
    "address": Str(min_length=1, max_length=320),
    "opted_out": Bool(description="false lifts it"),
    "reason": Str(max_length=200),
}
OPT_OUT = Obj(
    name="OptOut",
    fields=_OPT_OUT_FIELDS,
    required=("channel", "address", "opted_out"),
    by="channel",
    variants=(Variant(("email",), {"address": EMAIL}), Variant(("sms", "whatsapp"), {"address": PHONE})),
)
OPT_OUT_RESULT = Obj(
    name="OptOutResult",
    fields={**_OPT_OUT_FIELDS, "changed": Bool()},
    required=("channel", "address", "opted_out", "changed"),
)


def _result(sent: Any) -> dict[str, Any]:
    return {
        "interaction": interaction_dict(sent.interaction),
        "event": event_dict(sent.event),
        "created": sent.created,
        "duplicate": sent.duplicate,
    }


def _address(channel: str, raw: str) -> str:
    return normalise_email(raw) if channel == "email" else normalise_phone(raw)


def _extra(call: Call) -> dict[str, Any] | None:
    """WhatsApp's template and media; refused on other channels rather than silently dropped."""
    extra = {k: call.body[k] for k in ("template", "media_urls") if call.body.get(k)}
    if not extra:
        return None
    for url in extra.get("media_urls", []):
        if not url.startswith("https://"):
            raise InvalidInput("media links must be https:// URLs", field="media_urls")
    return extra


def _author(call: Call) -> str:
    return str(call.body.get("author_name") or (call.key.name if call.key else "")).strip()


async def send_message_(call: Call) -> Any:
    body = call.body
    external = body.get("external_id")
    sent = await outreach_for(call.ctx).start(
        customer_id=body["customer_id"],
        channel=body["channel"],
        body=body["body"],
        subject=body.get("subject", "").strip(),
        to=_address(body["channel"], body["to"]) if body.get("to") else None,
        via=body.get("via") or None,
        author_name=_author(call),
        external_id=f"api:{external}" if external else None,
        extra=_extra(call),
    )
    return _result(sent)


async def send_into_interaction_(call: Call) -> Any:
    external = call.body.get("external_id")
    sent = await outreach_for(call.ctx).send_into(
        call.ids["interaction_id"],
        body=call.body["body"],
        author_name=_author(call),
        external_id=f"api:{external}" if external else None,
        extra=_extra(call),
    )
    return _result(sent)


async def set_opt_out_(call: Call) -> Any:
    body = call.body
    address = _address(body["channel"], body["address"])
    changed = await call.db(
        outreach.set_opt_out, body["channel"], address, body["opted_out"], body.get("reason", "")
    )
    return {
        "channel": body["channel"],
        "address": address,
        "opted_out": body["opted_out"],
        "changed": changed,
    }


ENDPOINTS = [
    Endpoint(
        "POST",
        "/messages",
        send_message_,
        "Send a customer a new SMS or email (joins their live conversation on that thread if any)",
        "interactions",
        response=SENT,
        status=201,
        body=MESSAGE_START,
        conflicts=True,
    ),
    Endpoint(
        "POST",
        "/interactions/{interaction_id}/messages",
        send_into_interaction_,
        "Send a message into an interaction",
        "interactions",
        response=SENT,
        status=201,
        body=MESSAGE_INTO,
        conflicts=True,
    ),
    Endpoint(
        "POST",
        "/opt-outs",
        set_opt_out_,
        "Record or lift a customer's opt-out from messages on a channel",
        "customers",
        response=OPT_OUT_RESULT,
        body=OPT_OUT,
    ),
]
