"""An agent's SMS reply with files leaves as MMS through the real twilio client to Prism,
one file per message, each ``MediaUrl`` a signed link of the hub that serves the file
byte for byte and stops working when it expires."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import httpx
import pytest
from itsdangerous import TimestampSigner
from sqlmodel import select

from repository import Database
from repository.core.models import Attachment
from tests.live import ServerProcess, agent, client_id, login
from tests.telephony.conftest import PASSWORD, Prism, inbound_sms, sid, twilio_post

pytestmark = pytest.mark.server
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SECRET = "integration-secret"  # tests/live.py's SECRET_KEY


@pytest.fixture
def prism(tmp_path: Path) -> Iterator[Prism]:
    """A Prism of this module's own: it sends what Prism wrongly refuses (a form's
    ``MediaUrl``, stoplightio/prism#2473), which must not land in the log the other
    phone tests read for rejections."""
    server = Prism(tmp_path / "prism.log").start()
    yield server
    server.stop()


def link(attachment_id: int, *, age: float = 0.0) -> str:
    with mock.patch("time.time", return_value=time.time() - age):
        return TimestampSigner(SECRET, salt="twilio-mms-media").sign(str(attachment_id)).decode()


async def test_sms_reply_with_files_goes_as_mms_with_signed_expiring_links(
    phone_server: ServerProcess, prism: Prism
) -> None:
    server = phone_server
    cookie = await login(server.base, "ada", PASSWORD)
    desk = await agent(server, cookie)
    response = await twilio_post(server, "/channels/twilio/sms", inbound_sms(sid("SM", 71), "Photo please"))
    assert response.status_code == 200
    offer = await desk.wait_for(lambda f: f["type"] == "offer")
    iid = offer["interaction"]["id"]
    await desk.send({"type": "accept", "interaction_id": iid})

    async with httpx.AsyncClient(base_url=server.base, cookies={"cc_session": cookie}) as http:
        page = await http.get("/agent")
        csrf = re.search(r'data-csrf="([^"]+)"', page.text)
        assert csrf, "the desk page has no CSRF token"
        uploaded = []
        for name, data in (("label.png", PNG), ("receipt.pdf", PDF)):
            r = await http.post(
                "/agent/attachments", files={"file": (name, data)}, headers={"X-CSRF-Token": csrf.group(1)}
            )
            assert r.status_code == 201, r.text
            uploaded.append(r.json())

    before, known = len(prism.requests()), len(prism.rejections())
    ref = client_id()
    await desk.send(
        {
            "type": "reply",
            "interaction_id": iid,
            "body": "Here is your label.",
            "client_id": ref,
            "attachments": [u["token"] for u in uploaded],
        }
    )
    ack = await desk.wait_for(
        lambda f: f["type"] in ("ack", "error") and f.get("client_id", f.get("ref")) == ref
    )
    assert ack["type"] == "ack", ack
    # Prism reads a single MediaUrl form field as a string, not the array its spec says
    # (stoplightio/prism#2473), and answers 422: the request reached it with exactly that,
    # and nothing else, flagged; the reply is marked failed with Twilio's refusal, so the
    # second file's message is not tried (one file per message cannot be seen here).
    failed = await desk.wait_for(
        lambda f: f["type"] == "event_updated" and f["event"]["delivery_status"] == "failed"
    )
    assert "Twilio refused the request (422" in failed["event"]["payload"]["delivery_error"]
    sent = [r for r in prism.requests()[before:] if r.endswith("/Messages.json")]
    assert len(sent) == 1, sent
    flagged = [r for r in prism.rejections()[known:] if "[VALIDATOR]" in r]
    assert flagged and all("MediaUrl must be array" in r for r in flagged), flagged

    # The links Twilio is given: the hub serves each file, byte for byte, until it expires.
    db = Database(server.database_url)
    try:
        with db.read() as session:
            ids = {row.filename: row.id for row in session.exec(select(Attachment)).all()}
    finally:
        db.dispose()
    async with httpx.AsyncClient(base_url=server.base) as twilio:
        for name, data, kind in (("label.png", PNG, "image/png"), ("receipt.pdf", PDF, "application/pdf")):
            attachment_id = ids[name]
            fresh = await twilio.get(f"/channels/twilio/media/{link(attachment_id)}")  # type: ignore[arg-type]
            assert fresh.status_code == 200 and fresh.content == data
            assert fresh.headers["content-type"].startswith(kind)
        expired = await twilio.get(f"/channels/twilio/media/{link(ids['label.png'], age=3601)}")  # type: ignore[arg-type]
        assert expired.status_code == 410, expired.text
        forged = await twilio.get(f"/channels/twilio/media/{link(ids['label.png'])[:-2]}xx")  # type: ignore[arg-type]
        assert forged.status_code == 403
