"""How ``contact-center serve`` runs uvicorn: timeouts, a concurrency cap, trusted proxies.

Uvicorn closes a kept-alive connection after ``timeout_keep_alive``, but it never times
out a connection that has not finished sending its request headers: 500 idle TCP
connections, or 150 that trickle a header byte now and then (slow-loris), stay open
for ever. ``HeaderTimeout`` closes a connection whose request line and headers are not
complete within ``header_timeout`` seconds of its first byte (or of the connection, if
it sends nothing). Websockets are not affected once upgraded.

Forwarded headers (``X-Forwarded-For``/``-Proto``) are honoured only from the addresses
in ``TRUSTED_PROXIES``, one setting for the whole app: uvicorn's own proxy handling is
off (it trusts 127.0.0.1 by default, so a same-host client could rotate its address and
escape the login throttle), and ``TrustedProxies`` applies uvicorn's middleware with that
list inside the app, keeping the real peer in ``scope["cc.peer"]`` for code that must
know which hop it talks to (Twilio's signature check).

Objects alive once start-up is over (modules, the app, caches: about 220,000 of them)
live as long as the process. ``FreezingServer`` moves them out of the garbage
collector's reach (``gc.freeze()``), so a full collection walks only what came later:
each one was a pause of the whole event loop, longer the more objects there are.
"""

from __future__ import annotations

import asyncio
import gc
from typing import TYPE_CHECKING, Any

import uvicorn
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware
from uvicorn.protocols.http.h11_impl import H11Protocol

from contact_center import gc_pauses, ws_protocol

if TYPE_CHECKING:
    import socket
    from collections.abc import Awaitable

    from starlette.types import ASGIApp, Receive, Scope, Send

    from config import Settings

WS_MAX_SIZE = 1024 * 1024


class TrustedProxies:
    """Rewrite the client address and scheme from forwarded headers, from trusted proxies only."""

    def __init__(self, app: ASGIApp, trusted: tuple[str, ...] | list[str]) -> None:
        self.app = app
        self.inner = ProxyHeadersMiddleware(app, trusted_hosts=list(trusted))  # type: ignore[arg-type]

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[Any]:
        # Returned, not awaited: no frame of ours stays alive for a websocket's whole life.
        if scope["type"] in ("http", "websocket"):
            client = scope.get("client")
            scope["cc.peer"] = client[0] if client else ""
            return self.inner(scope, receive, send)  # type: ignore[arg-type]
        return self.app(scope, receive, send)


def peer_address(scope: Any) -> str:
    """The address that connected to us (a proxy, if one forwarded the request)."""
    peer = scope.get("cc.peer")
    if peer is not None:
        return str(peer)
    client = scope.get("client")
    return str(client[0]) if client else ""


class _HeaderTimeoutMixin:
    """Close a connection whose request headers do not arrive in time (see the module docstring)."""

    header_timeout: float = 10.0
    transport: asyncio.Transport
    loop: asyncio.AbstractEventLoop
    cycle: Any
    _header_timer: asyncio.TimerHandle | None = None

    def _waiting_for_headers(self) -> bool:
        return self.cycle is None or bool(self.cycle.response_complete)

    def _arm(self) -> None:
        if self._header_timer is None:
            self._header_timer = self.loop.call_later(self.header_timeout, self._expire)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _expire(self) -> None:
        self._header_timer = None
        if self._waiting_for_headers() and not self.transport.is_closing():
            self.transport.close()

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        self._arm()

    def data_received(self, data: bytes) -> None:
        if self._waiting_for_headers():
            self._arm()  # a new request on a kept-alive connection starts its own clock
        super().data_received(data)  # type: ignore[misc]
        if not self._waiting_for_headers():
            self._disarm()

    def handle_websocket_upgrade(self, *args: Any) -> None:
        self._disarm()
        super().handle_websocket_upgrade(*args)  # type: ignore[misc]

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)  # type: ignore[misc]


def protocol_class(header_timeout: float) -> type:
    """Uvicorn's HTTP protocol (httptools when installed, as uvicorn's "auto"), with the header timeout."""
    base: type
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

        base = HttpToolsProtocol
    except ImportError:  # pragma: no cover - httptools is optional for uvicorn
        base = H11Protocol
    return type("HeaderTimeoutProtocol", (_HeaderTimeoutMixin, base), {"header_timeout": header_timeout})


class FreezingServer(uvicorn.Server):
    """Uvicorn's server; once the app has started, what is alive is frozen out of the collector's work."""

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if not self.should_exit:
            gc.collect()
            gc.freeze()
            gc_pauses.watch()


def uvicorn_config(
    app: ASGIApp,
    settings: Settings,
    *,
    host: str,
    port: int,
    header_timeout: float | None = None,
    keep_alive: float | None = None,
    limit_concurrency: int | None = None,
) -> uvicorn.Config:
    header_timeout = settings.serve_header_timeout_seconds if header_timeout is None else header_timeout
    keep_alive = settings.serve_keep_alive_seconds if keep_alive is None else keep_alive
    limit = settings.serve_limit_concurrency if limit_concurrency is None else limit_concurrency
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=settings.log_level.lower(),
        ws_max_size=WS_MAX_SIZE,
        # Off by default: each compressed socket keeps its own zlib state (docs/operations.md).
        ws_per_message_deflate=settings.serve_ws_compression,
        # Off by default: clients ping in the protocol and silent sockets time out
        # (contact_center/ws_protocol.py); a second heartbeat per socket is pure cost.
        ws_ping_interval=settings.serve_ws_ping_seconds or None,
        ws_ping_timeout=settings.serve_ws_ping_seconds or None,
        http=protocol_class(header_timeout),
        ws=ws_protocol.protocol_class(settings.ws_idle_timeout_seconds),
        timeout_keep_alive=int(keep_alive),
        # Beyond this many connections and tasks uvicorn answers 503 instead of queueing work.
        limit_concurrency=limit or None,
        proxy_headers=False,  # TrustedProxies in the app does this, from TRUSTED_PROXIES only
    )
