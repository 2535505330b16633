"""The desk's labels and custom fields: read and change them on the conversation in view.

JSON under ``/agent/…`` for the signed-in agent; every change carries the session's
CSRF token in ``X-CSRF-Token``. The checks are those of ``repository/crm/labels.py`` and
``repository/crm/custom_fields.py``, so the desk and the API refuse the same things. See docs/labels-and-fields.md.
"""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING, Any

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from agent_ui.auth import current_agent
from contact_center.errors import read_json
from contact_center.i18n import _
from repository.core.browse import get_interaction
from repository.crm import custom_fields, labels
from repository.errors import InvalidInput, NotFound

if TYPE_CHECKING:
    from starlette.requests import Request

    from contact_center.context import AppContext

_MAX_ID = 2**31 - 1
_MAX_IDS = 200


def path_id(request: Request, name: str) -> int:
    raw = str(request.path_params.get(name, ""))
    if not raw.isascii() or not raw.isdigit() or not 0 < int(raw[:12]) <= _MAX_ID:
        raise NotFound("no such %(thing)s", params={"thing": name.removesuffix("path_id")})
    return int(raw)


def desk_label_routes(ctx: AppContext) -> list[Route]:
    async def signed_in(request: Request, *, change: bool = False) -> dict[str, Any]:
        if await current_agent(ctx, request) is None:
            raise HTTPException(401, _("Your session ended; sign in again."))
        if not change:
            return {}
        expected = str(request.session.get("csrf", ""))
        if not expected or not hmac.compare_digest(request.headers.get("x-csrf-token", ""), expected):
            raise HTTPException(
                403, _("The form expired or came from another site; reload the page and try again.")
            )
        return await read_json(request, max_bytes=64 * 1024)

    async def catalogue(request: Request) -> Response:
        """Every label and field definition, and (``?ids=``) which labels those interactions carry."""
        await signed_in(request)
        raw = [p for p in request.query_params.get("ids", "").split(",") if p]
        if len(raw) > _MAX_IDS or not all(p.isdigit() and len(p) <= 10 for p in raw):
            raise InvalidInput(_("ids are up to 200 interaction ids, comma-separated."), field="ids")
        fields = await ctx.hub.db.run(custom_fields.list_fields)
        carried = await ctx.hub.db.run(labels.labels_of, "interaction", [int(p) for p in raw])
        return JSONResponse(
            {
                "labels": await ctx.hub.db.run(labels.list_labels),
                "fields": [custom_fields.field_dict(f) for f in fields],
                "carried": {str(k): [x["id"] for x in v] for k, v in carried.items()},
            }
        )

    async def extras(request: Request) -> Response:
        """The labels and field values of a conversation and of its customer."""
        await signed_in(request)
        iid = path_id(request, "interaction_id")
        interaction = await ctx.hub.db.run(get_interaction, iid)
        cid = interaction.customer_id
        return JSONResponse(
            {
                "interaction_id": iid,
                "customer_id": cid,
                "labels": (await ctx.hub.db.run(labels.labels_of, "interaction", [iid])).get(iid, []),
                "fields": (await ctx.hub.db.run(custom_fields.values_of, "interaction", [iid])).get(iid, {}),
                "customer_labels": (await ctx.hub.db.run(labels.labels_of, "customer", [cid])).get(cid, []),
                "customer_fields": (await ctx.hub.db.run(custom_fields.values_of, "customer", [cid])).get(
                    cid, {}
                ),
            }
        )

    async def put_label(request: Request) -> Response:
        body = await signed_in(request, change=True)
        label_id = body.get("label_id")
        if isinstance(label_id, bool) or not isinstance(label_id, int):
            raise InvalidInput(_("Choose a label."), field="label_id")
        target = request.path_params["target"]
        if target not in ("interaction", "customer"):
            raise NotFound("no such page")
        result = await ctx.hub.db.run(
            labels.attach_label, target, path_id(request, "record_id"), label_id=label_id
        )
        return JSONResponse({"labels": result})

    async def take_label(request: Request) -> Response:
        await signed_in(request, change=True)
        target = request.path_params["target"]
        if target not in ("interaction", "customer"):
            raise NotFound("no such page")
        result = await ctx.hub.db.run(
            labels.detach_label, target, path_id(request, "record_id"), path_id(request, "label_id")
        )
        return JSONResponse({"labels": result})

    async def set_fields(request: Request) -> Response:
        body = await signed_in(request, change=True)
        target = request.path_params["target"]
        values = body.get("fields")
        if target not in ("interaction", "customer") or not isinstance(values, dict):
            raise InvalidInput(_("Send the fields to change."), field="fields")
        # The desk's inputs send text; numbers are typed as text in a form field.
        definitions = {f.key: f for f in await ctx.hub.db.run(custom_fields.list_fields, target)}
        typed = {
            k: (_number(v, k) if k in definitions and definitions[k].type == "number" else (v or None))
            for k, v in values.items()
        }
        result = await ctx.hub.db.run(custom_fields.set_values, target, path_id(request, "record_id"), typed)
        return JSONResponse({"fields": result})

    return [
        Route("/agent/labels", catalogue),
        Route("/agent/interactions/{interaction_id}/extras", extras),
        Route("/agent/{target}/{record_id}/labels", put_label, methods=["POST"]),
        Route("/agent/{target}/{record_id}/labels/{label_id}", take_label, methods=["DELETE"]),
        Route("/agent/{target}/{record_id}/fields", set_fields, methods=["PATCH"]),
    ]


def _number(value: Any, key: str) -> Any:
    if value in (None, ""):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    try:
        return float(str(value).replace(",", "."))
    except ValueError as exc:
        raise InvalidInput("%(key)s must be a number", params={"key": key}, field=key) from exc
