"""A running supervisor feed on every store and bus backend, with its hub, without an app."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from types import SimpleNamespace

import pytest

from config import Settings
from contact_center.bus import Bus
from contact_center.hub import Hub
from contact_center.supervision.live import SupervisorFeed
from repository import Database
from tests.channel_kinds import shipped_channels


@pytest.fixture
async def feed(
    db: Database, bus: Bus, make_settings: Callable[..., Settings]
) -> AsyncIterator[SupervisorFeed]:
    """The feed as ``serve`` runs it: snapshots from a child process (the default)."""
    settings = make_settings()
    hub = Hub(settings, db, bus, shipped_channels())
    instance = SupervisorFeed(SimpleNamespace(db=db, bus=bus, settings=settings, hub=hub))  # type: ignore[arg-type]
    await hub.start()
    await instance.start()
    yield instance
    await instance.stop()
    await hub.stop()
