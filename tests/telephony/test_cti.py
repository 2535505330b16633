"""A PBX posts CTI events: ringing pops on the mapped agent's desktop, calls are logged, missed ones show."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlmodel import select

from repository import Database
from repository.core.models import Interaction
from repository.directory.api_keys import create_api_key
from repository.telephony.models import CallRecord
from tests.live import ServerProcess, agent, login
from tests.telephony.conftest import PASSWORD, cti_post, cti_signature

pytestmark = pytest.mark.server
CALLER = "+14155550123"


def ringing(event_id: str, call_id: str, extension: str) -> dict[str, str]:
    return {
        "id": event_id,
        "type": "ringing",
        "call_id": call_id,
        "from": CALLER,
        "to": "+14155550100",
        "direction": "inbound",
        "queue": "Support",
        "extension": extension,
    }


def record(server: ServerProcess, call_id: str) -> CallRecord | None:
    db = Database(server.database_url)
    try:
        with db.read() as session:
            return session.exec(select(CallRecord).where(CallRecord.call_id == call_id)).first()
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


async def test_ringing_answer_hangup_pops_on_the_mapped_agent_and_is_logged(
    phone_server: ServerProcess,
) -> None:
    server = phone_server
    ada = await agent(server, await login(server.base, "ada", PASSWORD))
    ben = await agent(server, await login(server.base, "ben", PASSWORD))

    response = await cti_post(server, ringing("evt-1", "1700000000.1", "201"))
    assert response.status_code == 202, response.text
    iid = response.json()["interaction_id"]
    assert response.json()["agent_id"] == server.ids["ada"]  # type: ignore[attr-defined]

    # The screen-pop reaches the agent on extension 201, not the other one.
    offer = await ada.wait_for(lambda f: f["type"] == "offer" and f["interaction"]["id"] == iid)
    assert offer["context"]["customer"]["phone"] == CALLER
    assert (
        next(e for e in offer["events"] if e["payload"].get("call"))["payload"]["call"]["provider"] == "cti"
    )
    # A retried event changes nothing.
    again = await cti_post(server, ringing("evt-1", "1700000000.1", "201"))
    assert again.status_code == 202 and again.json()["duplicate"] is True

    assert (
        await cti_post(
            server, {"id": "evt-2", "type": "answer", "call_id": "1700000000.1", "extension": "201"}
        )
    ).status_code == 202
    await ada.wait_for(lambda f: f["type"] == "interaction" and f["interaction"]["status"] == "active")
    hangup = {"id": "evt-3", "type": "hangup", "call_id": "1700000000.1", "cause": "normal"}
    assert (await cti_post(server, hangup)).json()["state"] == "completed"
    assert (await cti_post(server, hangup)).json()["status"] == "duplicate_or_unknown"

    logged = record(server, "1700000000.1")
    assert logged is not None and logged.state == "completed" and logged.agent_id == server.ids["ada"]  # type: ignore[attr-defined]
    assert [h["state"] for h in logged.history] == ["ringing", "queued", "answered", "completed"]
    assert logged.duration_seconds is not None and logged.answered_at is not None
    assert interaction(server, iid).status == "wrapup"
    assert not [f for f in ben.of_type("offer") if f["interaction"]["id"] == iid]
    await ada.close()
    await ben.close()


async def test_a_bad_hmac_is_rejected_and_changes_nothing(phone_server: ServerProcess) -> None:
    server = phone_server
    forged = await cti_post(server, ringing("evt-9", "1700000000.9", "201"), secret="not-the-secret")
    assert forged.status_code == 403 and forged.json()["error"]["code"] == "bad_signature"
    async with httpx.AsyncClient() as client:
        unsigned = await client.post(
            server.base + "/channels/cti/events", json=ringing("evt-9", "1700000000.9", "201")
        )
        assert unsigned.status_code == 403
        body = b'{"id": "evt-9", "type": "ringing"'
        broken = await client.post(
            server.base + "/channels/cti/events",
            content=body,
            headers={"X-CTI-Signature": cti_signature(body)},
        )
        assert broken.status_code in (400, 422)
        odd = b'{"id": "evt-9", "type": "hangup", "call_id": "x", "cause": "meteor"}'
        refused = await client.post(
            server.base + "/channels/cti/events", content=odd, headers={"X-CTI-Signature": cti_signature(odd)}
        )
        assert refused.status_code == 422 and refused.json()["error"]["field"] == "cause"
    assert record(server, "1700000000.9") is None


async def test_an_unanswered_call_shows_as_missed(phone_server: ServerProcess) -> None:
    server = phone_server
    # Ben (extension 202) is not at his desk: nobody answers.
    response = await cti_post(server, ringing("evt-20", "1700000000.2", "202"))
    iid = response.json()["interaction_id"]
    await asyncio.sleep(0.3)
    hangup = {"id": "evt-21", "type": "hangup", "call_id": "1700000000.2", "cause": "no_answer"}
    assert (await cti_post(server, hangup)).json()["state"] == "missed"

    missed = interaction(server, iid)
    assert missed.status == "abandoned" and missed.disposition == "missed"
    db = Database(server.database_url)
    token, _key = create_api_key(db, "bi")
    db.dispose()
    async with httpx.AsyncClient() as client:
        page = await client.get(
            server.base + "/api/v1/calls?state=missed", headers={"Authorization": f"Bearer {token}"}
        )
    assert page.status_code == 200, page.text
    calls = page.json()["data"]
    assert [c["call_id"] for c in calls] == ["1700000000.2"]
    assert calls[0]["interaction_id"] == iid and calls[0]["cause"] == "no_answer"


async def test_a_call_for_an_away_agent_waits_for_them_never_pops_elsewhere_and_is_missed_unanswered(
    phone_server: ServerProcess,
) -> None:
    server = phone_server
    ids = server.ids  # type: ignore[attr-defined]
    ada = await agent(server, await login(server.base, "ada", PASSWORD), available=False)
    await ada.send({"type": "presence", "state": "away"})
    ben = await agent(server, await login(server.base, "ben", PASSWORD))

    # Extension 201 (Ada) rings while Ada is away and Ben is free.
    response = await cti_post(server, ringing("evt-30", "1700000000.3", "201"))
    iid = response.json()["interaction_id"]
    # Stored already aimed at Ada: the router never sees it without its target.
    assert interaction(server, iid).target_agent_id == ids["ada"]
    await asyncio.sleep(1.0)  # several router passes
    assert not [f for f in ben.of_type("offer") if f["interaction"]["id"] == iid]
    assert interaction(server, iid).status == "queued"

    # Ada comes back while it still rings: the screen-pop reaches her.
    await ada.send({"type": "presence", "state": "available"})
    offer = await ada.wait_for(lambda f: f["type"] == "offer" and f["interaction"]["id"] == iid)
    assert offer["context"]["customer"]["phone"] == CALLER

    # Nobody picks up: the caller gives up, the call is logged as missed and the pop withdrawn.
    hangup = {"id": "evt-31", "type": "hangup", "call_id": "1700000000.3", "cause": "no_answer"}
    assert (await cti_post(server, hangup)).json()["state"] == "missed"
    await ada.wait_for(
        lambda f: (
            f["type"] == "interaction"
            and f["interaction"]["id"] == iid
            and f["interaction"]["status"] == "abandoned"
        )
    )
    logged = record(server, "1700000000.3")
    assert logged is not None and logged.state == "missed" and logged.interaction_id == iid
    assert interaction(server, iid).disposition == "missed"
    assert not [f for f in ben.of_type("offer") if f["interaction"]["id"] == iid]
    await ada.close()
    await ben.close()
