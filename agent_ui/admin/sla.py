"""Admin page for a queue's overflow, maximum wait, minimum skill level and SLA policy.

The form edits the queue's general policy (every tier); per-tier policies are set
through the queue API (docs/sla.md) and listed here. Same post/redirect/get pattern
and CSRF check as the other admin forms; the checks are repository/directory/sla_policies.py's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.exceptions import HTTPException
from starlette.routing import Route

from agent_ui.admin.forms import checkbox, integer, skills
from agent_ui.admin.post import flashed_post, row_id
from agent_ui.auth import require_role
from contact_center.i18n import _
from repository.directory import list_queues, update_queue
from repository.directory.configuration import get_queue
from repository.directory.sla_policies import (
    MAX_TARGET_SECONDS,
    check_policies,
    policies_for,
    policy_dict,
    set_policies,
)
from repository.errors import NotFound
from repository.routing.sla_models import ACTIONS

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.templating import Jinja2Templates

    from contact_center.context import AppContext
    from repository.core.models import Agent

MAX_MINUTES = MAX_TARGET_SECONDS // 60


def _minutes(form: dict[str, Any], name: str) -> int | None:
    value = integer(form, name, 0, MAX_MINUTES)
    return value * 60 if value else None


def _settings(form: dict[str, Any]) -> dict[str, Any]:
    overflow = integer(form, "overflow_queue_id", 0, 2**31 - 1)
    return {
        "overflow_queue_id": overflow or None,
        "max_wait_seconds": _minutes(form, "max_wait_minutes"),
        "overflow_when_unstaffed": checkbox(form, "overflow_when_unstaffed"),
        "widened_skills": skills(form, "widened_skills") if checkbox(form, "widen") else None,
        "min_skill_level": integer(form, "min_skill_level", 0, 5),
    }


def _general_policy(form: dict[str, Any]) -> dict[str, Any] | None:
    first, resolution = _minutes(form, "first_response_minutes"), _minutes(form, "resolution_minutes")
    if first is None and resolution is None:
        return None
    return {
        "first_response_seconds": first,
        "resolution_seconds": resolution,
        "warning_percent": integer(form, "warning_percent", 1, 100, default=80),
        "business_hours_only": checkbox(form, "business_hours_only"),
        "actions": [a for a in ACTIONS if checkbox(form, f"action_{a}")],
        "priority_step": integer(form, "priority_step", 0, 100, default=10),
    }


def sla_admin_routes(ctx: AppContext, templates: Jinja2Templates) -> list[Route]:
    db = ctx.hub.db.run

    @require_role(ctx, "admin")
    async def page(request: Request, admin: Agent) -> Response:
        queue_id = row_id(request, "queue_id")
        try:
            queue = await db(get_queue, queue_id)
        except NotFound as exc:
            raise HTTPException(404, "no such queue") from exc
        policies = [policy_dict(p) for p in (await db(policies_for, [queue_id]))[queue_id]]
        context: dict[str, Any] = {
            "admin": admin,
            "flashes": request.session.pop("flash", []),
            "queue": queue,
            "others": [q for q in await db(list_queues) if q.id != queue_id],
            "general": next((p for p in policies if p["tier"] is None), None),
            "tiered": [p for p in policies if p["tier"] is not None],
            "actions": ACTIONS,
        }
        return templates.TemplateResponse(request, "admin_queue_sla.html", context)

    @require_role(ctx, "admin")
    async def save(request: Request, admin: Agent) -> Response:
        queue_id = row_id(request, "queue_id")

        async def act(form: dict[str, Any]) -> str:
            general = _general_policy(form)
            tiered = [p for p in (await db(policies_for, [queue_id]))[queue_id] if p.tier is not None]
            policies = check_policies([policy_dict(p) for p in tiered] + ([general] if general else []))
            queue = await db(update_queue, queue_id, **_settings(form))
            await db(set_policies, queue_id, policies)
            return _("SLA and overflow of %(name)s saved.", name=queue.name)

        return await flashed_post(request, f"/admin/queues/{queue_id}/sla", act)

    return [
        Route("/admin/queues/{queue_id}/sla", page, methods=["GET"]),
        Route("/admin/queues/{queue_id}/sla", save, methods=["POST"]),
    ]
