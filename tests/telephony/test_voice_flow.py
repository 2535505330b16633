"""A customer calls: IVR → queue with position → screen-pop → accept → bridge → call log.

One real server process, Prism serving Twilio's spec for the outbound REST calls,
webhooks signed as Twilio signs them, and the agent's real websocket.
"""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from sqlmodel import select

from repository import Database
from repository.core.ingest import InboundItem, ingest
from repository.core.models import Interaction
from repository.telephony.config import save_number
from repository.telephony.models import CallRecord
from tests.live import Client, ServerProcess, agent, login
from tests.telephony.conftest import PASSWORD, Prism, sid, twilio_post, voice_params

pytestmark = pytest.mark.server
CALLER = "+14155550123"


def twiml(response: Any) -> ET.Element:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(response.text)  # noqa: S314 (our own server's answer)  raises on anything that is not well-formed XML
    assert root.tag == "Response"
    return root


def configure(server: ServerProcess, **changes: Any) -> None:
    db = Database(server.database_url)
    try:
        from repository.telephony.config import get_number

        current = get_number(db, "+14155550100")
        save_number(db, current.id if current else None, {"number": "+14155550100", **changes})
    finally:
        db.dispose()


def call_record(server: ServerProcess, call_sid: str) -> CallRecord:
    db = Database(server.database_url)
    try:
        with db.read() as session:
            row = session.exec(select(CallRecord).where(CallRecord.call_id == call_sid)).one()
            return row
    finally:
        db.dispose()


def interaction(server: ServerProcess, interaction_id: int) -> Interaction:
    db = Database(server.database_url)
    try:
        with db.read() as session:
            row = session.get(Interaction, interaction_id)
            assert row is not None
            return row
    finally:
        db.dispose()


def known_caller(server: ServerProcess) -> int:
    """The caller already chatted: the call must resolve to that customer by number."""
    db = Database(server.database_url)
    try:
        result = ingest(
            db,
            InboundItem(
                channel="chat",
                identities=[("webchat", "visitor-grace"), ("phone", CALLER)],
                thread_key="visitor-grace",
                body="Hi, about my order",
                display_name="Grace Hopper",
            ),
        )
        return result.customer.id  # type: ignore[return-value]
    finally:
        db.dispose()


async def card_state(desk: Client, interaction_id: int, state: str) -> dict[str, Any]:
    frame = await desk.wait_for(
        lambda f: (
            f["type"] == "event_updated"
            and f["interaction_id"] == interaction_id
            and (f["event"]["payload"].get("call") or {}).get("state") == state
        )
    )
    return frame["event"]["payload"]["call"]  # type: ignore[no-any-return]


async def test_a_call_goes_through_ivr_queue_screen_pop_bridge_and_is_logged_then_abandon_and_voicemail(
    phone_server: ServerProcess, prism: Prism
) -> None:
    server = phone_server
    ids = server.ids  # type: ignore[attr-defined]
    configure(
        server,
        greeting="Welcome to Northwind.",
        menu=[
            {"digit": "1", "label": "Sales", "keywords": ["buy"], "queue_id": ids["sales"]},
            {"digit": "2", "label": "Support", "keywords": ["help"], "queue_id": ids["support"]},
        ],
        default_queue_id=ids["support"],
    )
    customer_id = known_caller(server)
    cookie = await login(server.base, "ada", PASSWORD)
    desk = await agent(server, cookie, available=False)
    call = sid("CA", 1)

    # 1. The call arrives: the IVR greets and offers the menu by key or by voice.
    root = twiml(await twilio_post(server, "/channels/twilio/voice", voice_params(call)))
    gather = root.find("Gather")
    assert gather is not None and gather.get("input") == "dtmf speech"
    assert gather.get("action") == server.base + "/channels/twilio/voice/gather"
    spoken = " ".join(s.text or "" for s in gather.iter("Say"))
    assert "Welcome to Northwind." in spoken and "Sales" in spoken

    # 2. The caller presses 1: the call is stored as a voice interaction and enqueued.
    root = twiml(
        await twilio_post(
            server, "/channels/twilio/voice/gather", voice_params(call, "in-progress", Digits="1")
        )
    )
    enqueue = root.find("Enqueue")
    assert enqueue is not None and enqueue.text == f"queue-{ids['sales']}"
    wait_url = enqueue.get("waitUrl") or ""
    record = call_record(server, call)
    assert record.state == "queued" and record.ivr_choice == "Sales" and record.customer_id == customer_id
    iid = record.interaction_id
    assert iid is not None

    # 3. While nobody is available the caller hears their position from the router.
    wait_path = wait_url.removeprefix(server.base)
    wait_params = voice_params(call, "in-progress", QueuePosition="1", QueueSid=sid("QU", 1), QueueTime="3")
    said = " ".join(
        s.text or "" for s in twiml(await twilio_post(server, wait_path, wait_params)).iter("Say")
    )
    assert "You are number 1 in the queue." in said

    # 4. Ada becomes available: the offer is the screen-pop, with the caller's record.
    await desk.send({"type": "presence", "state": "available"})
    offer = await desk.wait_for(lambda f: f["type"] == "offer" and f["interaction"]["id"] == iid)
    assert offer["interaction"]["channel"] == "voice"
    assert offer["context"]["customer"]["display_name"] == "Grace Hopper"
    assert any(t["channel"] == "chat" for t in offer["context"]["timeline"]), "history on other channels"
    call_event = next(e for e in offer["events"] if e["payload"].get("call"))
    assert call_event["payload"]["call"]["from"] == CALLER
    assert call_event["payload"]["call"]["ivr_choice"] == "Sales"

    # 5. Accept → the live call is redirected to Ada's Twilio Client through the real client.
    before = len(prism.requests())
    await desk.send({"type": "accept", "interaction_id": iid})
    for _ in range(100):
        if any(r.endswith(f"/Calls/{call}.json") for r in prism.requests()[before:]):
            break
        await asyncio.sleep(0.05)
    assert any(r.endswith(f"/Calls/{call}.json") for r in prism.requests()[before:]), prism.requests()[-3:]
    assert prism.rejections() == []

    # 6. Twilio reports the agent leg and the caller's leg; retries change nothing.
    leg = sid("CA", 1001)
    status_path = f"/channels/twilio/voice/agent-status?call={call}"
    for status in ("ringing", "in-progress"):
        params = {**voice_params(leg, status), "ParentCallSid": call, "To": "client:ada-desk"}
        assert (await twilio_post(server, status_path, params)).status_code == 204
    assert (await card_state(desk, iid, "answered"))["agent_id"] == ids["ada"]
    recording = {
        **voice_params(call, "in-progress"),
        "RecordingSid": sid("RE", 1),
        "RecordingUrl": "https://api.twilio.com/2010-04-01/Accounts/AC/Recordings/RE1",
        "RecordingStatus": "completed",
        "RecordingDuration": "40",
    }
    await twilio_post(server, f"/channels/twilio/voice/recording-status?call={call}", recording)
    done_leg = {**voice_params(leg, "completed"), "ParentCallSid": call, "CallDuration": "42"}
    await twilio_post(server, status_path, done_leg)
    final = voice_params(call, "completed", CallDuration="50")
    assert (await twilio_post(server, "/channels/twilio/voice/status", final)).status_code == 204
    assert (await twilio_post(server, "/channels/twilio/voice/status", final)).status_code == 204  # retry

    record = call_record(server, call)
    assert record.state == "completed"
    assert [h["state"] for h in record.history] == ["ringing", "queued", "ringing", "answered", "completed"]
    assert record.duration_seconds == 50 and record.talk_seconds == 42
    assert record.recording_url == recording["RecordingUrl"]
    assert record.agent_id == ids["ada"]
    assert interaction(server, iid).status == "wrapup"
    await desk.wait_for(lambda f: f["type"] == "interaction" and f["interaction"]["status"] == "wrapup")

    # 7. Abandon: Ada is still wrapping up, a second caller waits, then hangs up.
    second = sid("CA", 2)
    twiml(await twilio_post(server, "/channels/twilio/voice", voice_params(second, caller="+14155550177")))
    twiml(
        await twilio_post(
            server,
            "/channels/twilio/voice/gather",
            voice_params(second, "in-progress", caller="+14155550177", SpeechResult="I need help"),
        )
    )
    waiting = call_record(server, second)
    assert waiting.state == "queued" and waiting.ivr_choice == "Support"
    await asyncio.sleep(1.1)  # a measurable wait
    left = voice_params(second, "completed", caller="+14155550177", QueueResult="hangup", QueueTime="1")
    twiml(
        await twilio_post(
            server, f"/channels/twilio/voice/left-queue?interaction={waiting.interaction_id}", left
        )
    )
    await twilio_post(
        server, "/channels/twilio/voice/status", voice_params(second, "completed", CallDuration="9")
    )
    abandoned = call_record(server, second)
    assert (
        abandoned.state == "abandoned" and abandoned.wait_seconds is not None and abandoned.wait_seconds >= 1
    )
    gone = interaction(server, waiting.interaction_id)  # type: ignore[arg-type]
    assert gone.status == "abandoned" and gone.ended_at is not None

    # 8. After hours: the caller leaves a voicemail, which becomes a routed contact.
    configure(server, business_hours={"mon": []}, after_hours_message="We are closed.")
    third = sid("CA", 3)
    root = twiml(await twilio_post(server, "/channels/twilio/voice", voice_params(third)))
    record_verb = root.find("Record")
    assert record_verb is not None and record_verb.get("transcribe") == "true"
    assert record_verb.get("action") == server.base + "/channels/twilio/voice/voicemail"
    message = {
        **voice_params(third, "completed"),
        "RecordingUrl": "https://api.twilio.com/2010-04-01/Accounts/AC/Recordings/RE3",
        "RecordingDuration": "17",
        "RecordingSid": sid("RE", 3),
        "Digits": "hangup",
    }
    twiml(await twilio_post(server, "/channels/twilio/voice/voicemail", message))
    transcription = {
        **voice_params(third, "completed"),
        "TranscriptionSid": sid("TR", 3),
        "TranscriptionText": "Please call me back about invoice 42.",
        "TranscriptionStatus": "completed",
        "RecordingSid": sid("RE", 3),
    }
    assert (
        await twilio_post(server, "/channels/twilio/voice/transcription", transcription)
    ).status_code == 204
    await twilio_post(
        server, "/channels/twilio/voice/status", voice_params(third, "completed", CallDuration="25")
    )
    voicemail = call_record(server, third)
    assert voicemail.cause == "voicemail" and voicemail.recording_url == message["RecordingUrl"]
    assert voicemail.transcription == "Please call me back about invoice 42."
    assert interaction(server, voicemail.interaction_id).status == "queued"  # type: ignore[arg-type]

    # Ada finishes the first call; the voicemail is offered to her like any contact.
    await desk.send({"type": "close", "interaction_id": iid, "disposition": "resolved"})
    offer = await desk.wait_for(
        lambda f: f["type"] == "offer" and f["interaction"]["id"] == voicemail.interaction_id
    )
    vm_event = next(e for e in offer["events"] if e["payload"].get("voicemail"))
    assert vm_event["payload"]["voicemail"]["recording_url"] == message["RecordingUrl"]
    await desk.close()
    assert prism.rejections() == []
