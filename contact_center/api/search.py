"""Search the CCR: ``GET /api/v1/search`` — messages and notes by keyword, or customers.

API keys belong to trusted back-office systems, which already read internal notes
through ``/interactions/{id}/events``; so search returns notes too, flagged
``internal: true``. The agent desktop uses the same parameters and the same code
(agent_ui/desk/search.py). Details: docs/search.md.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from contact_center.api.endpoint import Call, Endpoint, Param
from contact_center.api.interactions import STATUSES
from contact_center.api.schema_collections import ListOf
from contact_center.api.schema_objects import Obj
from contact_center.api.schema_scalars import Bool, Int, Num, Str
from repository.core.models import ALL_CHANNELS
from repository.crm.label_filters import require_label
from repository.errors import InvalidInput
from repository.search.query import MAX_LIMIT, MAX_OFFSET, Filters, Results, search_customers, search_messages

assert MAX_OFFSET == 1_000, "the cursor pattern below spells the largest offset out"

KINDS = ("messages", "customers")
_ID = Int(minimum=1)

PARAMS = (
    Param(
        "q",
        Str(min_length=1, max_length=200, description="words in any language; operators are plain text"),
        required=True,
    ),
    Param("type", Str(choices=KINDS, description="messages (default) or customers")),
    Param("channel", Str(choices=ALL_CHANNELS)),
    Param("queue_id", _ID),
    Param("agent_id", _ID),
    Param("status", Str(choices=STATUSES, description="the interaction's status")),
    Param(
        "label_id",
        Int(
            minimum=1,
            description="messages of conversations carrying the label (on the conversation or its"
            " customer); customers carrying it",
        ),
    ),
    Param("from", Str(fmt="date-time", max_length=40, description="messages at or after (ISO 8601)")),
    Param("to", Str(fmt="date-time", max_length=40, description="messages before (ISO 8601)")),
    Param(
        "cursor",
        Str(
            max_length=12,
            # An offset of 0 to MAX_OFFSET (1,000): only the first thousand hits are paged.
            pattern="^0*(?:[0-9]{1,3}|1000)$",
            pattern_reason="search results can be paged through the first 1,000 hits only",
            description="the next_cursor of the previous page",
        ),
    ),
    Param("limit", Int(minimum=1, maximum=MAX_LIMIT, description="page size, default 20")),
)

CUSTOMER_BRIEF = Obj(
    name="CustomerBrief",
    fields={
        "id": _ID,
        "display_name": Str(max_length=200),
        "email": Str(max_length=320, nullable=True),
        "phone": Str(max_length=32, nullable=True),
    },
    required=("id", "display_name"),
)
SEARCH_HIT = Obj(
    name="SearchHit",
    description="a message or note (type=messages) or a customer (type=customers)",
    fields={
        "customer": CUSTOMER_BRIEF,
        "score": Num(minimum=0, description="higher is a better match; compare within one search only"),
        "snippet": Str(max_length=400, description="plain text around the first match"),
        "snippet_html": Str(
            max_length=4000,
            description="the snippet HTML-escaped, matches wrapped in <mark>; safe as innerHTML",
        ),
        "highlights": ListOf(
            item=ListOf(item=Int(minimum=0), max_items=2),
            max_items=400,
            description="[start, end) of each match in snippet, in Unicode code points",
        ),
        "event_id": _ID,
        "interaction_id": _ID,
        "kind": Str(max_length=20, description="message or note"),
        "internal": Bool(description="an agents-only note"),
        "channel": Str(choices=ALL_CHANNELS),
        "author_type": Str(max_length=10),
        "author_name": Str(max_length=200),
        "created_at": Str(fmt="date-time", max_length=40),
        "interaction_status": Str(choices=STATUSES),
        "queue_id": Int(minimum=1, nullable=True),
        "agent_id": Int(minimum=1, nullable=True),
        "subject": Str(max_length=300),
    },
    required=("customer", "score", "snippet", "snippet_html", "highlights"),
)
SEARCH_PAGE = Obj(
    name="SearchPage",
    fields={
        "data": ListOf(item=SEARCH_HIT, max_items=MAX_LIMIT),
        "next_cursor": Str(max_length=12, nullable=True, description="pass as ?cursor= for the next page"),
    },
    required=("data", "next_cursor"),
)


def _when(raw: str | None, name: str) -> datetime | None:
    if raw is None:
        return None
    try:
        value = datetime.fromisoformat(raw.strip())
    except ValueError as exc:
        raise InvalidInput(
            "%(name)s must be an ISO 8601 date or date-time", params={"name": name}, field=name
        ) from exc
    # A date or time without a zone is taken as UTC.
    return value if value.utcoffset() is not None else value.replace(tzinfo=UTC)


def _offset(cursor: str | None) -> int:
    if cursor is None:
        return 0
    if not cursor.isascii() or not cursor.isdigit():
        raise InvalidInput("cursor is not one this API returned", field="cursor")
    return int(cursor)


def run_search(db: Any, query: dict[str, Any], *, include_notes: bool) -> dict[str, Any]:
    """The search described by checked query parameters, as a page of hits (runs in a worker thread)."""
    text = query.get("q")
    if text is None:
        raise InvalidInput("q is required: the words to search for", field="q")
    offset, limit = _offset(query.get("cursor")), query.get("limit") or 20
    label_id = query.get("label_id")
    if label_id is not None:
        require_label(db, label_id)
    results: Results
    if query.get("type", "messages") == "customers":
        results = search_customers(db, text, label_id=label_id, offset=offset, limit=limit)
    else:
        filters = Filters(
            channel=query.get("channel"),
            queue_id=query.get("queue_id"),
            agent_id=query.get("agent_id"),
            status=query.get("status"),
            since=_when(query.get("from"), "from"),
            until=_when(query.get("to"), "to"),
            label_id=label_id,
        )
        results = search_messages(
            db, text, filters=filters, include_notes=include_notes, offset=offset, limit=limit
        )
    return {
        "data": results.hits,
        "next_cursor": str(results.next_offset) if results.next_offset is not None else None,
    }


async def search_(call: Call) -> Any:
    return await call.db(run_search, call.query, include_notes=True)


ENDPOINTS = [
    Endpoint(
        "GET",
        "/search",
        search_,
        "Search messages and notes by keyword (any language, CJK included), or customers by name, email or phone",
        "search",
        response=SEARCH_PAGE,
        query=PARAMS,
    ),
]
