"""The OpenAPI 3.1 document, rendered from the endpoint table and nothing else."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from contact_center.api.endpoint import PREFIX, Endpoint
from contact_center.api.schema import Registry
from contact_center.api.schema_objects import Obj
from contact_center.api.schema_scalars import Int, Str
from contact_center.api.scopes import required_scope

TAGS = {
    "customers": "Customers and their identities, value and timeline",
    "interactions": "Every contact on every channel, with its events",
    "agents": "Agents, roles, skills and capacity",
    "queues": "Queues, routing strategy and priority",
    "settings": "Wrap-up codes, canned replies and skills",
    "meta": "About the API itself",
}
ERROR = Obj(
    name="Error",
    fields={
        "error": Obj(
            fields={
                "code": Str(max_length=60, description="stable, machine-readable"),
                "message": Str(max_length=1000, description="for humans"),
                "field": Str(max_length=60, description="the input at fault, when there is one"),
            },
            required=("code", "message"),
        )
    },
    required=("error",),
)
_ERRORS = {
    "400": ("BadRequest", "The body is not a JSON object"),
    "401": ("Unauthorized", "No API key, or an unknown or revoked one"),
    "403": ("Forbidden", "The API key lacks the scope this operation needs (insufficient_scope)"),
    "404": ("NotFound", "No such record"),
    "409": (
        "Conflict",
        "It would duplicate a record (a stored one, or another item of the same request), "
        "or the record's current state forbids it",
    ),
    "413": ("TooLarge", "The body is too large"),
    "422": (
        "InvalidInput",
        "A value is missing, of the wrong type or out of range, or the query names a parameter "
        "this operation does not have",
    ),
}


def _parameters(endpoint: Endpoint, registry: Registry) -> list[dict[str, Any]]:
    params = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": Int(minimum=1).to_json(registry),
        }
        for name in endpoint.path_ids
    ]
    for param in endpoint.all_query:
        entry: dict[str, Any] = {"name": param.name, "in": "query", "required": param.required}
        schema = _inline(param.schema.to_json(registry), registry)
        if "description" in schema:
            entry["description"] = schema.pop("description")
        entry["schema"] = schema
        params.append(entry)
    return params


def _inline(schema: dict[str, Any], registry: Registry) -> dict[str, Any]:
    """A named format written out in full: query parameters read best (and are generated
    most faithfully by tools such as schemathesis) with their rules in place, not behind a $ref."""
    ref = schema.get("$ref")
    if ref is None:
        return schema
    named = registry.schemas[ref.rsplit("/", 1)[1]]
    return {**named, **{k: v for k, v in schema.items() if k != "$ref"}}


def _error_codes(endpoint: Endpoint) -> list[str]:
    codes = [] if endpoint.public else ["401", "403"]
    if endpoint.path_ids or endpoint.body is not None or endpoint.all_query:
        codes.append("404")  # the path's record, or one the body or query refers to
    if endpoint.body is not None:
        codes += ["400", "413"]
    if endpoint.conflicts:
        codes.append("409")
    codes.append("422")  # a bad body or query value, or a query parameter the operation lacks
    return sorted(codes)


def _operation(endpoint: Endpoint, registry: Registry) -> dict[str, Any]:
    op: dict[str, Any] = {
        "operationId": endpoint.operation_id,
        "summary": endpoint.summary,
        "tags": [endpoint.tag],
        "parameters": _parameters(endpoint, registry),
    }
    if endpoint.public:
        op["security"] = []
    else:
        # OpenAPI 3.1 lets a bearer scheme list role names: the scope this operation needs.
        op["security"] = [{"bearerAuth": [required_scope(endpoint)]}]
    if endpoint.body is not None:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": endpoint.body.to_json(registry)}},
        }
    responses: dict[str, Any] = {}
    if endpoint.response is None:
        responses["204"] = {"description": "Done"}
    else:
        responses[str(endpoint.status)] = {
            "description": "Created" if endpoint.status == 201 else "OK",
            "content": {"application/json": {"schema": endpoint.response.to_json(registry)}},
        }
    for code in _error_codes(endpoint):
        responses[code] = {"$ref": f"#/components/responses/{_ERRORS[code][0]}"}
    op["responses"] = responses
    return op


def openapi_path(path: str) -> str:
    """Starlette's ``{name:convertor}`` as OpenAPI's ``{name}``."""
    return re.sub(r"\{(\w+)(:\w+)?\}", r"{\1}", path)


def build_document(endpoints: Iterable[Endpoint], *, version: str = "1.0.0") -> dict[str, Any]:
    registry = Registry()
    paths: dict[str, dict[str, Any]] = {}
    for endpoint in endpoints:
        paths.setdefault(openapi_path(endpoint.path), {})[endpoint.method.lower()] = _operation(
            endpoint, registry
        )
    error_ref = ERROR.to_json(registry)
    # An error also names what it is about (``customer_id``, ``scope``, ``retry_after``…), so
    # the inner object is open; ``code`` and ``message`` are always there.
    registry.schemas["Error"]["properties"]["error"]["additionalProperties"] = True
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Contact Center API",
            "version": version,
            "description": "Customers, interactions and desk configuration of the contact-center hub. "
            "Lists are paged with ?limit= (1 to 200) and ?after=<next_after of the previous page>.",
        },
        "servers": [{"url": PREFIX}],
        "security": [{"bearerAuth": []}],
        "tags": [{"name": name, "description": text} for name, text in TAGS.items()],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API key (cck_...) from the admin pages or `contact-center apikey create`",
                }
            },
            "schemas": registry.schemas,
            "responses": {
                name: {"description": text, "content": {"application/json": {"schema": error_ref}}}
                for name, text in _ERRORS.values()
            },
        },
    }
