"""The node's presence keeper writes the heartbeats of desktops that connect together."""

from __future__ import annotations

import asyncio
from contextlib import suppress
from types import SimpleNamespace
from typing import Any

import pytest

from contact_center.bus import create_bus
from contact_center.bus.dispatch import Dispatcher
from contact_center.presence import PresenceKeeper
from repository import Database
from repository import directory as d
from repository.events.bus import topics_for


class CountingDatabase:
    """The real store, with every ``run`` call's arguments kept (and the first ``fail`` ones failed)."""

    def __init__(self, db: Database, fail: int = 0) -> None:
        self.db = db
        self.fail = fail
        self.calls: list[list[int]] = []

    async def run(self, fn: Any, ids: list[int]) -> None:
        self.calls.append(sorted(ids))
        if len(self.calls) <= self.fail:
            raise RuntimeError("the store is away")
        await self.db.run(fn, ids)


def keeper(store: CountingDatabase) -> PresenceKeeper:
    return PresenceKeeper(SimpleNamespace(db=store))  # type: ignore[arg-type]


async def test_desktops_connecting_together_share_one_heartbeat_write(db: Database) -> None:
    ids = [d.create_agent(db, f"arrive{i}", f"Arrive {i}", "password-1").id for i in range(30)]
    bystander = d.create_agent(db, "bystander", "Bystander", "password-1")
    store = CountingDatabase(db)
    presence = keeper(store)

    await asyncio.gather(*(presence.beat_arrival(i) for i in ids))  # type: ignore[arg-type]

    assert store.calls == [sorted(ids)]  # type: ignore[type-var]
    assert all(d.get_agent(db, i).last_heartbeat is not None for i in ids)  # type: ignore[arg-type]
    assert d.get_agent(db, bystander.id).last_heartbeat is None  # type: ignore[arg-type]


async def test_a_failed_write_fails_its_waiters_and_the_next_arrival_writes_again(db: Database) -> None:
    first, second = (d.create_agent(db, name, name, "password-1").id for name in ("early", "late"))
    store = CountingDatabase(db, fail=1)
    presence = keeper(store)

    with pytest.raises(RuntimeError, match="away"):
        await presence.beat_arrival(first)  # type: ignore[arg-type]
    await presence.beat_arrival(second)  # type: ignore[arg-type]

    assert store.calls == [[first], [second]]
    assert d.get_agent(db, first).last_heartbeat is None  # type: ignore[arg-type]
    assert d.get_agent(db, second).last_heartbeat is not None  # type: ignore[arg-type]


async def test_the_interval_beat_names_each_connected_agent_once(db: Database) -> None:
    one, two = (d.create_agent(db, name, name, "password-1").id for name in ("twice", "once"))
    store = CountingDatabase(db)
    presence = keeper(store)
    for agent_id in (one, one, two):  # two tabs of one agent, one of another
        presence.connected(agent_id)  # type: ignore[arg-type]

    await presence.beat_now()

    assert store.calls == [sorted([one, two])]  # type: ignore[type-var]


async def test_the_viewer_registry_follows_viewer_events_only(db: Database) -> None:
    bus = create_bus("memory://")
    await bus.connect()
    dispatcher = Dispatcher(db, bus, poll_seconds=60)
    await dispatcher.start()
    presence = PresenceKeeper(SimpleNamespace(db=db, dispatcher=dispatcher))  # type: ignore[arg-type]
    following = asyncio.create_task(presence._follow_viewers())
    try:
        for _ in range(50):  # until its sink is registered
            if dispatcher._index.get("viewers"):
                break
            await asyncio.sleep(0.01)
        assert set(dispatcher._index) >= {"viewers"} and "*" not in dispatcher._index  # no wake per message
        view = {"type": "viewer", "interaction_id": 42, "agent_id": 7, "name": "Bob", "viewing": True}
        await bus.publish({**view, "pos": None, "topics": topics_for(view)})
        for _ in range(50):
            if presence.viewers:
                break
            await asyncio.sleep(0.01)
        assert presence.viewer_list(42) == [{"agent_id": 7, "name": "Bob"}]
    finally:
        following.cancel()
        with suppress(asyncio.CancelledError):
            await following
        await dispatcher.stop()
        await bus.disconnect()
