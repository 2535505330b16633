"""Websockets go from the last middleware straight to their session, past Starlette's router.

An open websocket keeps every coroutine that called its handler alive for as long as it
is connected. Through Starlette's exception layer, router, route and ``websocket_session``
that was 10 coroutines, 14 closure cells and 5 functions per idle widget, about a quarter
of the objects the garbage collector walks for each one (bench/README.md, fanout.py):
with 10,000 widgets open, a full collection stops the event loop for most of a second.

So this, the innermost middleware, looks a websocket's path up in the app's own
``WebSocketRoute`` table (fixed paths only) and returns the endpoint's coroutine without
awaiting it. The layers outside it (trusted proxies, session, locale) have done their
work by then. What the skipped layers did for a websocket is kept where it matters: a
handler's uncaught exception still reaches uvicorn, which logs it and closes with 1011;
routes with path parameters, and everything that is not a websocket, take the normal path.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from starlette.routing import BaseRoute, WebSocketRoute
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket

Endpoint = Callable[[WebSocket], Awaitable[None]]


class SocketLane:
    def __init__(self, app: ASGIApp, routes: Iterable[BaseRoute]) -> None:
        self.app = app
        self.lanes: dict[str, Endpoint] = {
            route.path: route.endpoint
            for route in routes
            if isinstance(route, WebSocketRoute)
            and not route.param_convertors
            and _is_function(route.endpoint)
        }

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[Any]:
        if scope["type"] == "websocket":
            endpoint = self.lanes.get(_route_path(scope))
            if endpoint is not None:
                scope["endpoint"] = endpoint
                return endpoint(WebSocket(scope, receive=receive, send=send))
        return self.app(scope, receive, send)


def _route_path(scope: Scope) -> str:
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


def _is_function(endpoint: Any) -> bool:
    # Starlette's own test (WebSocketRoute): functions and methods get a WebSocket; anything
    # else (a WebSocketEndpoint class, an ASGI app) is called as an ASGI app.
    while isinstance(endpoint, functools.partial):
        endpoint = endpoint.func
    return inspect.isfunction(endpoint) or inspect.ismethod(endpoint)
