"""Agents attach images and PDFs to a chat reply: the upload endpoint and the check a
reply's attachment tokens go through (docs/protocol.md, "Attachments"; docs/desk.md).

Files go into the same store as visitors' uploads (contact_center/attachments.py),
owned by ``agent:<id>``, so only the agent who uploaded a file may send it, and the
widget shows it with the same signed download link.
"""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING, Any

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from agent_ui.auth import current_agent, same_origin
from contact_center.attachments import AttachmentStore
from contact_center.errors import error_body, http_detail, localized
from contact_center.upload_form import read_single_upload
from contact_center.visitor_tokens import VisitorTokens
from repository.errors import ContactCenterError

if TYPE_CHECKING:
    from starlette.requests import Request

    from contact_center.context import AppContext

MAX_FILES_PER_REPLY = 5


def _store(ctx: AppContext) -> AttachmentStore:
    settings = ctx.settings
    return AttachmentStore(
        ctx.db,
        settings.attachment_dir,
        VisitorTokens(str(settings.secret_key)),
        settings.attachment_max_bytes,
    )


def owner_key(agent_id: int) -> str:
    return f"agent:{agent_id}"


async def describe(ctx: AppContext, agent_id: int, tokens: list[Any]) -> list[dict[str, Any]]:
    """The files behind a reply's attachment tokens; each must be this agent's upload."""
    store = _store(ctx)
    return [await store.describe(token, owner=owner_key(agent_id)) for token in tokens]


def desk_attachment_routes(ctx: AppContext) -> list[Route]:
    settings = ctx.settings
    store = _store(ctx)

    async def upload(request: Request) -> Response:
        agent = await current_agent(ctx, request)
        if agent is None or agent.id is None:
            return JSONResponse(error_body("unauthorized", "sign in first"), status_code=401)
        # A cross-site form could carry the cookie: the same origin and the page's CSRF token are required.
        sent = request.headers.get("x-csrf-token", "")
        expected = str(request.session.get("csrf", ""))
        if not same_origin(request) or not expected or not hmac.compare_digest(sent, expected):
            return JSONResponse(
                error_body("forbidden", "this request did not come from the desk"), status_code=403
            )
        try:
            name, data = await read_single_upload(request, settings.attachment_max_bytes)
            described = await store.save(owner_key(agent.id), name, data)
        except ContactCenterError as exc:
            return JSONResponse(
                error_body(exc.code, localized(exc), **exc.details), status_code=exc.status_code
            )
        except HTTPException as exc:
            code = "too_large" if exc.status_code == 413 else "bad_upload"
            return JSONResponse(error_body(code, http_detail(exc)), status_code=exc.status_code)
        return JSONResponse(described, status_code=201)

    return [Route("/agent/attachments", upload, methods=["POST"])]
