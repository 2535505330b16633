"""Admin page for labels and custom fields: define, recolour, delete labels; define fields.

Same post/redirect/get pattern and CSRF check as the other admin forms
(agent_ui/admin/directory.py ``flashed_post``); the checks are those of
``repository/crm/labels.py`` and ``repository/crm/custom_fields.py``. See docs/labels-and-fields.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.responses import Response
from starlette.routing import Route

from agent_ui.admin.forms import text
from agent_ui.admin.post import flashed_post, row_id
from agent_ui.auth import require_role
from contact_center.i18n import _
from repository.crm import custom_fields, labels
from repository.crm.label_models import FIELD_TYPES, TARGETS

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.templating import Jinja2Templates

    from contact_center.context import AppContext
    from repository.core.models import Agent

BACK = "/admin/labels"


def label_admin_routes(ctx: AppContext, templates: Jinja2Templates) -> list[Route]:
    db = ctx.hub.db.run

    @require_role(ctx, "admin")
    async def page(request: Request, admin: Agent) -> Response:
        context: dict[str, Any] = {
            "admin": admin,
            "flashes": request.session.pop("flash", []),
            "labels": await db(labels.list_labels),
            "fields": [custom_fields.field_dict(f) for f in await db(custom_fields.list_fields)],
            "targets": TARGETS,
            "field_types": FIELD_TYPES,
        }
        return templates.TemplateResponse(request, "admin_labels.html", context)

    @require_role(ctx, "admin")
    async def add_label(request: Request, admin: Agent) -> Response:
        async def act(form: dict[str, Any]) -> str:
            label = await db(
                labels.create_label,
                text(form, "name", 60),
                text(form, "colour", 7) or "#64748b",
                text(form, "description", 200),
            )
            return _("Label %(name)s created.", name=label.name)

        return await flashed_post(request, BACK, act)

    @require_role(ctx, "admin")
    async def edit_label(request: Request, admin: Agent) -> Response:
        label_id = row_id(request, "label_id")

        async def act(form: dict[str, Any]) -> str:
            label = await db(labels.update_label, label_id, colour=text(form, "colour", 7))
            return _("Label %(name)s saved.", name=label.name)

        return await flashed_post(request, BACK, act)

    @require_role(ctx, "admin")
    async def drop_label(request: Request, admin: Agent) -> Response:
        label_id = row_id(request, "label_id")

        async def act(form: dict[str, Any]) -> str:
            await db(labels.delete_label, label_id)
            return _("The label was deleted and taken off every record.")

        return await flashed_post(request, BACK, act)

    @require_role(ctx, "admin")
    async def add_field(request: Request, admin: Agent) -> Response:
        async def act(form: dict[str, Any]) -> str:
            options = [o.strip() for o in text(form, "options", 2000).split(",") if o.strip()]
            field = await db(
                custom_fields.create_field,
                text(form, "target", 12),
                text(form, "key", 40),
                text(form, "name", 80),
                text(form, "type", 10),
                options,
            )
            return _("Field %(name)s created.", name=field.name)

        return await flashed_post(request, BACK, act)

    get, post = ["GET"], ["POST"]
    return [
        Route(BACK, page, methods=get),
        Route(BACK, add_label, methods=post),
        Route(BACK + "/{label_id}", edit_label, methods=post),
        Route(BACK + "/{label_id}/delete", drop_label, methods=post),
        Route("/admin/custom-fields", add_field, methods=post),
    ]
