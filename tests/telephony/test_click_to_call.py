"""Click-to-call from the desktop: calls.create through the real client to Prism, then logged like any call."""

from __future__ import annotations

import pytest
from sqlmodel import select

from repository import Database
from repository.telephony.config import save_number
from repository.telephony.models import CallRecord
from tests.live import ServerProcess, agent, login
from tests.telephony.conftest import PASSWORD, Prism, inbound_sms, sid, twilio_post, voice_params

pytestmark = pytest.mark.server


def calls(server: ServerProcess) -> list[CallRecord]:
    db = Database(server.database_url)
    try:
        with db.read() as session:
            return list(session.exec(select(CallRecord)).all())
    finally:
        db.dispose()


async def test_an_agent_calls_a_customer_from_the_desktop(phone_server: ServerProcess, prism: Prism) -> None:
    server = phone_server
    db = Database(server.database_url)
    save_number(db, None, {"number": "+14155550100"})
    db.dispose()
    desk = await agent(server, await login(server.base, "ada", PASSWORD))
    await twilio_post(server, "/channels/twilio/sms", inbound_sms(sid("SM", 31), "Please call me"))
    offer = await desk.wait_for(lambda f: f["type"] == "offer")
    customer_id = offer["context"]["customer"]["id"]

    # A customer with no number, or a bad frame, is refused with an error frame.
    await desk.send({"type": "call", "customer_id": "seven"})
    assert (await desk.wait_for(lambda f: f["type"] == "error"))["code"] == "invalid_field"

    before = len(prism.requests())
    await desk.send({"type": "call", "customer_id": customer_id})
    started = await desk.wait_for(
        lambda f: (
            f["type"] in ("call_started", "error") and f is not None and f.get("code") != "invalid_field"
        )
    )
    assert started["type"] == "call_started", started
    assert started["call"]["to"] == "+14155550123"
    assert [r for r in prism.requests()[before:] if r.endswith("/Calls.json")], prism.requests()[-3:]
    assert prism.rejections() == []

    (record,) = calls(server)
    assert record.direction == "outbound" and record.agent_id == server.ids["ada"]  # type: ignore[attr-defined]
    assert record.customer_id == customer_id
    # The customer's leg reports back through the <Number> status callback.
    leg = sid("CA", 3001)
    for status in ("ringing", "in-progress", "completed"):
        params = {**voice_params(leg, status, CallDuration="33"), "ParentCallSid": record.call_id}
        assert (await twilio_post(server, "/channels/twilio/voice/agent-status", params)).status_code == 204
    (record,) = calls(server)
    assert [h["state"] for h in record.history] == ["ringing", "answered", "completed"]
    assert record.talk_seconds == 33
    await desk.close()
