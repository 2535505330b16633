"""A websocket passes the HTTP-only layers without keeping a frame of theirs alive (issue 12).

Each idle widget socket used to keep one coroutine frame per middleware layer (and its
closures) for its whole life. The layers that do nothing for a websocket, or only set
something up front (the session, the locale, the peer address), now hand back the next
layer's awaitable instead of awaiting it. The session a websocket sees is still the
signed cookie's, and a forged or expired cookie still gives an empty one.
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from contact_center.admin_audit import AdminAudit
from contact_center.http_guards import BodyLimit, SecurityHeaders
from contact_center.i18n import LocaleMiddleware
from contact_center.i18n.translate import locale_state
from contact_center.serving import TrustedProxies
from contact_center.sessions import Sessions
from contact_center.socket_lane import SocketLane

ROOT = Path(__file__).resolve().parents[2]
SCOPE: dict[str, Any] = {"type": "websocket", "path": "/ws", "headers": [], "client": ("10.0.0.1", 5000)}


class Inner:
    """An ASGI app whose call returns a marker, so we can see who awaits it."""

    marker = object()

    def __call__(self, scope: Any, receive: Any, send: Any) -> Any:
        return self.marker


async def nothing() -> Any:
    return None


@pytest.mark.parametrize(
    "layer",
    [
        lambda app: SecurityHeaders(app),
        lambda app: BodyLimit(app, max_bytes=10),
        lambda app: AdminAudit(app, ctx=None),  # type: ignore[arg-type]
        lambda app: LocaleMiddleware(app),
        lambda app: Sessions(app, secret_key="k", session_cookie="cc_session"),
    ],
    ids=["security-headers", "body-limit", "admin-audit", "locale", "sessions"],
)
def test_a_websocket_gets_the_next_layer_s_awaitable_itself(layer: Any) -> None:
    inner = Inner()
    assert layer(inner)(dict(SCOPE), nothing, nothing) is Inner.marker


def test_trusted_proxies_hands_a_websocket_straight_to_the_forwarded_header_check() -> None:
    scope = dict(SCOPE)
    step = TrustedProxies(Inner(), trusted=())(scope, nothing, nothing)
    assert step.cr_code.co_qualname == "ProxyHeadersMiddleware.__call__"  # type: ignore[attr-defined]
    step.close()  # type: ignore[attr-defined]
    assert scope["cc.peer"] == "10.0.0.1"


def session_app(max_age: int = 3600) -> Starlette:
    async def sign_in(request: Request) -> PlainTextResponse:
        request.session["agent_id"] = 7
        return PlainTextResponse("ok")

    async def echo(ws: WebSocket) -> None:
        await ws.accept()
        await ws.send_json({"session": dict(ws.session), "locale": locale_state.get().locale})
        await ws.close()

    return Starlette(
        routes=[Route("/sign-in", sign_in), WebSocketRoute("/ws", echo)],
        middleware=[
            Middleware(Sessions, secret_key="secret", session_cookie="cc_session", max_age=max_age),
            Middleware(LocaleMiddleware),
        ],
    )


async def sign_in(app: Starlette) -> str:
    """The ``cc_session`` cookie the HTTP path sets."""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "/sign-in", "headers": [], "query_string": b""}
    await app(scope, receive, send)
    cookie = dict(sent[0]["headers"])[b"set-cookie"].decode()
    return cookie.split(";")[0]


async def websocket_sees(app: Starlette, cookie: str = "", language: str = "") -> dict[str, Any]:
    """What the echo socket reports, connecting with these headers."""
    sent: list[dict[str, Any]] = []
    incoming = [{"type": "websocket.connect"}]

    async def receive() -> dict[str, Any]:
        return incoming.pop(0) if incoming else {"type": "websocket.disconnect", "code": 1000}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    headers = [(b"cookie", cookie.encode()), (b"accept-language", language.encode())]
    scope = {"type": "websocket", "path": "/ws", "headers": headers, "query_string": b"", "subprotocols": []}
    await app(scope, receive, send)
    return dict(json.loads(next(m["text"] for m in sent if m["type"] == "websocket.send")))


async def test_a_websocket_reads_the_session_the_cookie_signs() -> None:
    app = session_app()
    seen = await websocket_sees(app, await sign_in(app), "zh-TW")
    assert seen["session"] == {"agent_id": 7}
    assert seen["locale"] == "zh_Hant"
    assert (await websocket_sees(app))["session"] == {}


async def test_a_forged_or_expired_session_cookie_gives_a_websocket_no_session() -> None:
    app = session_app()
    name, _, value = (await sign_in(app)).partition("=")
    payload, stamp, _signature = value.rsplit(".", 2)
    forged = f"{name}={payload}.{stamp}.AAAAAAAAAAAAAAAAAAAAAAAAAAA"
    assert (await websocket_sees(app, forged))["session"] == {}
    short = session_app(max_age=1)
    cookie = await sign_in(short)
    time.sleep(2.1)  # itsdangerous timestamps are whole seconds
    assert (await websocket_sees(short, cookie))["session"] == {}


def test_the_server_freezes_what_start_up_left_alive() -> None:
    probe = (
        "import asyncio, gc\n"
        "import uvicorn\n"
        "from contact_center.serving import FreezingServer\n"
        "async def app(scope, receive, send): pass\n"
        "async def main():\n"
        "    config = uvicorn.Config(app, host='127.0.0.1', port=0, lifespan='off', log_level='warning')\n"
        "    server = FreezingServer(config)\n"
        "    before = gc.get_freeze_count()\n"
        "    serving = asyncio.create_task(server.serve())\n"
        "    while not server.started:\n"
        "        await asyncio.sleep(0.01)\n"
        "    print(before, gc.get_freeze_count())\n"
        "    server.should_exit = True\n"
        "    await serving\n"
        "asyncio.run(main())\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60)
    before, after = map(int, out.stdout.split())
    assert before == 0 and after > 10_000, out.stderr
    assert gc.get_freeze_count() == 0  # and the test process itself froze nothing


def lane_app() -> tuple[SocketLane, list[str]]:
    calls: list[str] = []

    async def fixed(ws: WebSocket) -> None:
        calls.append("fixed")

    async def with_param(ws: WebSocket) -> None:
        calls.append(ws.path_params["room"])

    router = Inner()
    routes = [
        WebSocketRoute("/fixed", fixed),
        WebSocketRoute("/rooms/{room}", with_param),
        Route("/page", fixed),
    ]
    return SocketLane(router, routes), calls  # type: ignore[arg-type]


async def test_a_websocket_on_a_fixed_path_goes_straight_to_its_endpoint() -> None:
    lane, calls = lane_app()
    step = lane({**SCOPE, "path": "/fixed", "app": None}, nothing, nothing)
    # The endpoint's own coroutine: no router, route or exception layer in between.
    assert step.cr_code.co_name == "fixed"  # type: ignore[attr-defined]
    await step
    assert calls == ["fixed"]


@pytest.mark.parametrize(
    "scope",
    [
        {**SCOPE, "path": "/rooms/blue"},  # path parameters: the router parses them
        {**SCOPE, "path": "/nowhere"},  # unknown: the router answers it
        {**SCOPE, "type": "http", "path": "/fixed"},  # not a websocket
    ],
    ids=["path-params", "unknown-path", "http"],
)
def test_everything_else_takes_the_router(scope: dict[str, Any]) -> None:
    lane, calls = lane_app()
    assert lane(scope, nothing, nothing) is Inner.marker
    assert calls == []


def test_the_lane_honours_the_root_path() -> None:
    lane, _calls = lane_app()
    step = lane({**SCOPE, "path": "/chat/fixed", "root_path": "/chat"}, nothing, nothing)
    assert step.cr_code.co_name == "fixed"  # type: ignore[attr-defined]
    step.close()  # type: ignore[attr-defined]


def test_the_product_s_websockets_all_take_the_lane(make_settings: Any) -> None:
    """The visitor, agent and supervisor sockets of the real app, with its middleware around the lane."""
    from contact_center.app import create_app

    app = create_app(make_settings())
    layer: Any = app.user_middleware[-1]
    assert layer.cls is SocketLane
    lane = SocketLane(Inner(), layer.kwargs["routes"])  # type: ignore[arg-type]
    assert {"/channels/webchat/ws", "/agent/ws", "/supervisor/ws"} <= set(lane.lanes)
