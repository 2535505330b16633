"""The desktop's search: session-authenticated JSON for agent-search.js.

``GET /agent/search`` takes the same parameters as ``GET /api/v1/search`` and runs the
same code; agents see internal notes (flagged ``internal``). ``GET
/agent/interactions/{id}/transcript`` is the read-only transcript a hit opens.
Neither is reachable by a customer: both need a signed-in agent.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from agent_ui.auth import current_agent
from contact_center.api.endpoint import parse_query
from contact_center.api.search import ENDPOINTS as SEARCH_ENDPOINTS
from contact_center.api.search import run_search
from contact_center.context import AppContext, Plugin
from contact_center.errors import error_body
from contact_center.i18n import _
from repository.core.models import Customer
from repository.core.queries import interaction_with_events
from repository.db import Database
from repository.errors import NotFound

_SEARCH = SEARCH_ENDPOINTS[0]
_MAX_ID = 2**31 - 1


def _signed_out() -> Response:
    return JSONResponse(error_body("unauthorized", _("Sign in again to search.")), status_code=401)


def transcript(db: Database, interaction_id: int) -> dict[str, Any]:
    """An interaction with every event, internal notes included, and who the customer is."""
    data = interaction_with_events(db, interaction_id, include_internal=True)
    if not data:
        raise NotFound("no such interaction", interaction_id=interaction_id)
    with db.read() as session:
        customer = session.get(Customer, data["customer_id"])
    data["customer"] = {
        "id": data["customer_id"],
        "display_name": customer.display_name if customer else "",
        "email": customer.email if customer else None,
        "phone": customer.phone if customer else None,
    }
    return data


def plugin(ctx: AppContext) -> Plugin:
    async def search(request: Request) -> Response:
        if await current_agent(ctx, request) is None:
            return _signed_out()
        # The API's own parameter checks: the same 400s for the same mistakes.
        query = parse_query(_SEARCH, request)
        return JSONResponse(await ctx.hub.db.run(run_search, query, include_notes=True))

    async def interaction_transcript(request: Request) -> Response:
        if await current_agent(ctx, request) is None:
            return _signed_out()
        raw = str(request.path_params.get("interaction_id", ""))
        if not raw.isascii() or not raw.isdigit() or not 0 < int(raw[:12]) <= _MAX_ID:
            raise NotFound("no such interaction", interaction_id=raw[:20])
        return JSONResponse(await ctx.hub.db.run(transcript, int(raw)))

    return Plugin(
        routes=[
            Route("/agent/search", search),
            Route("/agent/interactions/{interaction_id}/transcript", interaction_transcript),
        ]
    )
