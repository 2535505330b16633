"""An event no webhook wants costs the recorder no database read, and a webhook created on
one node starts recording on another node's running recorder within about a second."""

from __future__ import annotations

import asyncio
import time

from contact_center.hub import Hub
from contact_center.webhooks import WebhookService
from repository import Database
from repository.webhooks import store as webhook_store
from tests.webhooks.nodes import deliveries, eventually, new_chat, node
from tests.webhooks.receiver import Receiver

CHATS = 60


def bodies(receiver: Receiver) -> list[str]:
    return [r.payload["data"]["message"]["body"] for r in receiver.of_type("message.created")]


async def test_with_no_webhook_chat_events_read_no_subscriptions(
    db: Database, hub: Hub, service: WebhookService, receiver: Receiver
) -> None:
    before = webhook_store.ReadCounter.count
    started = time.monotonic()
    for i in range(CHATS):
        await new_chat(hub, f"nobody listens {i}")
    # A webhook made through this process is seen at once. The recorder handles events in
    # order, so once the next chat is delivered every earlier event has passed it; the
    # last few may still have been on their way, and rightly reach the new webhook.
    webhook_store.create_subscription(db, receiver.url, ["message.created"])
    await new_chat(hub, "now someone does")
    await eventually(lambda: "now someone does" in bodies(receiver))
    reads = webhook_store.ReadCounter.count - before
    elapsed = time.monotonic() - started
    recorded = len(deliveries(db))

    # Each chat gives interaction.created and message.created: reading per event would be
    # 2 x CHATS reads. Allowed: one re-read per second of the run, the one after the
    # change, and one per message recorded for the new webhook.
    allowed = elapsed + 2 + recorded
    assert reads <= allowed, f"{reads} subscription reads for {2 * CHATS} events in {elapsed:.1f} s"
    assert recorded < CHATS // 2
    assert {d.event_type for d in deliveries(db)} == {"message.created"}


async def test_a_webhook_created_on_another_node_records_on_a_running_recorder(
    db: Database, hub: Hub, receiver: Receiver
) -> None:
    # Node B has its own store connection (another process, as far as change signals go)
    # on the same database and bus; node A only creates the webhook and serves chats.
    other_db = Database(db.url)
    node_b = node(Hub(hub.settings, other_db, hub.bus))
    await node_b.start()
    try:
        before = webhook_store.ReadCounter.count
        await new_chat(hub, "before any webhook")
        await eventually(lambda: webhook_store.ReadCounter.count > before)  # B has read: none
        webhook_store.create_subscription(db, receiver.url, ["message.created"])
        assert webhook_store.local_changes(other_db) == 0

        started = time.monotonic()
        while not receiver.of_type("message.created"):
            assert time.monotonic() - started < 5.0, "node B never recorded the new webhook's events"
            await new_chat(hub, "after the webhook")
            await asyncio.sleep(0.2)
    finally:
        await node_b.stop()
        other_db.dispose()
    assert all(d.event_type == "message.created" for d in deliveries(db))
