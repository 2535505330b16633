"""Admin pages for email mailboxes: each support address with its IMAP and SMTP settings,
target queue and health. Same post/redirect/get pattern as agent_ui/admin/phone.py.

Passwords are write-only: the form never holds one (it says whether one is set), a
blank field keeps the stored password, and what is stored is sealed
(repository/email/secrets.py). Health comes from the lease table, so every node shows
what the polling node last reported (repository/email/leases.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import Route

from agent_ui.admin.post import flashed_post, row_id
from agent_ui.auth import require_role
from contact_center.i18n import _, supported_locales
from repository.core.models import stored_id
from repository.directory import list_queues
from repository.email.leases import health_by_mailbox
from repository.email.mailboxes import (
    create_mailbox,
    get_mailbox,
    list_mailboxes,
    mailbox_dict,
    update_mailbox,
)
from repository.email.models import SECURITY
from repository.email.secrets import PasswordSealer
from repository.errors import ContactCenterError, InvalidInput

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.templating import Jinja2Templates

    from contact_center.context import AppContext
    from repository.core.models import Agent

_TEXT = ("display_name", "imap_host", "imap_user", "imap_folder", "smtp_host", "smtp_user")
_PORTS = ("imap_port", "smtp_port")


def values_from_form(form: Any) -> dict[str, Any]:
    """The mailbox settings a form posted, checked for shape; the repository checks the rest."""
    values: dict[str, Any] = {name: str(form.get(name, "")).strip()[:400] for name in _TEXT}
    values["imap_folder"] = values["imap_folder"] or "INBOX"
    for name in _PORTS:
        raw = str(form.get(name, "")).strip()
        if not raw.isdigit() or not 0 < int(raw[:6]) < 65536:
            raise InvalidInput(_("Ports are numbers from 1 to 65535."), field=name)
        values[name] = int(raw)
    for name in ("imap_security", "smtp_security"):
        value = str(form.get(name, ""))
        if value not in SECURITY:
            raise InvalidInput(_("Choose TLS, STARTTLS or plain."), field=name)
        values[name] = value
    queue = str(form.get("queue_id", ""))
    values["queue_id"] = int(queue) if queue.isdigit() and len(queue) < 10 else None
    values["is_active"] = form.get("is_active") == "on"
    values["acknowledge"] = form.get("acknowledge") == "on"
    language = str(form.get("language", "en"))
    if language not in supported_locales():
        raise InvalidInput(_("Choose one of the listed languages."), field="language")
    values["language"] = language
    # Blank means "keep the stored password"; the repository drops blanks.
    for name in ("imap_password", "smtp_password"):
        values[name] = str(form.get(name, ""))[:1000]
    return values


def mailbox_routes(ctx: AppContext, templates: Jinja2Templates) -> list[Route]:
    db = ctx.hub.db.run
    sealer = PasswordSealer(str(ctx.settings.secret_key))

    def render(request: Request, admin: Agent, name: str, **data: Any) -> Response:
        context = {
            "admin": admin,
            "flashes": request.session.pop("flash", []),
            "securities": SECURITY,
            **data,
        }
        return templates.TemplateResponse(request, name, context)

    @require_role(ctx, "admin")
    async def overview(request: Request, admin: Agent) -> Response:
        health = await db(health_by_mailbox)
        rows = [(mailbox_dict(m), health.get(stored_id(m))) for m in await db(list_mailboxes)]
        queues = {q.id: q.name for q in await db(list_queues)}
        return render(request, admin, "admin_mailboxes.html", rows=rows, queues=queues, mailbox=None)

    @require_role(ctx, "admin")
    async def create(request: Request, admin: Agent) -> Response:
        async def run(form: Any) -> str:
            row = await db(
                create_mailbox, str(form.get("address", "")), sealer=sealer, **values_from_form(form)
            )
            return _("Mailbox %(address)s added. It is polled within a few seconds.", address=row.address)

        return await flashed_post(request, "/admin/mailboxes", run)

    @require_role(ctx, "admin")
    async def edit(request: Request, admin: Agent) -> Response:
        mailbox_id = row_id(request, "mailbox_id")
        try:
            mailbox = mailbox_dict(await db(get_mailbox, mailbox_id))
        except ContactCenterError:
            raise HTTPException(404, "no such mailbox") from None
        health = (await db(health_by_mailbox)).get(mailbox_id)
        return render(
            request,
            admin,
            "admin_mailbox.html",
            mailbox=mailbox,
            health=health,
            queues=await db(list_queues),
        )

    @require_role(ctx, "admin")
    async def save(request: Request, admin: Agent) -> Response:
        mailbox_id = row_id(request, "mailbox_id")

        async def run(form: Any) -> str:
            values = values_from_form(form)
            values["address"] = str(form.get("address", ""))
            row = await db(update_mailbox, mailbox_id, sealer=sealer, **values)
            return _("Mailbox %(address)s saved.", address=row.address)

        return await flashed_post(request, f"/admin/mailboxes/{mailbox_id}", run)

    return [
        Route("/admin/mailboxes", overview),
        Route("/admin/mailboxes", create, methods=["POST"]),
        Route("/admin/mailboxes/{mailbox_id}", edit),
        Route("/admin/mailboxes/{mailbox_id}", save, methods=["POST"]),
    ]
