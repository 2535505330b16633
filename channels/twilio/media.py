"""Signed, expiring links Twilio fetches an agent's MMS files from.

Twilio does not take the file in the request: it downloads each ``MediaUrl`` itself, so
the hub serves the agent's upload (agent_ui/desk/attachments.py) at
``PUBLIC_BASE_URL/channels/twilio/media/<token>``. The token names the stored file and
is signed with SECRET_KEY and stamped with the time: after :data:`LINK_SECONDS` it is
refused (410), so a leaked link does not publish the file for ever.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from anyio import to_thread
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner
from sqlmodel import select
from starlette.responses import FileResponse, JSONResponse, Response

from contact_center.errors import error_body
from contact_center.i18n import _
from repository.core.models import Attachment

if TYPE_CHECKING:
    from starlette.requests import Request

    from channels.twilio.urls import Urls
    from contact_center.context import AppContext

# Twilio fetches the media while it sends the message, retrying for a while; an hour is ample.
LINK_SECONDS = 3600


class MediaLinks:
    def __init__(self, ctx: AppContext, urls: Urls) -> None:
        self.db = ctx.db
        self.urls = urls
        self.secret = str(ctx.settings.secret_key)
        self.signer = TimestampSigner(self.secret, salt="twilio-mms-media")

    def url(self, attachment_id: int) -> str:
        return self.urls(f"/media/{self.signer.sign(str(attachment_id)).decode()}")

    async def serve(self, request: Request) -> Response:
        token = str(request.path_params["token"])
        try:
            attachment_id = int(self.signer.unsign(token, max_age=LINK_SECONDS))
        except SignatureExpired:
            return JSONResponse(error_body("expired", _("this link has expired")), status_code=410)
        except (BadSignature, ValueError):
            return JSONResponse(error_body("forbidden", _("invalid attachment link")), status_code=403)

        def fetch() -> Attachment | None:
            with self.db.read() as session:
                return session.exec(select(Attachment).where(Attachment.id == attachment_id)).first()

        row = await to_thread.run_sync(fetch)
        if row is None:
            return JSONResponse(error_body("not_found", _("no such attachment")), status_code=404)
        return FileResponse(
            row.storage_path,
            media_type=row.content_type,
            filename=row.filename,
            content_disposition_type="inline",
            headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"},
        )
