"""Real parts for the phone tests: Prism serving Twilio's own spec, a real server, signed webhooks.

Prism validates every request the real ``twilio`` client sends against Twilio's
OpenAPI document and, with ``--errors``, answers an invalid one with an error, so
the client raises and the test fails. Webhooks are signed with twilio's
``RequestValidator`` exactly as Twilio signs them: over the full URL and the POST
parameters, with the account's auth token.
"""

from __future__ import annotations

import gzip
import hashlib
import hmac
import json
import os
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from twilio.request_validator import RequestValidator

from repository import Database, upgrade
from repository.directory import create_agent, create_queue, create_wrapup_code
from tests.live import ServerProcess
from tests.services import free_port

ROOT = Path(__file__).resolve().parents[2]
PRISM = ROOT / ".tools" / "node_modules" / ".bin" / "prism"
# Twilio's own OpenAPI spec for the 2010-04-01 API (MIT, licence beside it), kept in the
# repository so a clone tests the phone channel without any outside folder.
SPEC_GZ = ROOT / "tests" / "fixtures" / "twilio-oai" / "twilio_api_v2010.json.gz"
ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "twilio-test-auth-token"
CTI_SECRET = "cti-shared-secret-for-tests"
PASSWORD = "telephony-pass"


class Prism:
    def __init__(self, log: Path) -> None:
        self.port = free_port()
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Prism:
        # Prism reads a plain JSON file; unpack the committed copy beside the log.
        spec = self.log.parent / "twilio_api_v2010.json"
        spec.write_bytes(gzip.decompress(SPEC_GZ.read_bytes()))
        out = self.log.open("wb")
        self.proc = subprocess.Popen(
            [str(PRISM), "mock", "--errors", "-h", "127.0.0.1", "-p", str(self.port), str(spec)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if "Prism is listening" in self.log.read_text(errors="replace"):
                return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        raise RuntimeError(f"Prism did not start:\n{self.log.read_text()[-2000:]}")

    def requests(self) -> list[str]:
        """Every "METHOD /path" Prism received, in order."""
        text = self.log.read_text(errors="replace")
        return re.findall(r"\[HTTP SERVER\] (\w+ \S+) .*Request received", text)

    def rejections(self) -> list[str]:
        text = self.log.read_text(errors="replace")
        return [line for line in text.splitlines() if "✖" in line or "Request terminated with error" in line]

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)


@pytest.fixture(scope="session")
def prism(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Prism]:
    if not PRISM.exists():
        pytest.fail(
            "Prism is not installed: run scripts/test (it installs @stoplight/prism-cli into .tools/)"
        )
    server = Prism(tmp_path_factory.mktemp("prism") / "prism.log").start()
    yield server
    server.stop()


def seed(database_url: str) -> dict[str, int]:
    """Two queues, a wrap-up code, agents ada (extension 201) and ben (extension 202)."""
    from repository.telephony.config import save_endpoint

    upgrade(database_url)
    db = Database(database_url)
    try:
        ids = {
            "support": create_queue(db, "Support", is_default=True).id,
            "sales": create_queue(db, "Sales").id,
        }
        create_wrapup_code(db, "resolved", "Resolved")
        for name, ext in (("ada", "201"), ("ben", "202")):
            agent = create_agent(db, name, name.title(), PASSWORD, capacity={"voice": 1, "sms": 3})
            ids[name] = agent.id  # type: ignore[assignment]
            save_endpoint(db, agent.id, {"client_identity": f"{name}-desk", "extension": ext})  # type: ignore[arg-type]
        return ids  # type: ignore[return-value]
    finally:
        db.dispose()


@pytest.fixture
def phone_server(tmp_path: Path, prism: Prism) -> Iterator[ServerProcess]:
    server = ServerProcess(
        tmp_path / "data",
        TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        TWILIO_API_BASE_URL=prism.url,
        CTI_SHARED_SECRET=CTI_SECRET,
        RESERVATION_TIMEOUT_SECONDS="5",
    )
    # Twilio reaches the server at its own address here; signatures are checked against it.
    server.env["PUBLIC_BASE_URL"] = server.base
    # The server process imports this checkout, whatever else is pip-installed in editable mode.
    server.env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    server.ids = seed(server.database_url)  # type: ignore[attr-defined]
    server.start()
    yield server
    server.stop()
    assert not server.errors_in_log(), server.log_path.read_text()[-4000:]


def sign(url: str, params: dict[str, str], token: str = AUTH_TOKEN) -> str:
    return str(RequestValidator(token).compute_signature(url, params))


async def twilio_post(
    server: ServerProcess,
    path: str,
    params: dict[str, str],
    *,
    signed_for: str | None = None,
    token: str = AUTH_TOKEN,
    signature: str | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """POST a webhook the way Twilio does: form-encoded, X-Twilio-Signature over URL + params."""
    url = server.base + path
    sig = signature if signature is not None else sign(signed_for or url, params, token)
    sent = {"X-Twilio-Signature": sig, **(headers or {})} if sig else dict(headers or {})
    async with httpx.AsyncClient() as client:
        return await client.post(url, data=params, headers=sent, timeout=10)


def cti_signature(body: bytes, secret: str = CTI_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


async def cti_post(
    server: ServerProcess, event: dict[str, Any], *, secret: str = CTI_SECRET
) -> httpx.Response:
    body = json.dumps(event).encode()
    async with httpx.AsyncClient() as client:
        return await client.post(
            server.base + "/channels/cti/events",
            content=body,
            headers={"Content-Type": "application/json", "X-CTI-Signature": cti_signature(body, secret)},
            timeout=10,
        )


def sid(prefix: str, n: int) -> str:
    """A Twilio-shaped SID: two letters and 32 hex digits."""
    return prefix + f"{n:032x}"


def inbound_sms(
    message_sid: str, body: str, *, sender: str = "+14155550123", to: str = "+14155550100"
) -> dict[str, str]:
    """The parameters Twilio documents for an incoming message webhook."""
    return {
        "MessageSid": message_sid,
        "SmsSid": message_sid,
        "SmsMessageSid": message_sid,
        "AccountSid": ACCOUNT_SID,
        "MessagingServiceSid": "",
        "From": sender,
        "To": to,
        "Body": body,
        "NumMedia": "0",
        "NumSegments": "1",
        "SmsStatus": "received",
        "ApiVersion": "2010-04-01",
        "FromCity": "SAN FRANCISCO",
        "FromState": "CA",
        "FromZip": "94105",
        "FromCountry": "US",
        "ToCity": "",
        "ToState": "CA",
        "ToZip": "",
        "ToCountry": "US",
    }


def voice_params(
    call_sid: str, status: str = "ringing", *, caller: str = "+14155550123", **extra: str
) -> dict[str, str]:
    """The parameters Twilio documents for a voice request (incoming call, gather, callbacks)."""
    return {
        "CallSid": call_sid,
        "AccountSid": ACCOUNT_SID,
        "From": caller,
        "To": "+14155550100",
        "Caller": caller,
        "Called": "+14155550100",
        "CallStatus": status,
        "ApiVersion": "2010-04-01",
        "Direction": "inbound",
        "ForwardedFrom": "",
        "CallerName": "",
        "FromCountry": "US",
        "ToCountry": "US",
        **extra,
    }
