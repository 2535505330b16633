"""Webhook test nodes: a hub on a memory bus, a real HTTP receiver, services as nodes run them."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator

import pytest

from config import Settings
from contact_center.bus import Bus, create_bus
from contact_center.context import AppContext
from contact_center.hub import Hub
from contact_center.webhooks import WebhookService
from repository import Database
from repository.webhooks import store as webhook_store
from repository.webhooks.models import WebhookDelivery
from tests.factories import chat_item, make_queue
from tests.webhooks.receiver import Receiver

TIMEOUT = 10.0


@pytest.fixture
async def memory_bus() -> AsyncIterator[Bus]:
    bus = create_bus("memory://")
    await bus.connect()
    yield bus
    await bus.disconnect()


@pytest.fixture
def hub(make_settings: Callable[..., Settings], db: Database, memory_bus: Bus) -> Hub:
    make_queue(db, "support", is_default=True)
    # The receiver listens on 127.0.0.1, which webhooks may reach only when allowed.
    settings = make_settings(
        DATABASE_URL=db.url,
        WEBHOOK_BACKOFF_SECONDS="0.2",
        WEBHOOK_MAX_ATTEMPTS="6",
        WEBHOOK_ALLOW_PRIVATE_TARGETS="true",
    )
    return Hub(settings, db, memory_bus)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.stop()


def node(hub: Hub) -> WebhookService:
    """A webhook service as one app node runs it (router and presence are not needed)."""
    ctx = AppContext(settings=hub.settings, db=hub.db, bus=hub.bus, hub=hub, router=None, presence=None)  # type: ignore[arg-type]
    return WebhookService(ctx)


@pytest.fixture
async def service(hub: Hub) -> AsyncIterator[WebhookService]:
    running = node(hub)
    await running.start()
    yield running
    await running.stop()


async def eventually(check: Callable[[], bool], timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


def deliveries(db: Database) -> list[WebhookDelivery]:
    return webhook_store.list_deliveries(db, limit=1000)


async def new_chat(hub: Hub, body: str = "Hello") -> int:
    result = await hub.store(chat_item(body=body))
    await hub.announce(result)
    return result.interaction.id  # type: ignore[return-value]
