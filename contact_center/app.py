"""The app factory: store, bus, router and every mounted part, wired into one lifespan.

Parts of the product (the web UI, each channel, the REST API) are named by dotted
path and imported here at start-up. That keeps imports pointing one way:
``agent_ui`` and ``channels`` use ``contact_center``, never the reverse; the core
knows channels only through their contract, ``channels/base.py``. A module with an
``adapter(ctx)`` is a channel: its adapter joins the registry (docs/channels.md).
"""

from __future__ import annotations

import asyncio
import importlib
import logging
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from channels.base import ChannelAdapter, ChannelRegistry
from config import Settings, get_settings
from contact_center import i18n
from contact_center.admin_audit import AdminAudit
from contact_center.aio import bounded_stop
from contact_center.bus import Bus, create_bus
from contact_center.context import AppContext, Plugin
from contact_center.coordination import create_leadership
from contact_center.errors import EXCEPTION_HANDLERS
from contact_center.health import bounded, node_checks
from contact_center.http_guards import UPLOAD_OVERHEAD, BodyLimit, SecurityHeaders
from contact_center.hub import Hub
from contact_center.i18n import LocaleMiddleware
from contact_center.presence import PresenceKeeper
from contact_center.router import Router
from contact_center.serving import TrustedProxies
from contact_center.sessions import Sessions
from contact_center.socket_lane import SocketLane
from repository import Database, upgrade

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

log = logging.getLogger(__name__)

DEFAULT_PLUGINS = (
    "agent_ui.plugin",
    "channels.webchat.plugin",
    "channels.email.plugin",
    "channels.twilio.plugin",
    "channels.cti.plugin",
    "contact_center.api.plugin",
    "agent_ui.supervisor.plugin",
    "agent_ui.desk.search",
    "contact_center.analytics.plugin",
    "contact_center.webhooks.plugin",
    "agent_ui.admin.webhooks",
    "contact_center.pending",
)


def _load_plugin(path: str, ctx: AppContext) -> Plugin:
    module = importlib.import_module(path)
    if hasattr(module, "adapter"):
        adapter: ChannelAdapter = module.adapter(ctx)
        ctx.channels.add(adapter)
        # Started in plugin order with the other parts, stopped in reverse.
        return Plugin(routes=list(adapter.routes), on_startup=[adapter.start], on_shutdown=[adapter.stop])
    plugin: Plugin = module.plugin(ctx)
    return plugin


def create_app(
    settings: Settings | None = None,
    *,
    bus: Bus | None = None,
    plugins: tuple[str, ...] = DEFAULT_PLUGINS,
    migrate: bool = True,
) -> Starlette:
    settings = settings or get_settings()
    i18n.configure(settings.locales_dir)
    if migrate:
        upgrade(settings.database_url)
    db = Database(settings.database_url)
    bus = bus or create_bus(settings.bus_url)
    hub = Hub(settings, db, bus, ChannelRegistry())
    router = Router(hub, create_leadership(settings.bus_url, settings.router_lease_seconds))
    presence = PresenceKeeper(hub)
    ctx = AppContext(settings=settings, db=db, bus=bus, hub=hub, router=router, presence=presence)
    loaded = [_load_plugin(path, ctx) for path in plugins]

    async def healthz(request: Request) -> Response:
        # The database check blocks; keep it off the event loop like every other query.
        # Every probe is bounded (contact_center/health.py): a frozen Redis means 503 in < 1 s.
        # The node's checks and every adapter's health run at once, each bounded, so the
        # answer comes within a second however many parts hang.
        adapters = ctx.channels.adapters
        checks, *healths = await asyncio.gather(
            node_checks(db, bus), *(bounded(a.health, {"ok": False}) for a in adapters)
        )
        serving = all(checks.values())
        parts: dict[str, dict[str, Any]] = {
            a.name: health for a, health in zip(adapters, healths, strict=True) if health is not None
        }
        parts_ok = all(part.get("ok", False) for part in parts.values())
        if not (serving and await _api_key_sent(hub, request)):
            # Anyone may ask; only a caller with an API key sees mailbox addresses, hosts and errors.
            parts = {name: {"ok": bool(part.get("ok", False))} for name, part in parts.items()}
        # Only the node's own needs (store, bus) decide the status code: a load balancer
        # must not pull every node because one mailbox has a wrong password. A broken
        # part still shows as "degraded" for monitoring.
        status = "down" if not serving else "ok" if parts_ok else "degraded"
        return JSONResponse(
            {
                "status": status,
                "checks": checks,
                "down": [name for name, ok in checks.items() if not ok],
                "parts": parts,
                "bus_url_scheme": settings.bus_url.split(":")[0],
            },
            status_code=200 if serving else 503,
        )

    async def metrics_endpoint(request: Request) -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    async def index(request: Request) -> Response:
        return RedirectResponse("/agent", status_code=303)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await bus.connect()
        await hub.start()
        await presence.start()
        for plugin in loaded:
            for hook in plugin.on_startup:
                await hook()
        await router.start()
        try:
            yield
        finally:
            # Each step is bounded: one stuck loop must not keep the node from exiting.
            await bounded_stop("router", router.stop)
            for plugin in reversed(loaded):
                for hook in plugin.on_shutdown:
                    await bounded_stop(getattr(hook, "__qualname__", repr(hook)), hook)
            await bounded_stop("presence", presence.stop)
            await bounded_stop("hub", hub.stop)
            await bounded_stop("bus", bus.disconnect)
            db.dispose()

    routes: list[BaseRoute] = [
        Route("/", index),
        Route("/healthz", healthz),
        Route("/metrics", metrics_endpoint),
    ]
    for plugin in loaded:
        routes.extend(plugin.routes)
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers=EXCEPTION_HANDLERS,
        middleware=[
            # Outermost: every later layer sees the client's address, forwarded only by TRUSTED_PROXIES.
            Middleware(TrustedProxies, trusted=settings.trusted_proxies),
            Middleware(SecurityHeaders),
            Middleware(
                Sessions,
                secret_key=str(settings.secret_key),
                session_cookie="cc_session",
                max_age=settings.session_max_age_seconds,
                same_site="lax",
                https_only=settings.secure_cookies,
            ),
            # Inside the session middleware: it reads the signed-in user's language from the session.
            Middleware(LocaleMiddleware),
            # Before any route: an oversized body is refused before anything reads it (in the
            # caller's language). The visitor upload checks its declared length itself (with
            # CORS headers); its stream is capped here.
            Middleware(
                BodyLimit,
                max_bytes=settings.max_body_bytes,
                larger={"/channels/webchat/attachments": settings.attachment_max_bytes + 2 * UPLOAD_OVERHEAD},
            ),
            # Inside the body limit and the session: records every admin post and who made it.
            Middleware(AdminAudit, ctx=ctx),
            # Innermost: a websocket goes straight to its session (contact_center/socket_lane.py).
            Middleware(SocketLane, routes=routes),
        ],
    )
    app.state.ctx = ctx
    return app


async def _api_key_sent(hub: Hub, request: Request) -> bool:
    from repository.directory.api_keys import verify_api_key

    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return False
    return await hub.db.run(verify_api_key, token.strip()) is not None


def _db_ok(db: Database) -> bool:
    from sqlalchemy import text

    try:
        with db.read() as session:
            session.exec(text("SELECT 1"))  # type: ignore[call-overload]
        return True
    except Exception:
        log.exception("health check: database unreachable")
        return False
