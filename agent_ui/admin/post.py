"""Post/redirect/get for the admin pages: flash messages, CSRF-checked posts, row ids.

Every admin change is a form post that redirects back with a flash message, so a reload
never repeats it; every admin module builds its handlers from these three helpers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response

from agent_ui.auth import check_csrf
from contact_center.errors import localized
from repository.errors import ContactCenterError

if TYPE_CHECKING:
    from starlette.requests import Request

Form = dict[str, Any]
_MAX_ID = 2**31 - 1


def flash(request: Request, message: str, kind: str = "ok") -> None:
    request.session.setdefault("flash", []).append([kind, message[:300]])


async def flashed_post(request: Request, back: str, action: Callable[[Form], Awaitable[str]]) -> Response:
    """Check CSRF, run ``action(form)``, flash its message (or the error's) and redirect to ``back``."""
    form = await check_csrf(request)
    try:
        flash(request, await action(form))
    except ContactCenterError as exc:
        flash(request, localized(exc), "error")
    return RedirectResponse(back, status_code=303)


def row_id(request: Request, name: str) -> int:
    """The positive 32-bit row id in path parameter ``name``; anything else is a 404."""
    raw = str(request.path_params.get(name, ""))
    if not raw.isascii() or not raw.isdigit() or not 0 < int(raw[:12]) <= _MAX_ID:
        raise HTTPException(404, "no such record")
    return int(raw)
