"""The desk's "Wait for customer", "Snooze" and "Resume" on the conversation in view.

JSON under ``/agent/…`` for the signed-in agent, who must hold the conversation; changes
carry the session's CSRF token in ``X-CSRF-Token``. See docs/pending.md.
"""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING, Any

from sqlmodel import col
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from agent_ui.auth import current_agent
from contact_center.errors import read_json
from contact_center.i18n import _
from repository.commerce.inputs import parse_time
from repository.core import pending
from repository.core.models import Interaction
from repository.core.serialize import interaction_dict
from repository.errors import Conflict, InvalidInput

if TYPE_CHECKING:
    from starlette.requests import Request

    from contact_center.context import AppContext

_MAX_ID = 2**31 - 1


def _waiting(db: Any, ids: list[int]) -> list[int]:
    from sqlmodel import select

    with db.read() as session:
        return list(
            session.exec(
                select(Interaction.id).where(
                    col(Interaction.id).in_(ids),
                    Interaction.pending_reason != None,  # noqa: E711
                )
            ).all()
        )


def desk_pending_routes(ctx: AppContext) -> list[Route]:
    async def signed_in(request: Request) -> tuple[int, int, dict[str, Any]]:
        agent = await current_agent(ctx, request)
        if agent is None:
            raise HTTPException(401, _("Your session ended; sign in again."))
        expected = str(request.session.get("csrf", ""))
        if not expected or not hmac.compare_digest(request.headers.get("x-csrf-token", ""), expected):
            raise HTTPException(
                403, _("The form expired or came from another site; reload the page and try again.")
            )
        raw = str(request.path_params.get("interaction_id", ""))
        if not raw.isascii() or not raw.isdigit() or not 0 < int(raw[:12]) <= _MAX_ID:
            raise HTTPException(404, _("No such conversation."))
        return agent.id, int(raw), await read_json(request, max_bytes=4096)  # type: ignore[return-value]

    async def publish(interaction: Interaction, reason: str) -> Response:
        data = interaction_dict(interaction)
        await ctx.hub.publish({"type": "interaction.updated", "interaction": data, "reason": reason})
        return JSONResponse(data)

    async def aside(request: Request) -> Response:
        agent_id, iid, body = await signed_in(request)
        raw = body.get("until")
        if raw is not None and not isinstance(raw, str):
            raise InvalidInput(_("Choose when the conversation comes back."), field="until")
        until = parse_time(raw, "until", None) if raw else None
        interaction = await ctx.hub.db.run(pending.set_aside, iid, agent_id, until)
        return await publish(interaction, "snoozed" if until else "pending")

    async def resume(request: Request) -> Response:
        agent_id, iid, _body = await signed_in(request)
        interaction = await ctx.hub.db.run(pending.resume, iid, agent_id)
        if interaction is None:
            raise Conflict("this conversation is not set aside", code="not_pending")
        return await publish(interaction, "resumed")

    async def waiting(request: Request) -> Response:
        if await current_agent(ctx, request) is None:
            raise HTTPException(401, _("Your session ended; sign in again."))
        raw = [p for p in request.query_params.get("ids", "").split(",") if p]
        if len(raw) > 200 or not all(p.isdigit() and len(p) <= 10 for p in raw):
            raise InvalidInput(_("ids are up to 200 interaction ids, comma-separated."), field="ids")
        return JSONResponse({"waiting": await ctx.hub.db.run(_waiting, [int(p) for p in raw])})

    return [
        Route("/agent/pending", waiting),
        Route("/agent/interactions/{interaction_id}/pending", aside, methods=["POST"]),
        Route("/agent/interactions/{interaction_id}/resume", resume, methods=["POST"]),
    ]
