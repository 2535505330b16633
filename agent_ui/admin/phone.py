"""Admin pages for the phone side: company numbers (IVR menu, business hours, time zone,
messages) and where each agent's calls ring (Twilio Client identity, phone number, PBX
extension). Same post/redirect/get pattern as agent_ui/admin/directory.py; validation is the
repository's (repository/telephony/config.py), shared with the REST API.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import Route

from agent_ui.admin.post import flashed_post, row_id
from agent_ui.auth import require_role
from contact_center.i18n import _, supported_locales
from repository.directory import list_agents, list_queues
from repository.directory.business_hours import DAYS
from repository.errors import InvalidInput
from repository.telephony.config import (
    delete_number,
    list_endpoints,
    list_numbers,
    save_endpoint,
    save_number,
)

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.templating import Jinja2Templates

    from contact_center.context import AppContext
    from repository.core.models import Agent

MENU_ROWS = 9


def hours_from_form(form: dict[str, Any]) -> dict[str, list[list[str]]]:
    """One field per day, "09:00-12:00, 13:00-17:00"; every day blank means always open."""
    hours: dict[str, list[list[str]]] = {}
    for day in DAYS:
        raw = str(form.get(f"hours_{day}", "")).strip()
        if raw:
            spans = [part.strip().split("-", 1) for part in raw.split(",") if part.strip()]
            if any(len(span) != 2 for span in spans):
                raise InvalidInput(
                    _("Write hours as 09:00-17:00, separated by commas."), field=f"hours_{day}"
                )
            hours[day] = [[a.strip(), b.strip()] for a, b in spans]
    if hours:
        for day in DAYS:
            hours.setdefault(day, [])  # a blank day is closed once any day has hours
    return hours


def menu_from_form(form: dict[str, Any]) -> list[dict[str, Any]]:
    menu = []
    for n in range(MENU_ROWS):
        label = str(form.get(f"menu_label_{n}", "")).strip()
        if not label:
            continue
        queue = str(form.get(f"menu_queue_{n}", ""))
        keywords = [w.strip() for w in str(form.get(f"menu_keywords_{n}", "")).split(",") if w.strip()]
        menu.append(
            {
                "digit": str(form.get(f"menu_digit_{n}", "")).strip(),
                "label": label,
                "keywords": keywords,
                "queue_id": int(queue) if queue.isdigit() else None,
            }
        )
    return menu


def hours_text(spans: list[list[str]]) -> str:
    return ", ".join(f"{a}-{b}" for a, b in spans)


def phone_routes(ctx: AppContext, templates: Jinja2Templates) -> list[Route]:
    db = ctx.hub.db.run

    def render(request: Request, admin: Agent, name: str, **data: Any) -> Response:
        context = {"admin": admin, "flashes": request.session.pop("flash", []), "days": DAYS, **data}
        return templates.TemplateResponse(request, f"admin_phone{name}.html", context)

    @require_role(ctx, "admin")
    async def overview(request: Request, admin: Agent) -> Response:
        endpoints = {e.agent_id: e for e in await db(list_endpoints)}
        agents = [a for a in await db(list_agents) if a.is_active]
        return render(
            request,
            admin,
            "",
            numbers=await db(list_numbers),
            agents=agents,
            endpoints=endpoints,
            queues=await db(list_queues),
        )

    @require_role(ctx, "admin")
    async def add_number(request: Request, admin: Agent) -> Response:
        async def run(form: dict[str, Any]) -> str:
            queue = str(form.get("default_queue_id", ""))
            row = await db(
                save_number,
                None,
                {
                    "number": str(form.get("number", "")),
                    "label": str(form.get("label", ""))[:120],
                    "default_queue_id": int(queue) if queue.isdigit() else None,
                },
            )
            return _("Number %(number)s added.", number=row.number)

        return await flashed_post(request, "/admin/phone", run)

    @require_role(ctx, "admin")
    async def number_page(request: Request, admin: Agent) -> Response:
        number_id = row_id(request, "number_id")
        number = next((n for n in await db(list_numbers) if n.id == number_id), None)
        if number is None:
            raise HTTPException(404, "no such number")
        menu = list(number.menu) + [{}] * (MENU_ROWS - len(number.menu))
        hours = {day: hours_text(number.business_hours.get(day, [])) for day in DAYS}
        return render(
            request, admin, "_number", number=number, menu=menu, hours=hours, queues=await db(list_queues)
        )

    @require_role(ctx, "admin")
    async def save_number_page(request: Request, admin: Agent) -> Response:
        number_id = row_id(request, "number_id")

        async def run(form: dict[str, Any]) -> str:
            queue = str(form.get("default_queue_id", ""))
            changes = {
                name: str(form.get(name, ""))
                for name in ("label", "greeting", "after_hours_message", "help_reply", "time_zone")
            }
            changes["time_zone"] = changes["time_zone"] or "UTC"
            changes["language"] = str(form.get("language", "en"))
            if changes["language"] not in supported_locales():
                raise InvalidInput(_("Choose one of the listed languages."), field="language")
            row = await db(
                save_number,
                number_id,
                {
                    **changes,
                    "default_queue_id": int(queue) if queue.isdigit() else None,
                    "menu": menu_from_form(form),
                    "business_hours": hours_from_form(form),
                },
            )
            return _("Number %(number)s saved.", number=row.number)

        return await flashed_post(request, f"/admin/phone/numbers/{number_id}", run)

    @require_role(ctx, "admin")
    async def remove_number(request: Request, admin: Agent) -> Response:
        number_id = row_id(request, "number_id")

        async def run(form: dict[str, Any]) -> str:
            await db(delete_number, number_id)
            return _("Number removed.")

        return await flashed_post(request, "/admin/phone", run)

    @require_role(ctx, "admin")
    async def agent_phone(request: Request, admin: Agent) -> Response:
        agent_id = row_id(request, "agent_id")

        async def run(form: dict[str, Any]) -> str:
            await db(save_endpoint, agent_id, form)
            return _("Phone settings saved.")

        return await flashed_post(request, "/admin/phone", run)

    return [
        Route("/admin/phone", overview),
        Route("/admin/phone/numbers", add_number, methods=["POST"]),
        Route("/admin/phone/numbers/{number_id}", number_page),
        Route("/admin/phone/numbers/{number_id}/save", save_number_page, methods=["POST"]),
        Route("/admin/phone/numbers/{number_id}/delete", remove_number, methods=["POST"]),
        Route("/admin/phone/agents/{agent_id}", agent_phone, methods=["POST"]),
    ]
