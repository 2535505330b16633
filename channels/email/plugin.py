"""The email channel's adapter: the mailbox service (channel.py) and agents' attachment downloads."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from anyio import to_thread
from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from channels.base import ChannelKind
from channels.email import attachments
from channels.email.channel import EmailChannel
from channels.email.outreach import EmailStarter
from contact_center.context import AppContext
from contact_center.i18n import N_
from contact_center.outreach import OutboundChannel, outreach_for
from repository.directory.sessions import session_agent

if TYPE_CHECKING:
    from collections.abc import Sequence

    from starlette.requests import Request
    from starlette.routing import BaseRoute

    from repository.core.models import Event, Interaction

EMAIL = ChannelKind("email", N_("Email"), capacity=5, sends=True, files=True)
_MAX_ID = 2**31 - 1


class EmailAdapter:
    name = "email"
    kinds = (EMAIL,)

    def __init__(self, channel: EmailChannel, routes: Sequence[BaseRoute]) -> None:
        self.channel = channel
        self.routes = routes

    async def start(self) -> None:
        await self.channel.start()

    async def stop(self) -> None:
        await self.channel.stop()

    async def send(self, interaction: Interaction, event: Event) -> None:
        await self.channel.outbound.send_reply(interaction, event)

    async def check(self, interaction: Interaction) -> None:
        """Any reply may be mailed; a refusal by the server shows on the message's delivery status."""

    async def health(self) -> dict[str, Any] | None:
        return await self.channel.health_check()


def email_channel(ctx: AppContext) -> EmailChannel:
    """The running email service of an app (tests, benches and the admin pages reach it here)."""
    adapter = ctx.channels.adapter("email")
    if not isinstance(adapter, EmailAdapter):
        raise LookupError("the email adapter is not the email channel's")
    return adapter.channel


async def _signed_in(ctx: AppContext, request: Request) -> bool:
    return await ctx.hub.db.run(session_agent, dict(request.session)) is not None


def _first_bytes(path: Path) -> bytes:
    with path.open("rb") as file:
        return file.read(16)


def adapter(ctx: AppContext) -> EmailAdapter:
    channel = EmailChannel(ctx)
    # Agents and back-end systems may start email conversations (docs/outbound.md).
    outreach_for(ctx).register(
        "email",
        OutboundChannel(
            thread=EmailStarter(ctx).thread, send=channel.outbound.send_reply, needs_subject=True
        ),
    )

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

    return EmailAdapter(channel, [Route(attachments.URL_PREFIX + "{attachment_id}", download)])
