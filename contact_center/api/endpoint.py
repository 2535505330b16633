"""One declaration per API operation, turned into a Starlette route and an OpenAPI entry.

An :class:`Endpoint` names its method, path, parameters, body and response. The
route built from it authenticates the key, parses path ids, query parameters and
the JSON body against those declarations, and only then calls the handler. A
handler therefore sees checked values and never has to think about hostile input.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy.exc import DataError, IntegrityError
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from contact_center.api.audit_hook import audit_call
from contact_center.api.auth import authenticate
from contact_center.api.pagination import AFTER, DEFAULT_LIMIT, LIMIT
from contact_center.api.schema import Schema
from contact_center.api.schema_objects import Obj
from contact_center.api.schema_scalars import Bool, Int
from contact_center.api.scopes import require_scope
from contact_center.errors import error_body, http_detail, read_json
from contact_center.i18n import _
from repository.errors import Conflict, ContactCenterError, InvalidInput, NotFound

if TYPE_CHECKING:
    from starlette.requests import Request

    from contact_center.context import AppContext
    from repository.core.models import ApiKey

PREFIX = "/api/v1"
Method = Literal["GET", "POST", "PATCH", "DELETE"]
Handler = Callable[["Call"], Awaitable[Any]]
_PATH_ID = re.compile(r"\{(\w+)\}")
_MAX_ID = 2**31 - 1
# JSON Schema's integer includes 60.0, and a client serialising a number may write it so.
_INTEGER = re.compile(r"-?[0-9]{1,12}(?:\.0+)?")


@dataclass(frozen=True)
class Param:
    """A query parameter."""

    name: str
    schema: Schema
    required: bool = False


@dataclass(frozen=True)
class Endpoint:
    method: Method
    path: str
    handler: Handler
    summary: str
    tag: str
    response: Schema | None = None
    status: int = 200
    query: tuple[Param, ...] = ()
    body: Obj | None = None
    paged: bool = False
    public: bool = False
    conflicts: bool = False
    # read / write / admin; None = by method and tag (contact_center/api/scopes.py).
    scope: str | None = None
    # Changes are always audited (contact_center/api/audit_hook.py); a GET only if this says so.
    audited: bool = False

    @property
    def path_ids(self) -> list[str]:
        return _PATH_ID.findall(self.path)

    @property
    def all_query(self) -> tuple[Param, ...]:
        paging = (Param("limit", LIMIT), Param("after", AFTER)) if self.paged else ()
        return self.query + paging

    @property
    def operation_id(self) -> str:
        return self.handler.__name__.strip("_")


@dataclass
class Call:
    """What a handler gets: checked ids, query and body, plus the app context."""

    ctx: AppContext
    request: Request
    key: ApiKey | None
    ids: dict[str, int] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)
    body: dict[str, Any] = field(default_factory=dict)

    async def db(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run a store function in a worker thread, off the event loop."""
        return await self.ctx.hub.db.run(fn, *args, **kwargs)

    @property
    def page(self) -> dict[str, Any]:
        return {"after": self.query.get("after"), "limit": self.query.get("limit") or DEFAULT_LIMIT}


def _path_ids(endpoint: Endpoint, request: Request) -> dict[str, int]:
    ids: dict[str, int] = {}
    for name in endpoint.path_ids:
        raw = str(request.path_params.get(name, ""))
        if not raw.isascii() or not raw.isdigit() or not 0 < int(raw[:12]) <= _MAX_ID:
            raise NotFound(
                "no such %(thing)s",
                params={"thing": name.removesuffix("_id").replace("_", " ")},
                **{name: raw[:20]},
            )
        ids[name] = int(raw)
    return ids


def _query_value(param: Param, raw: str) -> Any:
    schema = param.schema
    if isinstance(schema, Int):
        if not _INTEGER.fullmatch(raw):
            raise InvalidInput(
                "%(name)s must be a whole number", params={"name": param.name}, field=param.name
            )
        return schema.check(int(raw.partition(".")[0]), param.name)
    if isinstance(schema, Bool):
        if raw.lower() not in ("true", "false", "1", "0"):
            raise InvalidInput(
                "%(name)s must be true or false", params={"name": param.name}, field=param.name
            )
        return raw.lower() in ("true", "1")
    return schema.check(raw, param.name)


def parse_query(endpoint: Endpoint, request: Request) -> dict[str, Any]:
    declared = {param.name for param in endpoint.all_query}
    for name in request.query_params:
        if name not in declared:
            # A misspelt filter (?stauts=open) would otherwise answer as if there were none.
            # The name is echoed as printable text only (no NUL, no controls).
            shown = "".join(c for c in name if c.isprintable())[:60]
            raise InvalidInput("unknown query parameter %(name)r", params={"name": shown}, field=shown)
    out: dict[str, Any] = {}
    for param in endpoint.all_query:
        # An empty value (?limit=) is a value, checked like any other: it is not "absent".
        raw = request.query_params.get(param.name)
        if raw is not None:
            out[param.name] = _query_value(param, raw)
        elif param.required:
            raise InvalidInput("%(name)s is required", params={"name": param.name}, field=param.name)
    return out


def build_route(ctx: AppContext, endpoint: Endpoint, read_before: Handler | None = None) -> Route:
    """The route for ``endpoint``; ``read_before`` is its path's GET, for the audit's "before"."""

    async def run(request: Request) -> Response:
        key = None if endpoint.public else await authenticate(ctx, request)
        if key is not None:
            require_scope(key, endpoint)
        call = Call(ctx, request, key, _path_ids(endpoint, request), parse_query(endpoint, request))
        if endpoint.body is not None:
            if not await request.body():
                # The document marks every request body required; an absent one is not "{}".
                return JSONResponse(
                    error_body("malformed_json", _("send the fields as a JSON object in the body")),
                    status_code=400,
                )
            try:
                raw = await read_json(request)
            except HTTPException as exc:
                code = "body_too_large" if exc.status_code == 413 else "malformed_json"
                return JSONResponse(error_body(code, http_detail(exc)), status_code=exc.status_code)
            except RecursionError:
                # json.loads gives up on deep nesting with RecursionError, which read_json lets through.
                return JSONResponse(
                    error_body("malformed_json", _("the body is nested too deeply")), status_code=400
                )
            call.body = endpoint.body.check(raw)
        before = None
        if read_before is not None and endpoint.method in ("PATCH", "DELETE"):
            with suppress(ContactCenterError):
                before = await read_before(Call(ctx, request, key, call.ids))
        try:
            result = await endpoint.handler(call)
        except IntegrityError as exc:
            if _is_missing_value(exc):
                raise InvalidInput("a required value is missing") from exc
            # A uniqueness race the repository did not translate: still the client's conflict.
            raise Conflict("this would duplicate an existing record") from exc
        except DataError as exc:
            raise InvalidInput("a value does not fit the store") from exc
        await audit_call(call, endpoint, before, result)
        if endpoint.response is None:
            return Response(status_code=204)
        return JSONResponse(result, status_code=endpoint.status)

    run.__name__ = endpoint.operation_id
    return Route(route_path(endpoint.path), run, methods=[endpoint.method], name=endpoint.operation_id)


def route_path(path: str) -> str:
    """``/customers/{customer_id}`` as ``/api/v1/customers/{customer_id:int}``.

    With the int convertor ``PATCH /customers/bulk`` no longer reaches the
    ``{customer_id}`` operations (a 404 for "no such customer"), but the router's
    405 for the ``/customers/bulk`` path, with its ``Allow`` header.
    """
    return PREFIX + _PATH_ID.sub(r"{\1:int}", path)


def build_routes(ctx: AppContext, endpoints: list[Endpoint]) -> list[Route]:
    """One route per path, holding every method of that path.

    One route per method made the router's 405 name only the first route's method in
    ``Allow``; a route per path answers an unsupported method with 405 and the full list.
    """
    reads = {e.path: e.handler for e in endpoints if e.method == "GET"}
    by_path: dict[str, dict[str, Route]] = {}
    for endpoint in endpoints:
        route = build_route(ctx, endpoint, reads.get(endpoint.path))
        by_path.setdefault(endpoint.path, {})[endpoint.method] = route
    routes = []
    for path, methods in by_path.items():
        handlers = {method: route.endpoint for method, route in methods.items()}

        async def run(request: Request, handlers: dict[str, Any] = handlers) -> Response:
            method = "GET" if request.method == "HEAD" else request.method
            response: Response = await handlers[method](request)
            return response

        first = next(iter(methods.values()))
        run.__name__ = first.name
        routes.append(Route(route_path(path), run, methods=list(methods), name=first.name))
    return routes


def _is_missing_value(exc: IntegrityError) -> bool:
    """A NOT NULL violation (SQLite's message, PostgreSQL's SQLSTATE 23502), not a duplicate."""
    return getattr(exc.orig, "sqlstate", None) == "23502" or "NOT NULL constraint failed" in str(exc.orig)
