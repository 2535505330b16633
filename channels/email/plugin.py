"""Email routes and lifecycle: the channel service and agents' attachment downloads."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from anyio import to_thread
from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from channels.email import attachments
from channels.email.channel import EmailChannel
from channels.email.outreach import EmailStarter
from contact_center.context import AppContext, Plugin
from contact_center.outreach import OutboundChannel, outreach_for
from repository.sessions import session_agent

if TYPE_CHECKING:
    from starlette.requests import Request

_MAX_ID = 2**31 - 1


async def _signed_in(ctx: AppContext, request: Request) -> bool:
    return await ctx.hub.db.run(session_agent, dict(request.session)) is not None


def _first_bytes(path: Path) -> bytes:
    with path.open("rb") as file:
        return file.read(16)


def plugin(ctx: AppContext) -> Plugin:
    channel = EmailChannel(ctx)
    ctx.hub.register_outbound("email", channel.outbound.send_reply)
    # Agents and back-end systems may start email conversations (docs/outbound.md).
    outreach_for(ctx).register(
        "email",
        OutboundChannel(
            thread=EmailStarter(ctx).thread, send=channel.outbound.send_reply, needs_subject=True
        ),
    )
    ctx.health_checks["email"] = channel.health_check

    async def download(request: Request) -> Response:
        if not await _signed_in(ctx, request):
            raise HTTPException(401, "sign in to download attachments")
        raw = str(request.path_params["attachment_id"])
        if not raw.isascii() or not raw.isdigit() or not 0 < int(raw[:12]) <= _MAX_ID:
            raise HTTPException(404, "no such attachment")
        row = await to_thread.run_sync(attachments.load, ctx.db, int(raw))
        if row is None:
            raise HTTPException(404, "no such attachment")
        path = Path(row.storage_path)
        if not await to_thread.run_sync(path.exists):
            raise HTTPException(404, "the file is gone")
        head = await to_thread.run_sync(_first_bytes, path)
        image = attachments.sniff_image(head)
        return FileResponse(
            path,
            media_type=image or "application/octet-stream",
            filename=row.filename,
            content_disposition_type="inline" if image else "attachment",
            headers={
                "X-Content-Type-Options": "nosniff",
                "Content-Security-Policy": "default-src 'none'; sandbox",
                "Cache-Control": "private, max-age=3600",
            },
        )

    plugin_ = Plugin(
        routes=[Route(attachments.URL_PREFIX + "{attachment_id}", download)],
        on_startup=[channel.start],
        on_shutdown=[channel.stop],
    )
    plugin_.channel = channel  # type: ignore[attr-defined]
    return plugin_
