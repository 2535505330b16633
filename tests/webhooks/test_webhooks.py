"""Signed webhooks reach a real HTTP receiver, are retried after it fails or is down, survive
a restart of the sender, and are sent once even with two nodes sending."""

from __future__ import annotations

import asyncio
import time

import pytest

from contact_center.analytics.scheduler import announce
from contact_center.hub import Hub
from contact_center.webhooks import HEADER, WebhookService, sign, verify
from repository import Database, InvalidSignature
from repository.commerce.analytics import TierChange
from repository.webhooks import store as webhook_store
from tests.services import free_port
from tests.webhooks.nodes import deliveries, eventually, new_chat, node
from tests.webhooks.receiver import Receiver


async def test_deliveries_are_signed_and_retried_until_the_receiver_accepts(
    db: Database, hub: Hub, service: WebhookService, receiver: Receiver
) -> None:
    sub = webhook_store.create_subscription(db, receiver.url, ["interaction.created", "message.created"])
    receiver.fail_next = 4  # both deliveries fail twice: backoff makes every 2nd try come before any 3rd

    interaction_id = await new_chat(hub, "Where is my order?")

    await eventually(lambda: len(receiver.of_type("interaction.created")) == 3)
    await eventually(lambda: len(receiver.of_type("message.created")) == 3)
    attempts = receiver.of_type("interaction.created")
    assert len({a.body for a in attempts}) == 1  # the same bytes each time, signed afresh
    last = attempts[-1]
    verify(sub.secret, last.headers[HEADER.lower()], last.body)
    assert last.payload["data"]["interaction"]["id"] == interaction_id
    assert last.headers["x-cc-event"] == "interaction.created"
    message = receiver.of_type("message.created")[-1]
    verify(sub.secret, message.headers[HEADER.lower()], message.body)
    assert message.payload["data"]["message"]["body"] == "Where is my order?"
    await eventually(lambda: all(d.status == "delivered" for d in deliveries(db)))
    assert sorted((d.event_type, d.attempts, d.response_code) for d in deliveries(db)) == [
        ("interaction.created", 3, 200),
        ("message.created", 3, 200),
    ]


async def test_a_receiver_that_is_down_gets_the_delivery_once_it_is_back(
    db: Database, hub: Hub, service: WebhookService
) -> None:
    port = free_port()
    sub = webhook_store.create_subscription(db, f"http://127.0.0.1:{port}/hooks", ["customer.tier_changed"])

    await announce(hub, [TierChange(customer_id=7, old_tier="silver", new_tier="gold", churn_risk=0.1)])

    # Two failed attempts, the row waiting for its next try (attempts count from the claim).
    await eventually(lambda: any(d.status == "pending" and d.attempts >= 2 for d in deliveries(db)))
    assert "Connect" in (deliveries(db)[0].last_error or "")
    back = Receiver(port)
    try:
        await eventually(lambda: len(back.of_type("customer.tier_changed")) == 1)
        got = back.of_type("customer.tier_changed")[0]
        verify(sub.secret, got.headers[HEADER.lower()], got.body)
        assert got.payload["data"] == {
            "customer_id": 7,
            "old_tier": "silver",
            "new_tier": "gold",
            "churn_risk": 0.1,
        }
    finally:
        back.stop()


async def test_pending_deliveries_survive_a_restart_of_the_sender(
    db: Database, hub: Hub, receiver: Receiver
) -> None:
    webhook_store.create_subscription(db, receiver.url, ["interaction.created"])
    receiver.fail_next = 1
    first = node(hub)
    await first.start()
    await new_chat(hub)
    await eventually(lambda: len(receiver.received) == 1)
    await first.stop()  # the node goes away with the delivery still pending

    second = node(hub)
    await second.start()
    try:
        await eventually(lambda: [d.status for d in deliveries(db)] == ["delivered"])
    finally:
        await second.stop()
    assert len(receiver.of_type("interaction.created")) == 2


async def test_two_nodes_send_every_delivery_exactly_once(db: Database, hub: Hub, receiver: Receiver) -> None:
    webhook_store.create_subscription(db, receiver.url, ["*"])
    nodes = [node(hub), node(hub)]
    for n in nodes:
        await n.start()
    try:
        for i in range(10):
            await new_chat(hub, f"message {i}")
        await eventually(
            lambda: len(deliveries(db)) == 20 and all(d.status == "delivered" for d in deliveries(db))
        )
        await asyncio.sleep(0.5)  # a double send would arrive by now
    finally:
        for n in nodes:
            await n.stop()
    ids = [r.headers["x-cc-delivery"] for r in receiver.received]
    assert len(ids) == 20 and len(set(ids)) == 20


def test_a_forged_or_stale_signature_is_refused() -> None:
    secret = "whsec_test"
    body = b'{"type":"interaction.created"}'
    header = sign(secret, body)
    verify(secret, header, body)
    with pytest.raises(InvalidSignature):
        verify("whsec_other", header, body)
    with pytest.raises(InvalidSignature):
        verify(secret, header, body.replace(b"created", b"closed"))
    with pytest.raises(InvalidSignature):
        verify(secret, sign(secret, body, timestamp=int(time.time()) - 3600), body)
    with pytest.raises(InvalidSignature):
        verify(secret, "v1=" + header.split("v1=")[1], body)  # no timestamp
    forged_t = header.replace("t=", "t=1")  # a new timestamp on an old signature
    with pytest.raises(InvalidSignature):
        verify(secret, forged_t, body, now=int(forged_t.split(",")[0][2:]))
