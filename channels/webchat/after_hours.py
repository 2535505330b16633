"""The widget outside business hours: the hours it shows, and the message a visitor leaves.

``GET /channels/webchat/hours`` says whether the chat queue (the default queue, where chats
go) is open and, if not, when it is back and its week; the visitor socket refuses a new
chat while it is closed (``refuse_new_chat_when_closed``). ``POST /channels/webchat/messages``
takes ``{name, email, message}`` and stores it as a new *email* conversation on the first
active mailbox, so the agent's answer leaves through the email channel's own outbox and
the visitor's reply threads back by IMAP. See docs/business-hours.md.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlmodel import col, select
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from channels.webchat.limits import VisitorLimits, address_of
from contact_center.errors import error_body, localized
from repository.core.identity import normalise_email
from repository.core.ingest import InboundItem
from repository.core.models import Queue
from repository.directory.business_hours import QueueHours, describe, is_open
from repository.email.mailboxes import list_mailboxes
from repository.errors import Conflict, ContactCenterError, InvalidInput

if TYPE_CHECKING:
    from contact_center.context import AppContext
    from repository.db import Database

MAX_MESSAGE = 10000


def chat_calendar(db: Database) -> tuple[int | None, QueueHours | None]:
    """The queue a chat lands in (as ingest picks it) and its calendar."""
    with db.read() as session:
        queue = session.exec(select(Queue).order_by(col(Queue.is_default).desc(), col(Queue.id))).first()
        if queue is None or queue.id is None:
            return None, None
        return queue.id, session.get(QueueHours, queue.id)


def refuse_new_chat_when_closed(db: Database, at: datetime) -> None:
    """A new chat outside the chat queue's hours is refused, with when it opens again.

    The widget shows the after-hours form instead of the chat; this is the same rule for
    a client that opens a conversation over the websocket anyway (docs/protocol.md).
    """
    _queue_id, row = chat_calendar(db)
    open_, back = is_open(row, at)
    if not open_:
        raise Conflict(
            "We are closed right now, so a new chat cannot start. Leave a message instead"
            " and we will answer by email.",
            code="after_hours",
            next_open_at=back.isoformat() if back else None,
        )


def hours_body(row: QueueHours | None, at: datetime) -> dict[str, Any]:
    open_, back = is_open(row, at)
    return {
        "open": open_,
        "next_open_at": back.isoformat() if back else None,
        "time_zone": row.time_zone if row else "UTC",
        "week": describe(row.business_hours if row else {}),
        "holidays": [d for d in (row.holidays if row else []) if d >= at.date().isoformat()][:10],
    }


def _text(body: dict[str, Any], name: str, limit: int, *, required: bool) -> str:
    value = body.get(name, "")
    if not isinstance(value, str) or len(value) > limit or (required and not value.strip()):
        raise InvalidInput("%(name)s is text of bounded length", params={"name": name}, field=name)
    return value.strip()


def routes(
    ctx: AppContext, limits: VisitorLimits, cors_of: Callable[[Request], dict[str, str]]
) -> list[tuple[str, Any, list[str]]]:
    """``cors_of`` gives a request's CORS headers, {} for an origin that may not embed the chat."""
    hub = ctx.hub

    async def hours(request: Request) -> Response:
        _queue_id, row = await hub.db.run(chat_calendar)
        body = hours_body(row, datetime.now(UTC))
        return JSONResponse(body, headers={"Access-Control-Allow-Origin": "*", "Cache-Control": "no-store"})

    async def leave_message(request: Request) -> Response:
        # The same origin rule as uploads: only pages allowed to embed the chat may post.
        cors = cors_of(request)
        if request.headers.get("origin") and not cors:
            body = error_body("origin_not_allowed", "this origin may not embed the chat")
            return JSONResponse(body, status_code=403)
        if request.method == "OPTIONS":
            return Response(status_code=204, headers=cors)
        try:
            await limits.before_left_message(address_of(request))
            try:
                body = json.loads(await request.body())
            except ValueError:
                raise InvalidInput("body must be a JSON object") from None
            if not isinstance(body, dict):
                raise InvalidInput("body must be a JSON object")
            name = _text(body, "name", 120, required=False)
            email = normalise_email(_text(body, "email", 320, required=True))
            message = _text(body, "message", MAX_MESSAGE, required=True)
            queue_id, _row = await hub.db.run(chat_calendar)
            mailboxes = await hub.db.run(list_mailboxes, active_only=True)
            if not mailboxes:
                raise Conflict("no mailbox is configured to send email from", code="channel_unavailable")
            mailbox = mailboxes[0]
            # The visitor's own first line: no product wording in a subject they will see again.
            subject = message.splitlines()[0][:120]
            item = InboundItem(
                channel="email",
                identities=[("email", email)],
                # The mailbox in front, like every email thread, so the outbox knows who answers.
                thread_key=f"{mailbox.id}:left-{secrets.token_hex(12)}",
                body=message,
                display_name=name,
                subject=subject,
                queue_id=queue_id,
                payload={"from_address": email, "subject": subject, "left_message": True},
            )
            result = await hub.store(item)
        except ContactCenterError as exc:
            return JSONResponse(
                error_body(exc.code, localized(exc), **exc.details), status_code=exc.status_code, headers=cors
            )
        # Committed: the router may offer it now; the visitor gets the id to say it arrived.
        await hub.announce(result)
        return JSONResponse({"interaction_id": result.interaction.id}, status_code=201, headers=cors)

    return [
        ("/channels/webchat/hours", hours, ["GET"]),
        ("/channels/webchat/messages", leave_message, ["POST", "OPTIONS"]),
    ]
