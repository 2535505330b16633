"""The callback URLs Twilio is told to use, under one prefix for every Twilio route."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlencode

if TYPE_CHECKING:
    from config import Settings

PREFIX = "/channels/twilio"


class Urls:
    """Callback URLs Twilio is told to use: absolute under PUBLIC_BASE_URL when it is set.

    Without it, TwiML gets root-relative URLs, which Twilio resolves against the URL
    it just fetched; REST callbacks need an absolute one and are left out.
    """

    def __init__(self, settings: Settings) -> None:
        self.base = settings.public_base_url or settings.public_url
        self.absolute = bool(self.base)

    def __call__(self, path: str, **query: object) -> str:
        url = f"{self.base}{PREFIX}{path}"
        return f"{url}?{urlencode(query)}" if query else url
