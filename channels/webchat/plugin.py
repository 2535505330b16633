"""The web chat channel: the embeddable widget, the visitor websocket, uploads, the demo page.

The simplest adapter (the worked example in docs/channels.md): visitors' messages
arrive on its websocket, and agents' replies reach them over the bus, so there is
nothing to send, check or watch.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from anyio import to_thread
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.templating import Jinja2Templates
from starlette.websockets import WebSocket

from channels.base import ChannelKind
from channels.webchat.after_hours import routes as after_hours_routes
from channels.webchat.limits import VisitorLimits
from channels.webchat.socket import VisitorSession
from channels.webchat.widget_bundle import widget_bundle
from contact_center.attachments import AttachmentStore
from contact_center.context import AppContext
from contact_center.errors import error_body, http_detail, localized
from contact_center.i18n import N_
from contact_center.i18n.jinja import install as install_i18n
from contact_center.upload_form import read_single_upload
from contact_center.visitor_tokens import VisitorTokens
from repository.errors import ContactCenterError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from starlette.routing import BaseRoute

    from config import Settings
    from repository.core.models import Event, Interaction

CHAT = ChannelKind("chat", N_("Chat"), capacity=3, files=True)

# The demo shop page is a template so it speaks the visitor's language too.
TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
install_i18n(TEMPLATES.env)


def _own_origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.headers.get('host', '')}"


def _cors_headers(settings: Settings, request: Request) -> dict[str, str]:
    origin = request.headers.get("origin")
    if not origin or not settings.origin_allowed(origin, _own_origin(request)):
        return {}
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Headers": "X-Visitor-Token, Content-Type",
        "Access-Control-Allow-Methods": "POST, OPTIONS",
        "Access-Control-Max-Age": "600",
        "Vary": "Origin",
    }


class WebchatAdapter:
    name = "webchat"
    kinds = (CHAT,)

    def __init__(self, routes: Sequence[BaseRoute]) -> None:
        self.routes = routes

    async def start(self) -> None:
        """Nothing runs between visits: each visitor's socket is its own task."""

    async def stop(self) -> None:
        """Open sockets close with the server."""

    async def send(self, interaction: Interaction, event: Event) -> None:
        """Not called: CHAT does not set ``sends``; the visitor's socket gets the reply from the bus."""

    async def check(self, interaction: Interaction) -> None:
        """Any reply may go to a chat."""

    async def health(self) -> dict[str, Any] | None:
        return None  # no connection of its own to lose: the node's database and bus checks cover it


def adapter(ctx: AppContext) -> WebchatAdapter:
    settings = ctx.settings
    tokens = VisitorTokens(str(settings.secret_key))
    files = AttachmentStore(ctx.db, settings.attachment_dir, tokens, settings.attachment_max_bytes)
    limits = VisitorLimits(settings)

    async def visitor_ws(ws: WebSocket) -> None:
        async with limits.socket(ws) as admitted:
            if admitted:
                await limits.wrap(VisitorSession(ws, ctx, tokens, files)).run()

    async def widget_js(request: Request) -> Response:
        # One script from static/widget/*.js; a browser revalidating after max-age gets a 304.
        bundle = await to_thread.run_sync(widget_bundle)
        headers = {
            "Cache-Control": "public, max-age=300",
            "Access-Control-Allow-Origin": "*",
            "ETag": bundle.etag,
        }
        if bundle.matches(request.headers.get("if-none-match")):
            return Response(status_code=304, headers=headers)
        return Response(bundle.body, media_type="application/javascript; charset=utf-8", headers=headers)

    async def demo(request: Request) -> Response:
        return TEMPLATES.TemplateResponse(request, "demo.html", {})

    async def upload(request: Request) -> Response:
        cors = _cors_headers(settings, request)
        if request.headers.get("origin") and not cors:
            body = error_body("origin_not_allowed", "this origin may not embed the chat")
            return JSONResponse(body, status_code=403)
        if request.method == "OPTIONS":
            return Response(status_code=204, headers=cors)
        try:
            visitor_id = tokens.verify(request.headers.get("x-visitor-token", ""))
            await limits.before_upload(visitor_id)
            name, data = await read_single_upload(request, settings.attachment_max_bytes)
            described = await files.save(visitor_id, name, data)
        except ContactCenterError as exc:
            return JSONResponse(
                error_body(exc.code, localized(exc), **exc.details), status_code=exc.status_code, headers=cors
            )
        except HTTPException as exc:
            code = "too_large" if exc.status_code == 413 else "bad_upload"
            return JSONResponse(error_body(code, http_detail(exc)), status_code=exc.status_code, headers=cors)
        return JSONResponse(described, status_code=201, headers=cors)

    async def download(request: Request) -> Response:
        row = await files.load(request.path_params["token"])
        path = Path(row.storage_path)
        if not await to_thread.run_sync(path.exists):
            raise HTTPException(404, "the file is gone")
        inline = row.content_type.startswith("image/")
        return FileResponse(
            path,
            media_type=row.content_type,
            filename=row.filename,
            content_disposition_type="inline" if inline else "attachment",
            headers={
                "X-Content-Type-Options": "nosniff",
                "Content-Security-Policy": "default-src 'none'; sandbox",
                "Cache-Control": "private, max-age=3600",
            },
        )

    return WebchatAdapter(
        [
            WebSocketRoute("/channels/webchat/ws", visitor_ws),
            Route("/widget.js", widget_js),
            Route("/demo", demo),
            Route("/channels/webchat/attachments", upload, methods=["POST", "OPTIONS"]),
            Route("/channels/webchat/attachments/{token}", download),
            # Outside business hours: the hours, and a message left for an email answer.
            *(
                Route(path, fn, methods=methods)
                for path, fn, methods in after_hours_routes(ctx, limits, lambda r: _cors_headers(settings, r))
            ),
        ]
    )
