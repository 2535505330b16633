"""Twilio webhook signatures: the URL Twilio signed, and the check.

Twilio signs the full URL it requested (scheme, host, path, query) plus the sorted
POST parameters with the account's auth token. Behind a reverse proxy the app sees
another scheme and host than Twilio used, so the URL is rebuilt from
``PUBLIC_BASE_URL`` when set, otherwise from the request, where X-Forwarded-Proto
and X-Forwarded-Host count only if the direct peer is a configured trusted proxy:
anyone else could set them to make a signature for some other URL match.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from twilio.request_validator import RequestValidator

from contact_center.serving import peer_address
from repository.errors import InvalidInput, InvalidSignature

if TYPE_CHECKING:
    from starlette.requests import Request

    from config import Settings

MAX_WEBHOOK_BYTES = 64 * 1024


def public_base(request: Request, settings: Settings) -> str:
    """The scheme://host the caller (Twilio) used to reach us."""
    if settings.public_base_url:
        return settings.public_base_url
    scheme, host = request.url.scheme, request.headers.get("host", "")
    peer = peer_address(request.scope)  # the proxy itself, not the client it forwarded
    if peer and peer in settings.trusted_proxies:
        scheme = request.headers.get("x-forwarded-proto", scheme).split(",")[0].strip() or scheme
        host = request.headers.get("x-forwarded-host", host).split(",")[0].strip() or host
    return f"{scheme}://{host}"


def signed_url(request: Request, settings: Settings) -> str:
    url = public_base(request, settings) + request.url.path
    if request.url.query:
        url += "?" + request.url.query
    return url


async def verified_params(request: Request, settings: Settings) -> dict[str, str]:
    """The webhook's form parameters, once its X-Twilio-Signature checks out; 403 otherwise."""
    token = str(settings.twilio_auth_token)
    if not token:
        raise InvalidSignature("Twilio webhooks are refused: TWILIO_AUTH_TOKEN is not set")
    signature = request.headers.get("x-twilio-signature", "")
    if not signature:
        raise InvalidSignature("missing X-Twilio-Signature")
    body = await request.body()
    if len(body) > MAX_WEBHOOK_BYTES:
        raise InvalidInput("webhook body too large", code="too_large")
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=200)
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidInput("webhook body is not form-encoded UTF-8") from exc
    params = dict(pairs)
    if not RequestValidator(token).validate(signed_url(request, settings), params, signature):
        raise InvalidSignature("X-Twilio-Signature does not match this request")
    return params
