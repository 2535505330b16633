"""SMS round trip: inbound → agent → reply through the real twilio client to Prism → delivery states.

Also STOP / START / HELP, MMS media links, and a reply to an opted-out number refused
with an error frame before anything is stored or sent.
"""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel import select

from repository import Database
from repository.core.models import Event
from repository.telephony.models import SmsOptOut
from tests.live import Client, ServerProcess, agent, client_id, login
from tests.telephony.conftest import PASSWORD, Prism, inbound_sms, sid, twilio_post

pytestmark = pytest.mark.server
CUSTOMER = "+14155550123"


def events(server: ServerProcess) -> list[Event]:
    db = Database(server.database_url)
    try:
        with db.read() as session:
            return list(session.exec(select(Event).order_by(Event.id)).all())  # type: ignore[arg-type]
    finally:
        db.dispose()


def opted_out(server: ServerProcess) -> bool:
    db = Database(server.database_url)
    try:
        with db.read() as session:
            row = session.exec(select(SmsOptOut).where(SmsOptOut.number == CUSTOMER)).first()
            return bool(row and row.opted_out)
    finally:
        db.dispose()


async def reply(desk: Client, iid: int, body: str) -> dict[str, object]:
    ref = client_id()
    await desk.send({"type": "reply", "interaction_id": iid, "body": body, "client_id": ref})
    return await desk.wait_for(
        lambda f: f["type"] in ("ack", "error") and f.get("client_id", f.get("ref")) == ref
    )


async def status_callback(
    server: ServerProcess, event_id: int, message_sid: str, status: str, **extra: str
) -> int:
    params = {
        "MessageSid": message_sid,
        "SmsSid": message_sid,
        "AccountSid": "AC" + "0123456789abcdef" * 2,
        "From": "+14155550100",
        "To": CUSTOMER,
        "MessageStatus": status,
        "SmsStatus": status,
        "ApiVersion": "2010-04-01",
        **extra,
    }
    response = await twilio_post(server, f"/channels/twilio/sms/status?event={event_id}", params)
    return response.status_code


async def test_sms_round_trip_with_delivery_states_and_opt_out_keywords(
    phone_server: ServerProcess, prism: Prism
) -> None:
    server = phone_server
    cookie = await login(server.base, "ada", PASSWORD)
    desk = await agent(server, cookie)

    # Inbound MMS: stored once (a retry is deduplicated), media links kept, sender in E.164.
    first = inbound_sms(sid("SM", 1), "Is my order shipped?", sender="(415) 555-0123")
    first.update(
        {"NumMedia": "1", "MediaUrl0": "https://api.twilio.com/media/ME1", "MediaContentType0": "image/jpeg"}
    )
    for _ in range(2):
        response = await twilio_post(server, "/channels/twilio/sms", first)
        assert response.status_code == 200 and response.text.endswith("<Response />")
    offer = await desk.wait_for(lambda f: f["type"] == "offer")
    iid = offer["interaction"]["id"]
    assert offer["interaction"]["channel"] == "sms"
    assert offer["context"]["customer"]["phone"] == CUSTOMER
    inbound = [e for e in events(server) if e.channel == "sms" and e.author_type == "customer"]
    assert len(inbound) == 1 and inbound[0].payload["media"][0]["url"] == "https://api.twilio.com/media/ME1"

    # The agent replies: messages.create goes through the real client to Prism.
    await desk.send({"type": "accept", "interaction_id": iid})
    before = len(prism.requests())
    ack = await reply(desk, iid, "Yes, it left this morning.")
    assert ack["type"] == "ack"
    event_id = ack["event"]["id"]  # type: ignore[index]
    await desk.wait_for(lambda f: f["type"] == "event_updated" and f["event"]["delivery_status"] == "queued")
    sent = [r for r in prism.requests()[before:] if r.endswith("/Messages.json")]
    assert len(sent) == 1 and prism.rejections() == []

    # Twilio reports delivered, then (a later carrier report) failed with an error code.
    assert await status_callback(server, event_id, sid("SM", 900), "sent") == 204
    assert await status_callback(server, event_id, sid("SM", 900), "delivered") == 204
    await desk.wait_for(
        lambda f: f["type"] == "event_updated" and f["event"]["delivery_status"] == "delivered"
    )
    assert await status_callback(server, event_id, sid("SM", 900), "failed", ErrorCode="30007") == 204
    failed = await desk.wait_for(
        lambda f: f["type"] == "event_updated" and f["event"]["delivery_status"] == "failed"
    )
    assert "30007" in failed["event"]["payload"]["delivery_error"]
    # A retried callback and a late "sent" change nothing.
    count = len(desk.of_type("event_updated"))
    assert await status_callback(server, event_id, sid("SM", 900), "failed", ErrorCode="30007") == 204
    assert await status_callback(server, event_id, sid("SM", 900), "sent") == 204
    await asyncio.sleep(0.3)
    assert len(desk.of_type("event_updated")) == count

    # HELP gets the configured answer and reaches no agent.
    help_reply = await twilio_post(server, "/channels/twilio/sms", inbound_sms(sid("SM", 2), "help"))
    assert "Reply STOP to unsubscribe" in help_reply.text and "<Message>" in help_reply.text

    # STOP: recorded; the agent's next reply is refused with a clear error, nothing stored or sent.
    await twilio_post(server, "/channels/twilio/sms", inbound_sms(sid("SM", 3), "STOP"))
    assert opted_out(server)
    stored = len(events(server))
    before = len(prism.requests())
    refused = await reply(desk, iid, "One more thing...")
    assert refused["type"] == "error" and refused["code"] == "sms_opted_out"
    assert "opted out" in str(refused["message"])
    assert len(events(server)) == stored and prism.requests()[before:] == []

    # START lifts it: replies go out again.
    start = await twilio_post(server, "/channels/twilio/sms", inbound_sms(sid("SM", 4), "Start"))
    assert "<Message>" in start.text and not opted_out(server)
    assert (await reply(desk, iid, "Welcome back!"))["type"] == "ack"
    keyword_bodies = {"help", "STOP", "Start"}
    assert not [e for e in events(server) if e.body in keyword_bodies], "keywords never reach an agent"
    await desk.close()
    assert prism.rejections() == []
