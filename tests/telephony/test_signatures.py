"""Twilio webhook signatures: genuine requests pass; unsigned, forged, wrong-URL and tampered ones get 403.

Requests are built with the parameters Twilio documents and signed with twilio's own
RequestValidator over the public URL, exactly as Twilio signs them.
"""

from __future__ import annotations

import pytest
from sqlmodel import func, select
from starlette.requests import Request

from channels.twilio.signature import public_base
from config import load_settings
from repository import Database
from repository.core.models import Event
from repository.telephony.models import CallRecord
from tests.live import ServerProcess
from tests.telephony.conftest import inbound_sms, sid, sign, twilio_post, voice_params

pytestmark = pytest.mark.server
WEBHOOKS = [
    "/channels/twilio/sms",
    "/channels/twilio/sms/status?event=1",
    "/channels/twilio/voice",
    "/channels/twilio/voice/gather",
    "/channels/twilio/voice/wait?interaction=1",
    "/channels/twilio/voice/left-queue?interaction=1",
    "/channels/twilio/voice/status",
    "/channels/twilio/voice/agent-status?call=CA1",
    "/channels/twilio/voice/dial-done?interaction=1",
    "/channels/twilio/voice/recording-status",
    "/channels/twilio/voice/voicemail",
    "/channels/twilio/voice/transcription",
]


def count(server: ServerProcess, model: type) -> int:
    db = Database(server.database_url)
    try:
        with db.read() as session:
            return int(session.exec(select(func.count()).select_from(model)).one())
    finally:
        db.dispose()


async def test_only_requests_signed_by_twilio_for_this_url_are_accepted(phone_server: ServerProcess) -> None:
    server = phone_server
    params = inbound_sms(sid("SM", 11), "Hello there")

    unsigned = await twilio_post(server, "/channels/twilio/sms", params, signature="")
    forged = await twilio_post(server, "/channels/twilio/sms", params, token="someone-elses-token")
    wrong_url = await twilio_post(
        server, "/channels/twilio/sms", params, signed_for="https://attacker.example/channels/twilio/sms"
    )
    tampered_sig = sign(server.base + "/channels/twilio/sms", params)
    tampered = await twilio_post(
        server, "/channels/twilio/sms", {**params, "Body": "Send me the refund"}, signature=tampered_sig
    )
    # X-Forwarded-* from a peer that is not a trusted proxy cannot move the signed URL.
    spoofed = await twilio_post(
        server,
        "/channels/twilio/sms",
        params,
        signed_for="https://attacker.example/channels/twilio/sms",
        headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "attacker.example"},
    )
    for response in (unsigned, forged, wrong_url, tampered, spoofed):
        assert response.status_code == 403, response.text
        assert response.json()["error"]["code"] == "invalid_signature"
    assert count(server, Event) == 0

    genuine = await twilio_post(server, "/channels/twilio/sms", params)
    replay = await twilio_post(server, "/channels/twilio/sms", params)
    assert genuine.status_code == replay.status_code == 200
    assert count(server, Event) == 1, "a replayed MessageSid is stored once"

    call = sid("CA", 11)
    assert (
        await twilio_post(server, "/channels/twilio/voice", voice_params(call), token="x")
    ).status_code == 403
    assert count(server, CallRecord) == 0
    assert (await twilio_post(server, "/channels/twilio/voice", voice_params(call))).status_code == 200
    assert (await twilio_post(server, "/channels/twilio/voice", voice_params(call))).status_code == 200
    assert count(server, CallRecord) == 1, "a replayed CallSid opens one call record"
    stored = count(server, Event)  # no menu configured: the call went straight to the queue
    assert stored == 2

    for path in WEBHOOKS:
        response = await twilio_post(server, path, voice_params(call), signature="")
        assert response.status_code == 403, path
        response = await twilio_post(server, path, voice_params(call), token="forged")
        assert response.status_code == 403, path
    assert count(server, Event) == stored and count(server, CallRecord) == 1


def _request(client: str, headers: dict[str, str]) -> Request:
    scope = {
        "type": "http",
        "method": "POST",
        "scheme": "http",
        "path": "/channels/twilio/sms",
        "query_string": b"",
        "server": ("10.0.0.5", 8000),
        "client": (client, 40000),
        "headers": [
            (k.lower().encode(), v.encode()) for k, v in {"host": "10.0.0.5:8000", **headers}.items()
        ],
    }
    return Request(scope)


def test_forwarded_headers_count_only_from_a_trusted_proxy(tmp_path: object) -> None:
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "support.example.com"}
    env = {"DATA_DIR": "/tmp/cc-signature-test", "SECRET_KEY": "k"}
    trusting = load_settings(environ={**env, "TRUSTED_PROXIES": "10.0.0.1"}, env_file=None)
    assert public_base(_request("10.0.0.1", forwarded), trusting) == "https://support.example.com"
    assert public_base(_request("203.0.113.9", forwarded), trusting) == "http://10.0.0.5:8000"
    configured = load_settings(environ={**env, "PUBLIC_BASE_URL": "https://cc.example.org/"}, env_file=None)
    assert public_base(_request("10.0.0.1", forwarded), configured) == "https://cc.example.org"
