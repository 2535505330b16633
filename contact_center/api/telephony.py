"""Phone configuration and the call log: numbers (IVR menu, hours, time zone), agent phones, calls."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from contact_center.api.endpoint import Call, Endpoint, Param
from contact_center.api.formats import LANGUAGE, PHONE_OR_EMPTY, TIME_ZONE, WEEK_HOURS
from contact_center.api.formats import PHONE as PHONE_TEXT
from contact_center.api.pagination import envelope, page_of
from contact_center.api.schema_collections import FreeObject, ListOf
from contact_center.api.schema_objects import Obj
from contact_center.api.schema_scalars import Int, Str
from contact_center.i18n import supported_locales
from repository.core.browse import page_rows
from repository.errors import InvalidInput
from repository.telephony.calls import call_card
from repository.telephony.config import delete_number, endpoint_for, save_endpoint, save_number
from repository.telephony.models import CallRecord, PhoneNumber

MENU_OPTION = Obj(
    name="IvrOption",
    fields={
        "digit": Str(
            min_length=1,
            max_length=1,
            pattern="^[0-9]$",
            pattern_reason="each option has its own digit 0–9",
            description="the key a caller presses, 0-9; each option its own",
        ),
        "label": Str(min_length=1, max_length=80, description="said to the caller and matched in speech"),
        "keywords": ListOf(item=Str(max_length=40), max_items=10),
        "queue_id": Int(minimum=1),
    },
    required=("digit", "label", "queue_id"),
)
_NUMBER_FIELDS = {
    "number": replace(PHONE_TEXT, description="the company number, normalised to E.164"),
    "label": Str(max_length=120),
    "greeting": Str(max_length=1000),
    "menu": ListOf(item=MENU_OPTION, max_items=9),
    "default_queue_id": Int(minimum=1, nullable=True),
    # The queue calendar's rule (repository/directory/business_hours.py check_hours).
    "business_hours": replace(
        WEEK_HOURS,
        description='{"mon": [["09:00", "17:00"]], ...} in the number\'s time zone; close before open '
        "runs past midnight; {} is always open",
    ),
    "time_zone": replace(TIME_ZONE, description="IANA name, e.g. Europe/Berlin"),
    "after_hours_message": Str(max_length=1000),
    "help_reply": Str(max_length=320, description="the answer to an SMS saying HELP"),
    "language": replace(
        LANGUAGE,
        description="locale id the number speaks (en, zh_Hans, zh_Hant): queue position, default prompts "
        "and <Say language>; default en",
    ),
}
NUMBER = Obj(name="PhoneNumber", fields={"id": Int(minimum=1), **_NUMBER_FIELDS}, required=("id", "number"))
NUMBER_CREATE = Obj(name="PhoneNumberCreate", fields=_NUMBER_FIELDS, required=("number",))
NUMBER_PATCH = Obj(name="PhoneNumberPatch", fields=_NUMBER_FIELDS)
PHONE = Obj(
    name="AgentPhone",
    fields={
        "agent_id": Int(minimum=1),
        "client_identity": Str(
            max_length=120,
            nullable=True,
            pattern="^[A-Za-z0-9_.@-]*$",
            pattern_reason="a client identity is letters, digits and _ . @ -",
            description="Twilio Client identity; empty or null clears it",
        ),
        "phone_number": replace(
            PHONE_OR_EMPTY, nullable=True, description="rung when no client identity is set"
        ),
        "extension": Str(
            max_length=40,
            nullable=True,
            pattern="^[A-Za-z0-9*#_-]*$",
            pattern_reason="an extension is up to 40 letters, digits, * or #",
            description="PBX extension for CTI events",
        ),
    },
    required=("agent_id",),
)
PHONE_PUT = Obj(name="AgentPhoneUpdate", fields={k: v for k, v in PHONE.fields.items() if k != "agent_id"})
CALL = FreeObject(description="a call record: state, history, durations, recording", max_bytes=64 * 1024)
CALL_PAGE = Obj(
    name="CallPage",
    fields={"data": ListOf(item=CALL, max_items=200), "next_after": Int(minimum=1, nullable=True)},
    required=("data", "next_after"),
)


def _check_language(body: dict[str, Any]) -> None:
    if "language" in body and body["language"] not in supported_locales():
        raise InvalidInput(
            "language must be one of %(choices)s",
            params={"choices": ", ".join(supported_locales())},
            field="language",
        )


def number_dict(row: PhoneNumber) -> dict[str, Any]:
    return {"id": row.id, **{name: getattr(row, name) for name in _NUMBER_FIELDS}}


def call_dict(row: CallRecord) -> dict[str, Any]:
    return {
        "id": row.id,
        "interaction_id": row.interaction_id,
        "customer_id": row.customer_id,
        "queue_id": row.queue_id,
        "history": row.history,
        **call_card(row),
    }


async def list_numbers_(call: Call) -> Any:
    return envelope(await call.db(page_rows, PhoneNumber, **call.page), number_dict)


async def create_number_(call: Call) -> Any:
    _check_language(call.body)
    return number_dict(await call.db(save_number, None, call.body))


async def update_number_(call: Call) -> Any:
    _check_language(call.body)
    return number_dict(await call.db(save_number, call.ids["number_id"], call.body))


async def delete_number_(call: Call) -> Any:
    await call.db(delete_number, call.ids["number_id"])


async def get_agent_phone_(call: Call) -> Any:
    row = await call.db(endpoint_for, call.ids["agent_id"])
    return {
        "agent_id": call.ids["agent_id"],
        "client_identity": row.client_identity if row else None,
        "phone_number": row.phone_number if row else None,
        "extension": row.extension if row else None,
    }


async def put_agent_phone_(call: Call) -> Any:
    row = await call.db(save_endpoint, call.ids["agent_id"], call.body)
    return {
        "agent_id": row.agent_id,
        "client_identity": row.client_identity,
        "phone_number": row.phone_number,
        "extension": row.extension,
    }


async def list_calls_(call: Call) -> Any:
    filters = {"state": call.query.get("state"), "customer_id": call.query.get("customer_id")}
    page = await call.db(page_rows, CallRecord, newest_first=True, **call.page, **filters)
    return envelope(page, call_dict)


TAG = "telephony"
ENDPOINTS = [
    Endpoint(
        "GET",
        "/phone-numbers",
        list_numbers_,
        "List company numbers",
        TAG,
        response=page_of(NUMBER),
        paged=True,
    ),
    Endpoint(
        "POST",
        "/phone-numbers",
        create_number_,
        "Configure a number: IVR menu, business hours, time zone",
        TAG,
        response=NUMBER,
        status=201,
        body=NUMBER_CREATE,
        conflicts=True,
    ),
    Endpoint(
        "PATCH",
        "/phone-numbers/{number_id}",
        update_number_,
        "Change a number's IVR menu, hours or messages",
        TAG,
        response=NUMBER,
        body=NUMBER_PATCH,
        conflicts=True,
    ),
    Endpoint("DELETE", "/phone-numbers/{number_id}", delete_number_, "Remove a number", TAG),
    Endpoint(
        "GET",
        "/agents/{agent_id}/phone",
        get_agent_phone_,
        "Where an agent's calls ring",
        TAG,
        response=PHONE,
    ),
    Endpoint(
        "PATCH",
        "/agents/{agent_id}/phone",
        put_agent_phone_,
        "Set an agent's Twilio Client identity, phone number or PBX extension",
        TAG,
        response=PHONE,
        body=PHONE_PUT,
        conflicts=True,
    ),
    Endpoint(
        "GET",
        "/calls",
        list_calls_,
        "The call log, newest first (state=missed lists missed calls)",
        TAG,
        response=CALL_PAGE,
        paged=True,
        query=(
            Param(
                "state", Str(max_length=12, description="ringing, answered, completed, missed, abandoned…")
            ),
            Param("customer_id", Int(minimum=1)),
        ),
    ),
]
