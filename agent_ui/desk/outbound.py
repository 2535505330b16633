"""The desk's "New message" and "Log a contact": an agent writes first, or records a contact.

``POST /agent/outbound`` (JSON, the session's CSRF token in ``X-CSRF-Token``) finds
the customer by the phone number or email address the agent typed and starts the
conversation through :mod:`contact_center.outreach`; the new interaction reaches the
agent's desk like an accepted offer, over the bus (docs/outbound.md).
``POST /agent/contacts`` records a phone call, visit or letter that came through no
channel (docs/logged-contacts.md).
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
from repository.core.browse import list_customers
from repository.core.identity import normalise
from repository.core.logged_contacts import log_contact
from repository.core.models import LOGGED_CHANNELS, stored_id
from repository.core.serialize import interaction_dict
from repository.errors import InvalidInput, NotFound

if TYPE_CHECKING:
    from starlette.requests import Request

    from contact_center.context import AppContext
    from repository.core.models import Agent

_KIND = {"sms": "phone", "email": "email"}


def _text(body: dict[str, object], name: str, max_length: int, *, required: bool = True) -> str:
    value = body.get(name, "")
    if not isinstance(value, str) or len(value) > max_length or (required and not value.strip()):
        raise InvalidInput(_("Please fill in %(field)s.", field=name), field=name)
    return value.strip()


def outbound_routes(ctx: AppContext) -> list[Route]:
    async def signed(request: Request) -> tuple[Agent, dict[str, object]]:
        agent = await current_agent(ctx, request)
        if agent is None:
            raise HTTPException(401, _("Your session ended; sign in again."))
        expected = str(request.session.get("csrf", ""))
        if not expected or not hmac.compare_digest(request.headers.get("x-csrf-token", ""), expected):
            raise HTTPException(
                403, _("The form expired or came from another site; reload the page and try again.")
            )
        return agent, await read_json(request, max_bytes=64 * 1024)

    async def start(request: Request) -> Response:
        agent, body = await signed(request)
        channel = _text(body, "channel", 10)
        if channel not in _KIND:
            raise InvalidInput(_("Choose SMS or email."), field="channel")
        to = _text(body, "to", 320)
        kind = _KIND[channel]
        page = await ctx.hub.db.run(
            list_customers,
            email=to if kind == "email" else None,
            phone=to if kind == "phone" else None,
            limit=1,
        )
        if not page.rows:
            raise NotFound(_("No customer has %(address)s.", address=to[:80]), field="to")
        sent = await outreach_for(ctx).start(
            customer_id=stored_id(page.rows[0]),
            channel=channel,
            body=_text(body, "body", 20_000),
            subject=_text(body, "subject", 300, required=False),
            agent=agent,
        )
        return JSONResponse({"interaction_id": sent.interaction.id, "created": sent.created}, status_code=201)

    async def log(request: Request) -> Response:
        agent, body = await signed(request)
        channel = _text(body, "channel", 10)
        if channel not in LOGGED_CHANNELS:
            raise InvalidInput(_("Choose a phone call, a visit or a letter."), field="channel")
        who = _text(body, "customer", 320)
        kind = "email" if "@" in who else "phone"
        try:
            normalise(kind, who)
        except InvalidInput as exc:
            raise NotFound(_("No customer has %(address)s.", address=who[:80]), field="customer") from exc
        page = await ctx.hub.db.run(
            list_customers,
            email=who if kind == "email" else None,
            phone=who if kind == "phone" else None,
            limit=1,
        )
        if not page.rows:
            raise NotFound(_("No customer has %(address)s.", address=who[:80]), field="customer")
        interaction, _note = await ctx.hub.db.run(
            log_contact,
            customer_id=stored_id(page.rows[0]),
            channel=channel,
            category=_text(body, "category", 60),
            note=_text(body, "note", 20_000),
            agent_id=stored_id(agent),
        )
        # Persisted; now tell subscribers (supervisors, webhooks) like any new contact.
        await ctx.hub.publish(
            {"type": "interaction.updated", "interaction": interaction_dict(interaction), "created": True}
        )
        return JSONResponse({"interaction_id": interaction.id}, status_code=201)

    return [
        Route("/agent/outbound", start, methods=["POST"]),
        Route("/agent/contacts", log, methods=["POST"]),
    ]
