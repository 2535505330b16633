"""The desk's "New message": an agent starts an SMS or email to a customer.

``POST /agent/outbound`` (JSON, the session's CSRF token in ``X-CSRF-Token``) finds
the customer by the phone number or email address the agent typed and starts the
conversation through :mod:`contact_center.outreach`; the new interaction reaches the
agent's desk like an accepted offer, over the bus. See docs/outbound.md.
"""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from agent_ui.auth import current_agent
from contact_center.errors import read_json
from contact_center.i18n import _
from contact_center.outreach import outreach_for
from repository.browse import list_customers
from repository.errors import InvalidInput, NotFound

if TYPE_CHECKING:
    from starlette.requests import Request

    from contact_center.context import AppContext

_KIND = {"sms": "phone", "email": "email"}


def _text(body: dict[str, object], name: str, max_length: int, *, required: bool = True) -> str:
    value = body.get(name, "")
    if not isinstance(value, str) or len(value) > max_length or (required and not value.strip()):
        raise InvalidInput(_("Please fill in %(field)s.", field=name), field=name)
    return value.strip()


def outbound_routes(ctx: AppContext) -> list[Route]:
    async def start(request: Request) -> Response:
        agent = await current_agent(ctx, request)
        if agent is None:
            raise HTTPException(401, _("Your session ended; sign in again."))
        expected = str(request.session.get("csrf", ""))
        if not expected or not hmac.compare_digest(request.headers.get("x-csrf-token", ""), expected):
            raise HTTPException(
                403, _("The form expired or came from another site; reload the page and try again.")
            )
        body = await read_json(request, max_bytes=64 * 1024)
        channel = _text(body, "channel", 10)
        if channel not in _KIND:
            raise InvalidInput(_("Choose SMS or email."), field="channel")
        to = _text(body, "to", 320)
        kind = _KIND[channel]
        page = await ctx.hub.run_db(list_customers, **{kind: to}, limit=1)
        if not page.rows:
            raise NotFound(_("No customer has %(address)s.", address=to[:80]), field="to")
        sent = await outreach_for(ctx).start(
            customer_id=page.rows[0].id,
            channel=channel,
            body=_text(body, "body", 20_000),
            subject=_text(body, "subject", 300, required=False),
            agent=agent,
        )
        return JSONResponse({"interaction_id": sent.interaction.id, "created": sent.created}, status_code=201)

    return [Route("/agent/outbound", start, methods=["POST"])]
