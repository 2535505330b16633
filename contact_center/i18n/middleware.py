"""Pick each request's locale: the signed-in user's choice, else the ``cc_lang`` cookie, else ``Accept-Language``.

Runs inside ``SessionMiddleware`` so the session is readable. Pages that load the agent
row (``agent_ui.auth.current_agent``) refine this from the stored per-user choice.
"""

from __future__ import annotations

from http.cookies import SimpleCookie
from typing import TYPE_CHECKING, Any

from contact_center.i18n.translate import LocaleState, locale_state, negotiate, resolve_locale

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from starlette.types import ASGIApp, Receive, Scope, Send

LANG_COOKIE = "cc_lang"


def locale_for_scope(scope: Scope) -> LocaleState:
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
    session = scope.get("session") or {}
    chosen = session.get("locale") if isinstance(session.get("locale"), str) else None
    if chosen is None and "cookie" in headers:
        cookie: SimpleCookie = SimpleCookie()
        try:
            cookie.load(headers["cookie"])
        except Exception:  # noqa: S110 - a mangled cookie header just means "no choice made"
            pass
        if LANG_COOKIE in cookie:
            chosen = cookie[LANG_COOKIE].value[:20]
    timezone = session.get("timezone") if isinstance(session.get("timezone"), str) else None
    if chosen is None:
        chosen = negotiate(headers.get("accept-language", ""))
    return resolve_locale(chosen, timezone or "UTC")


class LocaleMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[Any]:
        if scope["type"] == "websocket":
            # A websocket is its own task with its own context: the locale set here is
            # dropped with it, so there is nothing to reset and no frame of ours needs
            # to stay alive for the socket's whole life.
            locale_state.set(locale_for_scope(scope))
            return self.app(scope, receive, send)
        if scope["type"] != "http":
            return self.app(scope, receive, send)
        return self._http(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        token = locale_state.set(locale_for_scope(scope))
        try:
            await self.app(scope, receive, send)
        finally:
            locale_state.reset(token)
