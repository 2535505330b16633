"""The language and time-zone picker: ``POST /preferences``.

Signed in, the choice is stored on the agent (remembered on every device) and copied
into the session. Before sign-in (the login page) it lives in the ``cc_lang`` cookie.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlparse

from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from agent_ui.auth import check_csrf, current_agent
from contact_center.i18n import LANG_COOKIE, _, supported_locales, valid_timezone
from repository.directory.preferences import set_preferences
from repository.errors import InvalidInput

if TYPE_CHECKING:
    from starlette.requests import Request

    from contact_center.context import AppContext

ONE_YEAR = 365 * 24 * 3600


def _back(target: str) -> str:
    if not target.startswith("/") or target.startswith("//") or urlparse(target).netloc:
        return "/agent"
    return target


def preference_routes(ctx: AppContext) -> list[Route]:
    async def preferences(request: Request) -> Response:
        form = await check_csrf(request)
        locale = str(form.get("locale", "")).strip() or None
        timezone = str(form.get("timezone", "")).strip() or None
        if locale is not None and locale not in supported_locales():
            raise InvalidInput(_("Unknown language %(locale)s.", locale=locale[:20]), field="locale")
        if timezone is not None and valid_timezone(timezone) is None:
            raise InvalidInput(_("Unknown time zone %(zone)s.", zone=timezone[:64]), field="timezone")
        agent = await current_agent(ctx, request)
        if agent is not None and agent.id is not None:
            await ctx.hub.db.run(set_preferences, agent.id, locale=locale, timezone=timezone)
            if locale:
                request.session["locale"] = locale
            if timezone:
                request.session["timezone"] = timezone
        response = RedirectResponse(_back(str(form.get("next", "/agent"))), status_code=303)
        if locale:
            response.set_cookie(
                LANG_COOKIE, locale, max_age=ONE_YEAR, samesite="lax", secure=ctx.settings.secure_cookies
            )
        return response

    return [Route("/preferences", preferences, methods=["POST"])]
