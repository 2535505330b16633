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
    text = gettext(exc.template)
    if exc.params:
        try:
            return text % exc.params
        except (KeyError, ValueError, TypeError):
            return exc.message  # a broken translation must not turn a 4xx into a 500
    return text


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
            error_body(code, gettext(str(exc.detail))), status_code=exc.status_code, headers=exc.headers
        )
    return Response(
        gettext(str(exc.detail)), status_code=exc.status_code, headers=exc.headers, media_type="text/plain"
    )


async def read_json(request: Request, max_bytes: int = 256 * 1024) -> dict[str, Any]:
    """The request's JSON object, or a 4xx that says what was wrong with it."""
    body = await request.body()
    if len(body) > max_bytes:
        raise HTTPException(413, f"body larger than {max_bytes} bytes")
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
