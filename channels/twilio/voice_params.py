"""What every Twilio voice webhook reads from a request: the CallSid, query ids, the dialled number.

Shared by the voice handlers (voice_incoming, voice_waiting, voice_agent_leg,
voice_recordings). A missing or oversized id is a 422 naming the field, never a 500.
See docs/twilio.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from contact_center.i18n import DEFAULT_LOCALE
from repository.core.identity import normalise_phone
from repository.errors import InvalidInput
from repository.telephony.config import get_number

if TYPE_CHECKING:
    from starlette.requests import Request

    from contact_center.hub import Hub
    from repository.telephony.models import PhoneNumber


def call_sid(params: dict[str, str], name: str = "CallSid") -> str:
    value = params.get(name, "")
    if not value or len(value) > 64:
        raise InvalidInput("%(name)s is missing", params={"name": name}, field=name)
    return value


def query_int(request: Request, name: str) -> int:
    raw = request.query_params.get(name, "")
    if not raw.isascii() or not raw.isdigit() or len(raw) > 12:
        raise InvalidInput("%(name)s is missing", params={"name": name}, field=name)
    return int(raw)


def whole_seconds(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def spoken(number: PhoneNumber | None) -> str:
    """The locale a number speaks in (its ``language``); English for a number not configured.

    Only what the caller hears follows it: texts stored in the CCR for agents do not.
    """
    return number.language if number is not None else DEFAULT_LOCALE


async def dialled_number(hub: Hub, params: dict[str, str]) -> PhoneNumber | None:
    """The configured number the caller dialled (the request's ``To``); None if unknown."""
    try:
        to = normalise_phone(params.get("To", ""))
    except InvalidInput:
        return None
    return await hub.db.run(get_number, to)
