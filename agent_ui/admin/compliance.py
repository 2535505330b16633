"""Admin pages for compliance: read the audit log, export or erase a customer (GDPR).

The export is one JSON download (attachments inside as base64); erasure needs the
customer's id typed twice. Both are written to the audit log, like every admin post
(contact_center/admin_audit.py) and every API change (contact_center/api/audit_hook.py).
docs/gdpr.md describes what is kept and what goes.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from agent_ui.admin.post import flash, row_id
from agent_ui.auth import check_csrf, require_role
from contact_center.i18n import _
from repository.compliance.audit import entry_dict, list_entries, record
from repository.compliance.gdpr import erase_customer, export_customer

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.templating import Jinja2Templates

    from contact_center.context import AppContext
    from repository.core.models import Agent


def compliance_routes(ctx: AppContext, templates: Jinja2Templates) -> list[Route]:
    db = ctx.hub.db.run

    def render(request: Request, admin: Agent, name: str, **data: Any) -> Response:
        context = {"admin": admin, "flashes": request.session.pop("flash", []), **data}
        return templates.TemplateResponse(request, f"admin_{name}.html", context)

    @require_role(ctx, "admin")
    async def audit_page(request: Request, admin: Agent) -> Response:
        action = request.query_params.get("action", "")[:80] or None
        entries = [entry_dict(e) for e in await db(list_entries, limit=200, action=action)]
        return render(request, admin, "audit", entries=entries, action=action or "")

    @require_role(ctx, "admin")
    async def gdpr_page(request: Request, admin: Agent) -> Response:
        return render(request, admin, "gdpr")

    @require_role(ctx, "admin")
    async def export(request: Request, admin: Agent) -> Response:
        customer_id = row_id(request, "customer_id")
        data = await db(export_customer, customer_id)
        await db(
            record,
            actor_type="agent",
            actor_id=admin.id,
            actor_name=admin.username,
            action="admin.gdpr_export",
            target_type="customer",
            target_id=str(customer_id),
            address=request.client.host if request.client else "",
        )
        return Response(
            json.dumps(data, ensure_ascii=False, indent=1),
            media_type="application/json",
            headers={
                "Content-Disposition": f'attachment; filename="customer-{customer_id}-export.json"',
                "Cache-Control": "no-store",
            },
        )

    @require_role(ctx, "admin")
    async def erase(request: Request, admin: Agent) -> Response:
        form = await check_csrf(request)
        customer_id = row_id(request, "customer_id")
        if str(form.get("confirm", "")).strip() != str(customer_id):
            flash(request, _("Type the customer's id again to confirm the erasure."), "error")
            return RedirectResponse("/admin/gdpr", status_code=303)
        counts = await db(erase_customer, customer_id)
        await db(
            record,
            actor_type="agent",
            actor_id=admin.id,
            actor_name=admin.username,
            action="admin.gdpr_erase",
            target_type="customer",
            target_id=str(customer_id),
            after=counts,
            address=request.client.host if request.client else "",
        )
        flash(request, _("Customer %(id)s erased.", id=customer_id))
        return RedirectResponse("/admin/gdpr", status_code=303)

    return [
        Route("/admin/audit", audit_page),
        Route("/admin/gdpr", gdpr_page),
        Route("/admin/gdpr/{customer_id}/export", export),
        Route("/admin/gdpr/{customer_id}/erase", erase, methods=["POST"]),
    ]
