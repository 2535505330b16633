"""What every HTTP request and response gets, whatever route it reaches.

``BodyLimit``: uvicorn reads any request body it is sent, and a route that calls
``request.body()`` or ``request.form()`` keeps all of it in memory, before any
signature or session check could refuse it. So a body over ``MAX_BODY_BYTES`` is
refused here: at once when its Content-Length says so, or as soon as a chunked body
grows past the limit. Visitor uploads get ``ATTACHMENT_MAX_BYTES`` plus room for
the multipart form around the file.

``SecurityHeaders``: no page of ours may be framed by another site (clickjacking
the admin forms or the desktop), and no response is content-sniffed. HTML pages (desk,
supervisor, reports, admin, login, the demo shop) also get a strict
Content-Security-Policy: scripts only from our own origin, never inline, so markup a
customer managed to smuggle into a page still cannot run. Styles may be inline (the
widget's shadow DOM and computed widths use them); nothing loads from other origins.

Both apply to HTTP only. For a websocket their ``__call__`` (a plain function) returns
the next layer's awaitable instead of awaiting it, so no frame of theirs stays alive for
the socket's whole life (10,000 idle widgets would keep 10,000 of each for the garbage
collector to walk).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from contact_center.errors import HTTPError, error_body, http_detail
from contact_center.i18n import N_

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from starlette.types import ASGIApp, Message, Receive, Scope, Send

UPLOAD_OVERHEAD = 64 * 1024
# The same sentence as read_json's 413 (contact_center/errors.py), so it is translated already.
TOO_LARGE = N_("body larger than %(max)s bytes")


class BodyTooLarge(HTTPError):
    """Raised from ``receive`` once a streamed body passes the limit: the app's 413 handler answers."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, TOO_LARGE, params={"max": limit})


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int, larger: dict[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        # Exact paths allowed a bigger body (the visitor upload). Such a route checks the
        # declared length itself, to answer with its own (CORS) headers; only the stream is capped here.
        self.larger = larger or {}

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[Any]:
        if scope["type"] != "http":
            return self.app(scope, receive, send)
        return self._limited(scope, receive, send)

    async def _limited(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self.larger.get(scope["path"], self.max_bytes)
        declared = _content_length(scope)
        if declared is not None and declared > limit and scope["path"] not in self.larger:
            await _too_large(send, limit)
            return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except BodyTooLarge:
            if not started:
                await _too_large(send, limit)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _too_large(send: Send, limit: int) -> None:
    body = json.dumps(error_body("body_too_large", http_detail(BodyTooLarge(limit)))).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


class SecurityHeaders:
    HEADERS = ((b"x-frame-options", b"DENY"), (b"x-content-type-options", b"nosniff"))
    CSP = (b"content-security-policy", CONTENT_SECURITY_POLICY.encode())

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[Any]:
        if scope["type"] != "http":
            return self.app(scope, receive, send)
        return self._with_headers(scope, receive, send)

    async def _with_headers(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.get("headers", [])
                present = {name.lower() for name, _value in headers}
                extra = [(name, value) for name, value in self.HEADERS if name not in present]
                html = any(n.lower() == b"content-type" and v.startswith(b"text/html") for n, v in headers)
                if html and self.CSP[0] not in present:
                    extra.append(self.CSP)
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, with_headers)
