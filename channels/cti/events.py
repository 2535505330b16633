"""The CTI event format: parsed strictly, so a bad event is a 4xx that says what is wrong."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from repository.errors import InvalidInput

EVENT_TYPES = ("ringing", "answer", "hangup")
CAUSES = ("normal", "busy", "cancel", "no_answer", "congestion", "not_found", "forwarded")
# Used with fullmatch: "$" alone would also match before a trailing newline.
_TOKEN = re.compile(r"[A-Za-z0-9_.:@+*#-]{1,120}")


@dataclass(frozen=True)
class CtiEvent:
    id: str
    type: str
    call_id: str
    from_number: str = ""
    to_number: str = ""
    direction: str = "inbound"
    queue: str | None = None
    extension: str | None = None
    user: str | None = None
    cause: str = "normal"


def _text(data: dict[str, Any], name: str, *, required: bool = False, limit: int = 120) -> str | None:
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise InvalidInput("%(name)r is required", params={"name": name}, field=name)
        return None
    if not isinstance(value, str | int) or isinstance(value, bool) or len(str(value)) > limit:
        raise InvalidInput(
            "%(name)r must be a string of up to %(limit)s characters",
            params={"name": name, "limit": limit},
            field=name,
        )
    text = str(value)
    # PostgreSQL refuses NUL in text, and a lone surrogate cannot be encoded as UTF-8.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidInput("%(name)r is not valid Unicode text", params={"name": name}, field=name) from exc
    if not text.isprintable():  # NUL and other control characters
        raise InvalidInput("%(name)r must not contain control characters", params={"name": name}, field=name)
    return text


def parse_event(body: bytes) -> CtiEvent:
    try:
        data = json.loads(body)
    except RecursionError as exc:
        # json gives up on deep nesting with RecursionError, which is not a ValueError.
        raise InvalidInput("the body is nested too deeply", code="malformed_json") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput("the body is not JSON", code="malformed_json") from exc
    if not isinstance(data, dict):
        raise InvalidInput("an event is a JSON object")
    kind = data.get("type")
    if kind not in EVENT_TYPES:
        raise InvalidInput(
            "type must be one of %(choices)s", params={"choices": ", ".join(EVENT_TYPES)}, field="type"
        )
    event_id = _text(data, "id", required=True)
    call_id = _text(data, "call_id", required=True)
    for name, value in (("id", event_id), ("call_id", call_id)):
        if not _TOKEN.fullmatch(value or ""):
            raise InvalidInput(
                "%(name)r may hold letters, digits and _ . : @ + * # -", params={"name": name}, field=name
            )
    direction = data.get("direction", "inbound")
    if direction not in ("inbound", "outbound"):
        raise InvalidInput("direction is inbound or outbound", field="direction")
    cause = data.get("cause", "normal")
    if kind == "hangup" and cause not in CAUSES:
        raise InvalidInput(
            "cause must be one of %(choices)s", params={"choices": ", ".join(CAUSES)}, field="cause"
        )
    if kind == "ringing" and not _text(data, "from" if direction == "inbound" else "to"):
        raise InvalidInput("a ringing event names the customer's number", field="from")
    return CtiEvent(
        id=str(event_id),
        type=kind,
        call_id=str(call_id),
        from_number=_text(data, "from", limit=64) or "",
        to_number=_text(data, "to", limit=64) or "",
        direction=direction,
        queue=_text(data, "queue", limit=80),
        extension=_text(data, "extension", limit=40),
        user=_text(data, "user", limit=80),
        cause=str(cause) if kind == "hangup" else "normal",
    )
