"""Signed-cookie sessions (``cc_session``): Starlette's, with a lighter websocket path.

An HTTP request goes through Starlette's ``SessionMiddleware`` unchanged (it may set or
clear the cookie on the response). A websocket has no response to carry a cookie, so it
only needs its session read: that is done here, and the next layer's awaitable is
returned rather than awaited, so no frame of this layer stays alive for the socket's
whole life (10,000 idle widgets would otherwise keep 10,000 of them, with their
closures, for the garbage collector to walk). The desk's and the supervisor's sockets
read ``scope["session"]`` exactly as before.
"""

from __future__ import annotations

import json
from base64 import b64decode
from typing import TYPE_CHECKING, Any

from itsdangerous.exc import BadSignature
from starlette.middleware.sessions import Session, SessionMiddleware
from starlette.requests import HTTPConnection

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from starlette.types import Receive, Scope, Send


class Sessions(SessionMiddleware):
    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[Any]:  # type: ignore[override]
        if scope["type"] != "websocket":
            return super().__call__(scope, receive, send)
        scope["session"] = self.websocket_session(scope)
        return self.app(scope, receive, send)

    def websocket_session(self, scope: Scope) -> Session:
        """The session the cookie carries; empty when there is none, or it is forged or expired."""
        cookie = HTTPConnection(scope).cookies.get(self.session_cookie)
        if cookie is None:
            return Session()
        try:
            return Session(
                json.loads(b64decode(self.signer.unsign(cookie.encode("utf-8"), max_age=self.max_age)))
            )
        except BadSignature:
            return Session()
