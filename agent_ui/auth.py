"""Sign-in, signed session cookies, CSRF tokens and role checks.

The session is Starlette's signed cookie; it carries the agent id and a CSRF token.
Every form post must echo that token, so another site cannot post on an agent's
behalf. Websockets check the Origin header for the same reason.
"""

from __future__ import annotations

import hmac
import secrets
from functools import wraps
from typing import TYPE_CHECKING, Any

from starlette.exceptions import HTTPException
from starlette.requests import HTTPConnection, Request
from starlette.responses import RedirectResponse, Response

from contact_center.i18n import N_, _, current_locale, set_locale
from repository.directory.sessions import session_agent

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from contact_center.context import AppContext
    from repository.core.models import Agent

ROLE_RANK = {"agent": 0, "supervisor": 1, "admin": 2}
ROLE_LABELS = {"agent": N_("agent"), "supervisor": N_("supervisor"), "admin": N_("admin")}


def csrf_token(conn: HTTPConnection) -> str:
    token = conn.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        conn.session["csrf"] = token
    return str(token)


async def check_csrf(request: Request) -> dict[str, Any]:
    """The posted form, if its CSRF token matches the session's; 403 otherwise."""
    form = await request.form(max_fields=200, max_files=0)
    sent = str(form.get("csrf_token", ""))
    expected = str(request.session.get("csrf", ""))
    if not expected or not hmac.compare_digest(sent, expected):
        raise HTTPException(
            403, _("The form expired or came from another site; reload the page and try again.")
        )
    return dict(form)


async def current_agent(ctx: AppContext, conn: HTTPConnection) -> Agent | None:
    """The signed-in agent, or None for a missing, forged, expired or revoked session."""
    agent = await ctx.hub.db.run(session_agent, dict(conn.session))
    if agent is None:
        return None
    # The stored choice beats the session copy: it may have changed in another tab or device.
    if agent.locale or agent.timezone:
        set_locale(agent.locale or current_locale(), agent.timezone)
    return agent


def login_session(request: Request, agent: Agent) -> None:
    request.session.clear()
    request.session.update(
        {
            "agent_id": agent.id,
            "pw": agent.password_hash[-16:],
            "csrf": secrets.token_urlsafe(32),
            # Names this sign-in, so signing out can end exactly its open desktops.
            "sid": secrets.token_urlsafe(12),
        }
    )
    # Copied so pages that never load the agent row (and the websocket) speak the same language.
    if agent.locale:
        request.session["locale"] = agent.locale
    if agent.timezone:
        request.session["timezone"] = agent.timezone


def same_origin(conn: HTTPConnection) -> bool:
    origin = conn.headers.get("origin")
    if origin is None:
        return True
    host = conn.headers.get("host", "")
    return origin.split("://", 1)[-1].rstrip("/") == host


def require_role(
    ctx: AppContext, role: str
) -> Callable[[Callable[..., Awaitable[Response]]], Callable[[Request], Awaitable[Response]]]:
    """Decorate a page handler: signed in with at least ``role``, else login or 403."""

    def decorate(handler: Callable[..., Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
        @wraps(handler)
        async def wrapper(request: Request) -> Response:
            agent = await current_agent(ctx, request)
            if agent is None:
                return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
            if ROLE_RANK.get(agent.role, -1) < ROLE_RANK[role]:
                raise HTTPException(403, _("This page needs the %(role)s role.", role=_(ROLE_LABELS[role])))
            return await handler(request, agent)

        return wrapper

    return decorate
