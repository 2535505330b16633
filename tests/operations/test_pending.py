"""Pending and snoozed conversations through the API on SQLite and PostgreSQL: set aside, woken
by the customer's answer or by the snooze ending, exactly once; refusals name the reason."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import pytest

from config import Settings
from repository.core import lifecycle
from repository.core.ingest import InboundItem, ingest
from repository.core.models import utcnow
from tests.factories import make_agent
from tests.test_api import Api, _serve, assert_error, conforms


@pytest.fixture
async def api(make_settings: Callable[..., Settings], database_url: str) -> AsyncIterator[Api]:
    async for served in _serve(make_settings(DATABASE_URL=database_url)):
        yield served


def _email(thread: str, body: str) -> InboundItem:
    return InboundItem(
        channel="email",
        identities=[("email", "ann@example.com")],
        thread_key=thread,
        body=body,
        subject="Order",
    )


async def _active(api: Api, thread: str) -> int:
    db = api.app.state.ctx.db
    agent = await api.db(make_agent, None, capacity={"email": 5})
    result = await api.db(ingest, _email(thread, "Where is my order?"))
    iid = result.interaction.id
    assert await api.db(lifecycle.claim, iid, agent.id, reserve_seconds=30, defaults={}) is not None
    await api.db(lifecycle.accept, iid, agent.id)
    assert db is not None
    return int(iid)


async def test_waiting_for_the_customer_ends_when_they_answer_and_a_snooze_when_it_is_due(api: Api) -> None:
    c = api.client
    document = (await c.get("/api/v1/openapi.json")).json()
    await c.post("/api/v1/queues", json={"name": "Support", "is_default": True})
    waker = api.app.state.ctx._pending_waker
    await waker.stop()  # the test drives the passes itself, so no background pass races it

    iid = await _active(api, "t-1")
    aside = await c.post(f"/api/v1/interactions/{iid}/pending", json={})
    assert aside.status_code == 200, aside.text
    conforms(document, "Interaction", aside.json())
    assert (aside.json()["status"], aside.json()["pending"]) == ("active", "customer")
    assert await waker.wake_due() == 0, "nothing happened yet"

    # The customer answers on the same thread: the message lands in it, and it comes back once.
    answer = await api.db(ingest, _email("t-1", "It arrived, thanks"))
    assert answer.interaction.id == iid
    assert await waker.wake_due() == 1
    assert await waker.wake_due() == 0
    back = (await c.get(f"/api/v1/interactions/{iid}")).json()
    assert back["pending"] is None and back["status"] == "active"

    # Snoozed for a second: it comes back when the time has come, not before.
    until = (utcnow() + timedelta(seconds=1)).isoformat()
    snoozed = await c.post(f"/api/v1/interactions/{iid}/pending", json={"until": until})
    assert snoozed.json()["pending"] == "snooze" and snoozed.json()["snoozed_until"] is not None
    assert await waker.wake_due() == 0
    await asyncio.sleep(1.2)
    assert await waker.wake_due() == 1
    assert (await c.get(f"/api/v1/interactions/{iid}")).json()["pending"] is None

    # Resume by hand.
    await c.post(f"/api/v1/interactions/{iid}/pending", json={})
    resumed = await c.post(f"/api/v1/interactions/{iid}/resume")
    assert resumed.status_code == 200 and resumed.json()["pending"] is None
    assert_error(await c.post(f"/api/v1/interactions/{iid}/resume"), 409, "not_pending")
    past = (utcnow() - timedelta(minutes=1)).isoformat()
    assert_error(
        await c.post(f"/api/v1/interactions/{iid}/pending", json={"until": past}),
        422,
        "invalid_input",
        "until",
    )
    queued = (await api.db(ingest, _email("t-2", "Another question"))).interaction.id
    assert_error(await c.post(f"/api/v1/interactions/{queued}/pending", json={}), 409, "conflict")
    assert_error(await c.post("/api/v1/interactions/999/pending", json={}), 404, "not_found")


async def test_the_waker_loop_brings_a_conversation_back_by_itself(api: Api) -> None:
    await api.client.post("/api/v1/queues", json={"name": "Support", "is_default": True})
    iid = await _active(api, "t-3")
    until = (utcnow() + timedelta(seconds=1)).isoformat()
    await api.client.post(f"/api/v1/interactions/{iid}/pending", json={"until": until})

    async def back() -> None:
        while (await api.client.get(f"/api/v1/interactions/{iid}")).json()["pending"] is not None:
            await asyncio.sleep(0.2)

    await asyncio.wait_for(back(), timeout=10)
