"""Admin page for outbound webhooks: subscriptions, the delivery log, retry one delivery.

Like the other admin pages: admin-only, CSRF-checked posts that redirect back with a
flash. Creating a subscription is rendered directly, because the signing secret is
shown in full only in that response.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from agent_ui.auth import check_csrf, require_role
from contact_center.context import AppContext, Plugin
from contact_center.errors import localized
from contact_center.i18n import _
from contact_center.webhooks.events import WEBHOOK_EVENTS
from contact_center.webhooks.validation import check_events, check_url
from repository.errors import ContactCenterError
from repository.webhooks import store

if TYPE_CHECKING:
    from starlette.requests import Request

    from repository.core.models import Agent

STATUSES = ("pending", "sending", "delivered", "failed")


def plugin(ctx: AppContext) -> Plugin:
    from agent_ui.admin.post import flash, row_id
    from agent_ui.plugin import templates

    db = ctx.hub.db.run

    async def render(request: Request, admin: Agent, status: int = 200, **data: Any) -> Response:
        wanted = request.query_params.get("status")
        wanted = wanted if wanted in STATUSES else None
        context = {
            "admin": admin,
            "flashes": request.session.pop("flash", []),
            "subscriptions": await db(store.list_subscriptions),
            "deliveries": await db(store.list_deliveries, status=wanted),
            "statuses": STATUSES,
            "status_filter": wanted,
            "event_types": WEBHOOK_EVENTS,
            "masked": store.masked,
            "status_labels": {
                "pending": _("pending"),
                "sending": _("sending"),
                "delivered": _("delivered"),
                "failed": _("failed"),
            },
            **data,
        }
        return templates.TemplateResponse(request, "admin_webhooks.html", context, status_code=status)

    @require_role(ctx, "admin")
    async def page(request: Request, admin: Agent) -> Response:
        return await render(request, admin)

    @require_role(ctx, "admin")
    async def create(request: Request, admin: Agent) -> Response:
        form = await check_csrf(request)
        try:
            url = check_url(
                str(form.get("url", ""))[:2100], allow_private=ctx.settings.webhook_allow_private_targets
            )
            # Checkboxes repeat the field; the parsed form is cached on the request.
            events = check_events([str(e) for e in (await request.form()).getlist("events")])
            description = str(form.get("description", "")).strip()[:200]
        except ContactCenterError as exc:
            flash(request, localized(exc), "error")
            return RedirectResponse("/admin/webhooks", status_code=303)
        sub = await db(store.create_subscription, url, events, description)
        flash(request, _("Webhook created. Copy its signing secret now: it will not be shown in full again."))
        response = await render(request, admin, new_secret=sub.secret)
        response.headers["Cache-Control"] = "no-store"
        return response

    @require_role(ctx, "admin")
    async def deactivate(request: Request, admin: Agent) -> Response:
        await check_csrf(request)
        try:
            await db(store.deactivate_subscription, row_id(request, "subscription_id"))
            flash(request, _("Webhook switched off; its delivery log is kept."))
        except ContactCenterError as exc:
            flash(request, localized(exc), "error")
        return RedirectResponse("/admin/webhooks", status_code=303)

    @require_role(ctx, "admin")
    async def retry(request: Request, admin: Agent) -> Response:
        await check_csrf(request)
        delivery_id = row_id(request, "delivery_id")
        try:
            await db(store.retry_now, delivery_id)
            flash(request, _("Delivery %(id)s will be sent again now.", id=delivery_id))
        except ContactCenterError as exc:
            flash(request, localized(exc), "error")
        return RedirectResponse("/admin/webhooks", status_code=303)

    return Plugin(
        routes=[
            Route("/admin/webhooks", page, methods=["GET"]),
            Route("/admin/webhooks", create, methods=["POST"]),
            Route("/admin/webhooks/{subscription_id}/deactivate", deactivate, methods=["POST"]),
            Route("/admin/webhooks/deliveries/{delivery_id}/retry", retry, methods=["POST"]),
        ]
    )
