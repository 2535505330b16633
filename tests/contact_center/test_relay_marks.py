"""The relay marks what it published in bulk, at most once per poll, not on every pass."""

from __future__ import annotations

from sqlmodel import col, func, select

from contact_center.bus import create_bus
from contact_center.bus.relay import Relay
from repository import Database
from repository.events import outbox
from repository.events.outbox import OutboxRow


def published_unmarked(db: Database) -> int:
    with db.read() as session:
        query = select(func.count()).where(
            col(OutboxRow.position).is_not(None), col(OutboxRow.published_at).is_(None)
        )
        return int(session.exec(query).one())


async def test_commit_passes_publish_at_once_and_mark_together_later(db: Database) -> None:
    bus = create_bus("memory://")
    await bus.connect()
    relay = Relay(db, bus, poll_seconds=60, republish_after=300)
    try:
        async with bus.subscribe() as subscription:
            for n in range(3):
                outbox.append(db, {"type": "test.event", "n": n}, ["agent:1"])
                assert await relay.pump(mark_idle=False) == 1  # a commit's wake-up: out at once

            assert published_unmarked(db) == 3  # no UPDATE per pass
            await relay.pump(mark_idle=True)  # the idle poll marks them, in one statement
            assert published_unmarked(db) == 0
            events = aiter(subscription)
            received = [await anext(events) for _ in range(3)]
        assert [event.data["n"] for event in received] == [0, 1, 2]
    finally:
        await relay.stop()
        await bus.disconnect()
