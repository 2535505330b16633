"""The desk's customer merge: see likely duplicates of the customer in view, merge, undo.

JSON under ``/agent/…`` for the signed-in agent; changes carry the session's CSRF token
in ``X-CSRF-Token``. Merging and undoing need the supervisor or admin role (a merge
rewrites two customers' records); an agent gets 403 and the desk does not show them the
merge row. Every merge and undo is audited with the agent's name
(``repository/crm/merge.py``). See docs/merge.md.
"""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING, Any

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from agent_ui.auth import ROLE_RANK, current_agent
from agent_ui.desk.labels import path_id
from contact_center.errors import read_json
from contact_center.i18n import _
from repository.crm import merge, merge_suggestions
from repository.errors import Forbidden, InvalidInput

if TYPE_CHECKING:
    from starlette.requests import Request

    from contact_center.context import AppContext
    from repository.core.models import Agent


def may_merge(agent: Agent) -> bool:
    """Supervisors and admins merge customers (and undo merges); agents do not."""
    return ROLE_RANK.get(agent.role, -1) >= ROLE_RANK["supervisor"]


def desk_merge_routes(ctx: AppContext) -> list[Route]:
    async def signed_in(request: Request, *, change: bool = False) -> tuple[Agent, dict[str, Any]]:
        agent = await current_agent(ctx, request)
        if agent is None:
            raise HTTPException(401, _("Your session ended; sign in again."))
        if not change:
            return agent, {}
        if not may_merge(agent):
            raise Forbidden("merging customers needs the supervisor or admin role")
        expected = str(request.session.get("csrf", ""))
        if not expected or not hmac.compare_digest(request.headers.get("x-csrf-token", ""), expected):
            raise HTTPException(
                403, _("The form expired or came from another site; reload the page and try again.")
            )
        return agent, await read_json(request, max_bytes=4096)

    async def duplicates(request: Request) -> Response:
        await signed_in(request)
        cid = path_id(request, "customer_id")
        return JSONResponse({"data": await ctx.hub.db.run(merge_suggestions.suggest_merges, cid)})

    async def merge_into(request: Request) -> Response:
        agent, body = await signed_in(request, change=True)
        other = body.get("merge_id")
        if isinstance(other, bool) or not isinstance(other, int):
            raise InvalidInput(_("Choose the customer to merge."), field="merge_id")
        row = await ctx.hub.db.run(
            merge.merge_customers,
            path_id(request, "customer_id"),
            other,
            actor=agent.display_name,
            actor_type="agent",
        )
        return JSONResponse(merge.merge_dict(row))

    async def undo(request: Request) -> Response:
        agent, _body = await signed_in(request, change=True)
        row = await ctx.hub.db.run(
            merge.undo_merge, path_id(request, "merge_id"), actor=agent.display_name, actor_type="agent"
        )
        return JSONResponse(merge.merge_dict(row))

    return [
        Route("/agent/customers/{customer_id}/duplicates", duplicates),
        Route("/agent/customers/{customer_id}/merge", merge_into, methods=["POST"]),
        Route("/agent/merges/{merge_id}/undo", undo, methods=["POST"]),
    ]
