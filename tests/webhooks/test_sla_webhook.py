"""A breach whose policy lists the webhook action reaches subscribers as a signed ``sla.breached``."""

from __future__ import annotations

from sqlmodel import select

from contact_center.hub import Hub
from contact_center.router import Router
from contact_center.webhooks import HEADER, WebhookService, verify
from repository import Database
from repository.core.models import Queue
from repository.directory.sla_policies import check_policies, set_policies
from repository.webhooks import store as webhook_store
from tests.contact_center.test_sla_routing import Clock
from tests.factories import reload
from tests.webhooks.nodes import eventually, new_chat
from tests.webhooks.receiver import Receiver


def support(db: Database) -> Queue:
    with db.read() as session:
        return session.exec(select(Queue).where(Queue.name == "support")).one()


async def test_a_breach_fires_the_sla_breached_webhook_once_and_only_when_the_policy_asks(
    db: Database, hub: Hub, service: WebhookService, receiver: Receiver
) -> None:
    sub = webhook_store.create_subscription(db, receiver.url, ["sla.breached"])
    queue_id = support(db).id
    assert queue_id is not None
    clock = Clock()
    router = Router(hub, clock=clock)
    try:
        # A policy without the webhook action: a breach, but no delivery.
        set_policies(db, queue_id, check_policies([{"first_response_seconds": 60, "actions": ["notify"]}]))
        quiet = await new_chat(hub, "Anyone there?")
        clock.advance(61)
        await router.route_once()
        assert reload(db, quiet).sla_status == "breached"

        set_policies(db, queue_id, check_policies([{"first_response_seconds": 60, "actions": ["webhook"]}]))
        router.escalation.config = None  # as the next re-read of the settings would
        loud = await new_chat(hub, "Me too")
        clock.advance(61)
        await router.route_once()
        await router.route_once()
        # The webhook loop reads events in order: by the time the second breach is
        # delivered, it has passed over the first.
        await eventually(lambda: len(receiver.of_type("sla.breached")) == 1)
    finally:
        await router.stop()
    got = receiver.of_type("sla.breached")[0]
    verify(sub.secret, got.headers[HEADER.lower()], got.body)
    assert (got.payload["data"]["interaction"]["id"], got.payload["data"]["target"]) == (
        loud,
        "first_response",
    )
    await eventually(
        lambda: all(d.status == "delivered" for d in webhook_store.list_deliveries(db, limit=100))
    )
    assert [d.event_type for d in webhook_store.list_deliveries(db, limit=100)] == ["sla.breached"]
