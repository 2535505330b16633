"""The real ``twilio`` REST client, pointed at ``TWILIO_API_BASE_URL``.

twilio-python builds absolute ``https://<product>.twilio.com`` URLs itself; the one
documented seam is a custom HTTP client. Ours rewrites the origin of every request
to the configured base, so a regional edge, a proxy or a test server (Prism serving
Twilio's own OpenAPI spec) gets exactly what Twilio would. The client is
synchronous (requests), so every call runs in a worker thread.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from anyio import to_thread
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from repository.errors import ContactCenterError

if TYPE_CHECKING:
    from twilio.http.response import Response

    from config import Settings

DEFAULT_BASE = "https://api.twilio.com"
# The client logs whole requests at INFO; keep bodies and headers out of our logs.
logging.getLogger("twilio.http_client").setLevel(logging.WARNING)


class TwilioUnavailable(ContactCenterError):
    code = "twilio_error"
    status_code = 502


class RebasedHttpClient(TwilioHttpClient):
    """Sends each request to ``base`` instead of the host twilio-python chose."""

    def __init__(self, base: str, timeout: float = 10.0) -> None:
        super().__init__(timeout=timeout)
        parts = urlsplit(base)
        self._scheme, self._netloc, self._prefix = parts.scheme, parts.netloc, parts.path.rstrip("/")

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        parts = urlsplit(url)
        rebased = urlunsplit((self._scheme, self._netloc, self._prefix + parts.path, parts.query, ""))
        return super().request(method, rebased, *args, **kwargs)


class TwilioApi:
    """The calls this product makes: send an SMS or WhatsApp message, place a call, redirect a live call."""

    def __init__(self, settings: Settings) -> None:
        base = settings.twilio_api_base_url or DEFAULT_BASE
        http = None if base == DEFAULT_BASE else RebasedHttpClient(base)
        self.account_sid = settings.twilio_account_sid
        self.configured = bool(settings.twilio_account_sid and str(settings.twilio_auth_token))
        self.client = Client(settings.twilio_account_sid, str(settings.twilio_auth_token), http_client=http)

    async def _run(self, fn: Any) -> Any:
        if not self.configured:
            raise TwilioUnavailable("Twilio is not configured (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN)")
        try:
            return await to_thread.run_sync(fn)
        except TwilioRestException as exc:
            raise TwilioUnavailable(f"Twilio refused the request ({exc.status}, code {exc.code})") from exc
        except OSError as exc:
            raise TwilioUnavailable("Twilio could not be reached") from exc

    async def send_sms(self, *, to: str, from_: str, body: str, status_callback: str | None) -> Any:
        return await self._run(
            lambda: self.client.messages.create(
                to=to, from_=from_, body=body, status_callback=status_callback
            )
        )

    async def send_message(self, **params: Any) -> Any:
        """messages.create with any of its documented parameters (WhatsApp: templates, media)."""
        return await self._run(lambda: self.client.messages.create(**params))

    async def place_call(self, *, to: str, from_: str, twiml: str, status_callback: str | None) -> Any:
        return await self._run(
            lambda: self.client.calls.create(
                to=to,
                from_=from_,
                twiml=twiml,
                status_callback=status_callback,
            )
        )

    async def redirect_call(self, call_sid: str, twiml: str) -> Any:
        return await self._run(lambda: self.client.calls(call_sid).update(twiml=twiml))
