"""Admin pages for quarantined email: list, read, release (store with a chosen sender), delete.

Same post/redirect/get pattern and CSRF check as the other admin forms
(agent_ui/admin/mailboxes.py). The mail is shown as text only, autoescaped, never
as HTML: it is exactly the mail the parser did not trust.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from anyio import to_thread
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import Route

from agent_ui.admin.post import flashed_post, row_id
from agent_ui.auth import require_role
from channels.email.release import checked_sender, preview, release
from contact_center.i18n import _
from repository.email import quarantine as email_quarantine
from repository.errors import ContactCenterError

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.templating import Jinja2Templates

    from contact_center.context import AppContext
    from repository.core.models import Agent

PAGE = 100


def quarantine_routes(ctx: AppContext, templates: Jinja2Templates) -> list[Route]:
    db = ctx.hub.db.run

    def render(request: Request, admin: Agent, name: str, **data: Any) -> Response:
        context = {"admin": admin, "flashes": request.session.pop("flash", []), **data}
        return templates.TemplateResponse(request, name, context)

    @require_role(ctx, "admin")
    async def overview(request: Request, admin: Agent) -> Response:
        raw = request.query_params.get("mailbox", "")
        mailbox_id = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None
        rows, _next = await db(email_quarantine.list_open, mailbox_id=mailbox_id, limit=PAGE)
        return render(request, admin, "admin_quarantine.html", rows=rows, mailbox_id=mailbox_id)

    @require_role(ctx, "admin")
    async def show(request: Request, admin: Agent) -> Response:
        quarantine_id = row_id(request, "quarantine_id")
        try:
            row, address = await db(email_quarantine.get, quarantine_id)
        except ContactCenterError:
            raise HTTPException(404, "no such quarantined mail") from None
        try:
            raw = await to_thread.run_sync(email_quarantine.read_raw, row, email_quarantine.PREVIEW_BYTES)
            mail = await to_thread.run_sync(preview, raw)
        except ContactCenterError:
            mail = None  # the file is gone; the row still says what it was
        return render(request, admin, "admin_quarantine_mail.html", row=row, address=address, mail=mail)

    @require_role(ctx, "admin")
    async def release_(request: Request, admin: Agent) -> Response:
        quarantine_id = row_id(request, "quarantine_id")

        async def run(form: Any) -> str:
            sender = checked_sender(str(form.get("sender", "")), str(form.get("sender_name", "")))
            event_id = await release(ctx, quarantine_id, sender, admin.id)
            return _(
                "Released: stored as message %(event)s from %(sender)s.", event=event_id, sender=sender[1]
            )

        return await flashed_post(request, "/admin/quarantine", run)

    @require_role(ctx, "admin")
    async def delete_(request: Request, admin: Agent) -> Response:
        quarantine_id = row_id(request, "quarantine_id")

        async def run(form: Any) -> str:
            await db(email_quarantine.delete, quarantine_id, admin.id)
            return _("The quarantined mail was deleted.")

        return await flashed_post(request, "/admin/quarantine", run)

    return [
        Route("/admin/quarantine", overview),
        Route("/admin/quarantine/{quarantine_id}", show),
        Route("/admin/quarantine/{quarantine_id}/release", release_, methods=["POST"]),
        Route("/admin/quarantine/{quarantine_id}/delete", delete_, methods=["POST"]),
    ]
