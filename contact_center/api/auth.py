"""Bearer API keys: ``Authorization: Bearer cck_...``, checked against the stored hashes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.exceptions import HTTPException

from repository.directory.api_keys import verify_api_key

if TYPE_CHECKING:
    from starlette.requests import Request

    from contact_center.context import AppContext
    from repository.core.models import ApiKey

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="contact-center"'}


def _unauthorized(message: str) -> HTTPException:
    return HTTPException(401, message, headers=CHALLENGE)


async def authenticate(ctx: AppContext, request: Request) -> ApiKey:
    """The active key the request carries; 401 with a Bearer challenge otherwise."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        raise _unauthorized("send an API key as 'Authorization: Bearer <key>'")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("the Authorization header must be 'Bearer <key>'")
    key: ApiKey | None = await ctx.hub.db.run(verify_api_key, token.strip())
    if key is None:
        raise _unauthorized("the API key is unknown or revoked")
    return key
