"""The supervisor's pages: the live monitor (``/supervisor`` + its websocket) and ``/reports``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.routing import Route, WebSocketRoute

from agent_ui.auth import require_role
from agent_ui.plugin import templates
from agent_ui.supervisor import reports as views
from agent_ui.supervisor.socket import SupervisorSocket
from contact_center.context import AppContext, Plugin
from contact_center.supervision.live import SupervisorFeed
from repository.crm.labels import list_labels
from repository.directory import list_agents, list_queues

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.websockets import WebSocket


def plugin(ctx: AppContext) -> Plugin:
    feed = SupervisorFeed(ctx)

    @require_role(ctx, "supervisor")
    async def monitor(request: Request, me: Any) -> Response:
        queues = await ctx.hub.db.run(list_queues)
        return templates.TemplateResponse(request, "supervisor.html", {"me": me, "queues": queues})

    async def monitor_ws(ws: WebSocket) -> None:
        await SupervisorSocket(ws, ctx, feed).run()

    @require_role(ctx, "supervisor")
    async def reports_page(request: Request, me: Any) -> Response:
        queues = await ctx.hub.db.run(list_queues)
        agents = await ctx.hub.db.run(list_agents)
        labels = await ctx.hub.db.run(list_labels)
        return templates.TemplateResponse(
            request,
            "reports.html",
            {
                "me": me,
                "queues": queues,
                "agents": agents,
                "labels": labels,
                "channels": [k.kind for k in ctx.channels.kinds()],
            },
        )

    @require_role(ctx, "supervisor")
    async def reports_data(request: Request, me: Any) -> Response:
        q = views.parse_query(request.query_params)
        return views.json_response(await ctx.hub.db.run(views.report_data, q))

    @require_role(ctx, "supervisor")
    async def drill_down(request: Request, me: Any) -> Response:
        q = views.parse_query(request.query_params)
        rows = await ctx.hub.db.run(views.drill_rows, q, request.query_params)
        return views.json_response({"interactions": rows})

    @require_role(ctx, "supervisor")
    async def export_csv(request: Request, me: Any) -> Response:
        q = views.parse_query(request.query_params)
        rows = await ctx.hub.db.run(views.drill_rows, q, request.query_params)
        return views.csv_response(rows)

    @require_role(ctx, "supervisor")
    async def transcript(request: Request, me: Any) -> Response:
        return views.json_response(
            await ctx.hub.db.run(views.transcript, request.path_params["interaction_id"])
        )

    return Plugin(
        routes=[
            Route("/supervisor", monitor),
            WebSocketRoute("/supervisor/ws", monitor_ws),
            Route("/reports", reports_page),
            Route("/reports/data", reports_data),
            Route("/reports/interactions", drill_down),
            Route("/reports/export.csv", export_csv),
            Route("/reports/transcript/{interaction_id:int}", transcript),
        ],
        on_startup=[feed.start],
        on_shutdown=[feed.stop],
    )
