"""The web UI: sign-in, the agent desktop and its websocket, the admin pages."""

from __future__ import annotations

import zoneinfo
from pathlib import Path
from urllib.parse import urlparse

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.websockets import WebSocket

from agent_ui.auth import check_csrf, csrf_token, current_agent, login_session, require_role
from agent_ui.desk.attachments import desk_attachment_routes
from agent_ui.desk.labels import desk_label_routes
from agent_ui.desk.merge import desk_merge_routes
from agent_ui.desk.outbound import outbound_routes
from agent_ui.desk.pending import desk_pending_routes
from agent_ui.desk.socket import AgentSocket
from agent_ui.labels import label, page_channels
from agent_ui.login_throttle import LoginThrottle
from agent_ui.preferences import preference_routes
from contact_center.context import AppContext, Plugin
from contact_center.i18n import _
from contact_center.i18n.jinja import install as install_i18n
from repository.core.models import stored_id
from repository.directory import authenticate
from repository.directory.sessions import revoke_session

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
install_i18n(templates.env)
templates.env.globals["label"] = label
templates.env.globals["page_channels"] = page_channels
templates.env.globals["csrf_token"] = csrf_token


def _safe_next(target: str | None) -> str:
    # Only local paths: an open redirect would let a phishing link borrow our login page.
    if not target or not target.startswith("/") or target.startswith("//") or urlparse(target).netloc:
        return "/agent"
    return target


def plugin(ctx: AppContext) -> Plugin:
    from agent_ui.admin.compliance import compliance_routes
    from agent_ui.admin.directory import admin_routes
    from agent_ui.admin.hours import hours_admin_routes
    from agent_ui.admin.labels import label_admin_routes
    from agent_ui.admin.mailboxes import mailbox_routes
    from agent_ui.admin.phone import phone_routes
    from agent_ui.admin.quarantine import quarantine_routes
    from agent_ui.admin.sla import sla_admin_routes

    throttle = LoginThrottle()

    async def login_page(request: Request) -> Response:
        if request.method == "POST":
            form = await check_csrf(request)
            username = str(form.get("username", ""))[:80]
            if await throttle.blocked(request, username):
                return templates.TemplateResponse(
                    request,
                    "login.html",
                    {
                        "error": _("Too many failed sign-ins. Wait a few minutes and try again."),
                        "next": _safe_next(str(form.get("next", ""))),
                    },
                    status_code=429,
                )
            agent = await ctx.hub.db.run(authenticate, username, str(form.get("password", ""))[:200])
            if agent is None:
                await throttle.failed(request, username)
                return templates.TemplateResponse(
                    request,
                    "login.html",
                    {
                        "error": _("Wrong username or password."),
                        "next": _safe_next(str(form.get("next", ""))),
                    },
                    status_code=401,
                )
            login_session(request, agent)
            return RedirectResponse(_safe_next(str(form.get("next", ""))), status_code=303)
        return templates.TemplateResponse(
            request, "login.html", {"error": None, "next": _safe_next(request.query_params.get("next"))}
        )

    async def logout(request: Request) -> Response:
        await check_csrf(request)
        agent = await current_agent(ctx, request)
        if agent is not None and agent.presence != "offline":
            await ctx.hub.set_presence(agent.id, "offline")  # type: ignore[arg-type]
        if agent is not None and request.session.get("sid"):
            await ctx.hub.db.run(
                revoke_session, request.session["sid"], stored_id(agent), ctx.settings.session_max_age_seconds
            )
            await ctx.hub.publish(
                {"type": "agent.signed_out", "agent_id": agent.id, "sid": request.session["sid"]}
            )
        request.session.clear()
        return RedirectResponse("/login", status_code=303)

    @require_role(ctx, "agent")
    async def desktop(request: Request, agent: object) -> Response:
        return templates.TemplateResponse(
            request, "agent.html", {"agent": agent, "timezones": sorted(zoneinfo.available_timezones())}
        )

    async def agent_ws(ws: WebSocket) -> None:
        await AgentSocket(ws, ctx).run()

    return Plugin(
        routes=[
            Route("/login", login_page, methods=["GET", "POST"]),
            Route("/logout", logout, methods=["POST"]),
            Route("/agent", desktop),
            WebSocketRoute("/agent/ws", agent_ws),
            Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
            *admin_routes(ctx, templates),
            *phone_routes(ctx, templates),
            *mailbox_routes(ctx, templates),
            *quarantine_routes(ctx, templates),
            *label_admin_routes(ctx, templates),
            *hours_admin_routes(ctx),
            *sla_admin_routes(ctx, templates),
            *compliance_routes(ctx, templates),
            *preference_routes(ctx),
            *outbound_routes(ctx),
            *desk_label_routes(ctx),
            *desk_merge_routes(ctx),
            *desk_pending_routes(ctx),
            *desk_attachment_routes(ctx),
        ]
    )
