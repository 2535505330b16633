"""An agent's SMS reply with files leaves as MMS, one file per message.

The first message carries the text, the first file and the status callback, so the
reply's delivery state follows it; each further file goes in its own message (no text,
no callback). One ``MediaUrl`` per message keeps every request a shape Twilio and its
published OpenAPI document agree on. The links are the hub's own, signed and expiring
(channels/twilio/media.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from contact_center.visitor_tokens import VisitorTokens

if TYPE_CHECKING:
    from channels.twilio.client import TwilioApi
    from channels.twilio.media import MediaLinks


async def send(
    api: TwilioApi,
    media: MediaLinks,
    to: str,
    from_: str,
    body: str,
    files: list[dict[str, Any]],
    status_callback: str | None,
) -> Any:
    tokens = VisitorTokens(media.secret)
    links = [media.url(tokens.attachment_id(str(f.get("token", "")))) for f in files]
    first = await api.send_message(
        to=to, from_=from_, body=body, media_url=[links[0]], status_callback=status_callback
    )
    for link in links[1:]:
        await api.send_message(to=to, from_=from_, media_url=[link])
    return first
