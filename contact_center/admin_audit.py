"""Record every admin page post in the audit log: who, when, which page, the form, the outcome.

Sits inside the session middleware (it knows the signed-in agent) and inside the body
limit (it reads the body once and replays it to the page; admin forms are small).
Secret-looking form fields are hidden by ``repository.compliance.audit.redact``. The GDPR pages
record their own, richer entries (agent_ui/admin/compliance.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from repository.compliance.audit import record

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from contact_center.context import AppContext

# Posts to these are recorded by their own handlers, with more than the form.
OWN_RECORDS = ("/admin/gdpr/",)


class AdminAudit:
    """Record every admin page post: who, when, which page, the submitted form (secrets hidden), the outcome.

    Sits inside the session middleware, so it knows the signed-in agent. The body is read
    once here and replayed to the page; admin forms are small (``MAX_BODY_BYTES``).
    """

    def __init__(self, app: ASGIApp, ctx: AppContext) -> None:
        self.app = app
        self.ctx = ctx

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[Any]:
        path = scope.get("path", "")
        if scope["type"] != "http" or scope["method"] != "POST" or not path.startswith("/admin"):
            # Returned, not awaited: no frame of ours stays alive under a websocket or a page.
            return self.app(scope, receive, send)
        return self._audited(scope, receive, send, path)

    async def _audited(self, scope: Scope, receive: Receive, send: Send, path: str) -> None:
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False) and message["type"] == "http.request"
        body = b"".join(chunks)
        status = 0

        async def replay() -> Message:
            nonlocal body
            out, body = body, b""
            return {"type": "http.request", "body": out, "more_body": False}

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        await self.app(scope, replay, watch)
        agent_id = scope.get("session", {}).get("agent_id")
        if agent_id is None or path.startswith(OWN_RECORDS) or status in (401, 403):
            return
        form = dict(parse_qsl(b"".join(chunks).decode("utf-8", "replace"), keep_blank_values=True))
        client = scope.get("client")
        await self.ctx.hub.db.run(
            record,
            actor_type="agent",
            actor_id=int(agent_id),
            action="admin.post " + path[:60],
            target_type="admin_page",
            target_id=path.rsplit("/", 2)[-2] if path.count("/") > 2 else "",
            after={"form": form, "status": status},
            address=client[0] if client else "",
        )
