"""Turning errors into clear client responses: a 4xx with a stable code, never a 500."""

from __future__ import annotations

import json
import logging
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from contact_center.i18n import gettext
from repository.errors import ContactCenterError

log = logging.getLogger(__name__)


def error_body(code: str, message: str, **details: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, **details}}


def localized(exc: ContactCenterError) -> str:
    """The error's message in the current locale (English when no catalogue has it).

    The ``code`` stays the stable, machine-readable part; only the sentence is translated.
    Messages built with f-strings cannot be looked up and stay English.
    """
    return _fill(gettext(exc.template), exc.params, exc.message)


def _fill(text: str, params: dict[str, object], english: str) -> str:
    if not params:
        return text
    # An error quoted inside another ("line 3: <error>") is translated too.
    values = {k: localized(v) if isinstance(v, ContactCenterError) else v for k, v in params.items()}
    try:
        return text % values
    except (KeyError, ValueError, TypeError):
        return english  # a broken translation must not turn a 4xx into a 500


class HTTPError(HTTPException):
    """An HTTPException whose detail is a constant English sentence with %(name)s ``params``.

    ``HTTPException(413, f"... {n} ...")`` cannot be extracted for translation; this can.
    """

    def __init__(
        self,
        status_code: int,
        detail: str,
        *,
        params: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.template = detail
        self.params = params or {}
        super().__init__(status_code, detail % params if params else detail, headers)


def http_detail(exc: HTTPException) -> str:
    if isinstance(exc, HTTPError):
        return _fill(gettext(exc.template), exc.params, str(exc.detail))
    return gettext(str(exc.detail))


async def handle_domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ContactCenterError)
    return JSONResponse(error_body(exc.code, localized(exc), **exc.details), status_code=exc.status_code)


async def handle_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if request.url.path.startswith(("/api/", "/channels/", "/healthz")) or "json" in request.headers.get(
        "accept", ""
    ):
        code = {
            400: "bad_request",
            401: "unauthorized",
            403: "forbidden",
            404: "not_found",
            405: "method_not_allowed",
            413: "body_too_large",
        }.get(exc.status_code, "http_error")
        return JSONResponse(
            error_body(code, http_detail(exc)), status_code=exc.status_code, headers=exc.headers
        )
    return Response(
        http_detail(exc), status_code=exc.status_code, headers=exc.headers, media_type="text/plain"
    )


async def read_json(request: Request, max_bytes: int = 256 * 1024) -> dict[str, Any]:
    """The request's JSON object, or a 4xx that says what was wrong with it."""
    body = await request.body()
    if len(body) > max_bytes:
        raise HTTPError(413, "body larger than %(max)s bytes", params={"max": max_bytes})
    try:
        data = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise HTTPException(400, "body is not valid JSON") from exc
    if not isinstance(data, dict):
        raise HTTPException(400, "body must be a JSON object")
    return data


EXCEPTION_HANDLERS: dict[Any, Any] = {
    ContactCenterError: handle_domain_error,
    HTTPException: handle_http_error,
}
