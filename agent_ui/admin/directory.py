"""Admin pages: agents, queues, wrap-up codes, canned replies and API keys.

Server-rendered and admin-only. Every change is a CSRF-checked form post that
redirects back with a flash message (post/redirect/get), so a reload never repeats
it. The one exception is creating an API key: its plaintext exists only in that
response, so the page is rendered directly and marked not to be cached.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from agent_ui.admin import forms
from agent_ui.admin.hours import calendar_form
from agent_ui.admin.post import flash, row_id
from agent_ui.auth import check_csrf, login_session, require_role
from contact_center.analytics.boosts import parse_tier_boosts
from contact_center.api.scopes import parse_scopes
from contact_center.errors import localized
from contact_center.i18n import _
from repository.core.models import CHANNELS, ROLES, STRATEGIES, Agent, CannedReply, stored_id
from repository.directory import (
    create_agent,
    create_canned_reply,
    create_queue,
    create_wrapup_code,
    delete_row,
    ensure_skills,
    get_agent,
    list_agents,
    list_canned_replies,
    list_queues,
    list_wrapup_codes,
    update_agent,
    update_queue,
)
from repository.directory.api_keys import create_api_key, revoke_api_key
from repository.directory.business_hours import get_hours
from repository.directory.configuration import (
    get_queue,
    guard_last_admin,
    list_api_keys,
    make_default_queue,
    set_wrapup_code_active,
)
from repository.errors import ContactCenterError, InvalidInput, NotFound

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.templating import Jinja2Templates

    from contact_center.context import AppContext

Form = dict[str, Any]


def _agent_changes(form: Form) -> dict[str, Any]:
    return {
        "display_name": forms.text(form, "display_name", 120, required=True),
        "role": forms.choice(form, "role", ROLES),
        "skills": forms.skills(form),
        "skill_levels": forms.skill_levels(form),
        "capacity": forms.capacity(form),
    }


def _queue_fields(form: Form) -> dict[str, Any]:
    return {
        "description": forms.text(form, "description", 300),
        "required_skills": forms.skills(form, "required_skills"),
        "priority": forms.integer(form, "priority", -100, 100),
        "strategy": forms.choice(form, "strategy", STRATEGIES),
        "tier_boosts": parse_tier_boosts(forms.text(form, "tier_boosts", 300)),
    }


def admin_routes(ctx: AppContext, templates: Jinja2Templates) -> list[Route]:
    db = ctx.hub.db.run

    def render(request: Request, admin: Agent, name: str, status: int = 200, **data: Any) -> Response:
        flashes = request.session.pop("flash", [])
        context = {"admin": admin, "flashes": flashes, "channels": CHANNELS, **data}
        return templates.TemplateResponse(request, f"admin_{name}.html", context, status_code=status)

    def form_action(
        back: str | Callable[[Request], str], action: Callable[[Request, Agent, Form], Awaitable[str]]
    ) -> Callable[[Request], Awaitable[Response]]:
        """A CSRF-checked post that runs ``action``, flashes its outcome and redirects."""

        @require_role(ctx, "admin")
        async def post(request: Request, admin: Agent) -> Response:
            form = await check_csrf(request)
            try:
                flash(request, await action(request, admin, form))
            except ContactCenterError as exc:
                flash(request, localized(exc), "error")
            except IntegrityError:
                flash(request, _("That name is already taken."), "error")
            return RedirectResponse(back if isinstance(back, str) else back(request), status_code=303)

        return post

    @require_role(ctx, "admin")
    async def overview(request: Request, admin: Agent) -> Response:
        counts = {
            "agents": len(await db(list_agents)),
            "queues": len(await db(list_queues)),
            "wrapup_codes": len(await db(list_wrapup_codes)),
            "canned_replies": len(await db(list_canned_replies)),
            "api_keys": sum(k.is_active for k in await db(list_api_keys)),
        }
        return render(request, admin, "overview", counts=counts)

    # -- agents -----------------------------------------------------------------
    @require_role(ctx, "admin")
    async def agents_page(request: Request, admin: Agent) -> Response:
        return render(request, admin, "agents", agents=await db(list_agents), roles=ROLES)

    async def add_agent(request: Request, admin: Agent, form: Form) -> str:
        username = forms.text(form, "username", 80, required=True)
        changes = _agent_changes({**form, "display_name": form.get("display_name") or username})
        password = forms.text(form, "password", 200, required=True)
        agent = await db(create_agent, username, password=password, **changes)
        await db(ensure_skills, agent.skills)
        return _("Agent %(name)s created.", name=agent.username)

    @require_role(ctx, "admin")
    async def agent_page(request: Request, admin: Agent) -> Response:
        try:
            agent = await db(get_agent, row_id(request, "agent_id"))
        except NotFound as exc:
            raise HTTPException(404, "no such agent") from exc
        return render(request, admin, "agent", agent=agent, roles=ROLES)

    def _agent_url(request: Request) -> str:
        return f"/admin/agents/{row_id(request, 'agent_id')}"

    async def edit_agent(request: Request, admin: Agent, form: Form) -> str:
        agent_id = row_id(request, "agent_id")
        changes = {**_agent_changes(form), "is_active": forms.checkbox(form, "is_active")}
        if agent_id == admin.id and (changes["role"] != "admin" or not changes["is_active"]):
            raise InvalidInput("you cannot demote or deactivate yourself; ask another admin")
        await db(guard_last_admin, agent_id, changes)
        agent = await db(update_agent, agent_id, **changes)
        await db(ensure_skills, agent.skills)
        return _("Agent %(name)s saved.", name=agent.username)

    async def reset_password(request: Request, admin: Agent, form: Form) -> str:
        password = forms.text(form, "password", 200, required=True)
        agent = await db(update_agent, row_id(request, "agent_id"), password=password)
        if agent.id == admin.id:
            # A new password ends every session of the agent, this one included; keep it.
            login_session(request, agent)
        return _("Password of %(name)s reset; their other sessions are signed out.", name=agent.username)

    # -- queues -----------------------------------------------------------------
    @require_role(ctx, "admin")
    async def queues_page(request: Request, admin: Agent) -> Response:
        return render(request, admin, "queues", queues=await db(list_queues), strategies=STRATEGIES)

    async def add_queue(request: Request, admin: Agent, form: Form) -> str:
        name = forms.text(form, "name", 80, required=True)
        queue = await db(create_queue, name, **_queue_fields(form))
        if forms.checkbox(form, "is_default"):
            await db(make_default_queue, stored_id(queue))
        return _("Queue %(name)s created.", name=queue.name)

    @require_role(ctx, "admin")
    async def queue_page(request: Request, admin: Agent) -> Response:
        try:
            queue = await db(get_queue, row_id(request, "queue_id"))
        except NotFound as exc:
            raise HTTPException(404, "no such queue") from exc
        calendar = calendar_form(await db(get_hours, stored_id(queue)))
        return render(request, admin, "queue", queue=queue, strategies=STRATEGIES, calendar=calendar)

    def _queue_url(request: Request) -> str:
        return f"/admin/queues/{row_id(request, 'queue_id')}"

    async def edit_queue(request: Request, admin: Agent, form: Form) -> str:
        queue_id = row_id(request, "queue_id")
        name = forms.text(form, "name", 80, required=True)
        is_default = forms.checkbox(form, "is_default")
        queue = await db(update_queue, queue_id, name=name, is_default=is_default, **_queue_fields(form))
        if is_default:
            await db(make_default_queue, queue_id)
        return _("Queue %(name)s saved.", name=queue.name)

    # -- wrap-up codes, canned replies --------------------------------------------
    @require_role(ctx, "admin")
    async def codes_page(request: Request, admin: Agent) -> Response:
        return render(request, admin, "wrapup_codes", codes=await db(list_wrapup_codes, active_only=False))

    async def add_code(request: Request, admin: Agent, form: Form) -> str:
        code = await db(create_wrapup_code, forms.text(form, "code", 60), forms.text(form, "label", 120))
        return _("Wrap-up code %(code)s created.", code=code.code)

    async def toggle_code(request: Request, admin: Agent, form: Form) -> str:
        active = forms.checkbox(form, "active")
        code = await db(set_wrapup_code_active, row_id(request, "code_id"), active)
        return (
            _("Wrap-up code %(code)s reactivated.", code=code.code)
            if active
            else _("Wrap-up code %(code)s deactivated.", code=code.code)
        )

    @require_role(ctx, "admin")
    async def canned_page(request: Request, admin: Agent) -> Response:
        return render(request, admin, "canned_replies", replies=await db(list_canned_replies))

    async def add_canned(request: Request, admin: Agent, form: Form) -> str:
        reply = await db(
            create_canned_reply,
            forms.text(form, "shortcut", 40),
            forms.text(form, "title", 120),
            forms.text(form, "body", 5000, required=True),
        )
        return _("Canned reply /%(shortcut)s created.", shortcut=reply.shortcut)

    async def delete_canned(request: Request, admin: Agent, form: Form) -> str:
        await db(delete_row, CannedReply, row_id(request, "reply_id"))
        return _("Canned reply deleted.")

    # -- API keys ------------------------------------------------------------------
    @require_role(ctx, "admin")
    async def keys_page(request: Request, admin: Agent) -> Response:
        if request.method == "GET":
            return render(request, admin, "api_keys", keys=await db(list_api_keys), new_key=None)
        form = await check_csrf(request)
        try:
            name = forms.text(form, "name", 120, required=True)
            # One checkbox per scope; a form that sends none (an older page, a script) gets read,write.
            chosen = [s for s in ("read", "write", "admin") if form.get(f"scope_{s}")]
            scopes = parse_scopes(",".join(chosen or ["read", "write"]))
        except InvalidInput as exc:
            flash(request, localized(exc), "error")
            return RedirectResponse("/admin/api-keys", status_code=303)
        token, row = await db(create_api_key, name, scopes)
        flash(request, _("API key %(name)s created. Copy it now: it will not be shown again.", name=row.name))
        response = render(request, admin, "api_keys", keys=await db(list_api_keys), new_key=token)
        response.headers["Cache-Control"] = "no-store"
        return response

    async def revoke_key(request: Request, admin: Agent, form: Form) -> str:
        if not await db(revoke_api_key, row_id(request, "key_id")):
            raise InvalidInput("no such API key")
        return _("API key revoked.")

    get, post = ["GET"], ["POST"]
    return [
        Route("/admin", overview, methods=get),
        Route("/admin/agents", agents_page, methods=get),
        Route("/admin/agents", form_action("/admin/agents", add_agent), methods=post),
        Route("/admin/agents/{agent_id}", agent_page, methods=get),
        Route("/admin/agents/{agent_id}", form_action(_agent_url, edit_agent), methods=post),
        Route("/admin/agents/{agent_id}/password", form_action(_agent_url, reset_password), methods=post),
        Route("/admin/queues", queues_page, methods=get),
        Route("/admin/queues", form_action("/admin/queues", add_queue), methods=post),
        Route("/admin/queues/{queue_id}", queue_page, methods=get),
        Route("/admin/queues/{queue_id}", form_action(_queue_url, edit_queue), methods=post),
        Route("/admin/wrapup-codes", codes_page, methods=get),
        Route("/admin/wrapup-codes", form_action("/admin/wrapup-codes", add_code), methods=post),
        Route(
            "/admin/wrapup-codes/{code_id}/active",
            form_action("/admin/wrapup-codes", toggle_code),
            methods=post,
        ),
        Route("/admin/canned-replies", canned_page, methods=get),
        Route("/admin/canned-replies", form_action("/admin/canned-replies", add_canned), methods=post),
        Route(
            "/admin/canned-replies/{reply_id}/delete",
            form_action("/admin/canned-replies", delete_canned),
            methods=post,
        ),
        Route("/admin/api-keys", keys_page, methods=["GET", "POST"]),
        Route("/admin/api-keys/{key_id}/revoke", form_action("/admin/api-keys", revoke_key), methods=post),
    ]
