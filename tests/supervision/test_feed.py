"""The supervisor feed's fan-out: one encoding per snapshot, newest-only mailboxes, sign-out.

On every store and bus backend; the sockets themselves are tested on a real server in
test_supervisor_live.py.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from contact_center.supervision.live import Mailbox, SupervisorFeed


async def next_snapshot(mailbox: Mailbox) -> object:
    return await asyncio.wait_for(mailbox.get(), 5)


async def test_every_socket_gets_the_same_text_encoded_once(feed: SupervisorFeed) -> None:
    async with feed.listen("a") as one, feed.listen("b") as two, feed.listen("c") as three:
        first = [await next_snapshot(m) for m in (one, two, three)]
        assert first[0] is first[1] is first[2], "one encoding shared by every socket"
        frame = json.loads(first[0].text)  # type: ignore[attr-defined]
        assert frame["type"] == "snapshot" and frame["version"] == feed.version


async def test_a_socket_that_does_not_read_holds_only_the_newest_and_delays_nobody(
    feed: SupervisorFeed,
) -> None:
    async with feed.listen("slow") as stuck, feed.listen("fast") as reader:
        seen = [await next_snapshot(reader)]
        for _ in range(3):
            feed.poke()
            seen.append(await next_snapshot(reader))
        versions = [s.version for s in seen]  # type: ignore[attr-defined]
        assert versions == sorted(set(versions)) and len(versions) == 4
        newest = await next_snapshot(stuck)
        assert newest.version == versions[-1]  # type: ignore[attr-defined]
        # Nothing older was queued behind it.
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(stuck.get(), 0.05)


async def test_a_sign_out_reaches_only_that_sessions_mailboxes(feed: SupervisorFeed) -> None:
    async with (
        feed.listen("mine") as mine,
        feed.listen("mine") as my_second_tab,
        feed.listen("yours") as yours,
    ):
        for mailbox in (mine, my_second_tab, yours):
            await next_snapshot(mailbox)
        await feed.ctx.hub.publish({"type": "agent.signed_out", "agent_id": 1, "sid": "mine"})
        assert await next_snapshot(mine) is None
        assert await next_snapshot(my_second_tab) is None
        # The other session gets the next picture (the sign-out changed presence), not a close.
        assert await next_snapshot(yours) is not None
        assert not yours.signed_out
        # A sign-out stays final even when newer snapshots arrive.
        feed.poke()
        await next_snapshot(yours)
        assert await next_snapshot(mine) is None
        assert await next_snapshot(mine) is None


async def test_sign_out_events_without_a_session_id_close_nothing(feed: SupervisorFeed) -> None:
    async with feed.listen(None) as anonymous, feed.listen("s") as named:
        for bad in (None, "", 7, ["s"]):
            await feed.ctx.hub.publish({"type": "agent.signed_out", "agent_id": 1, "sid": bad})
        for mailbox in (anonymous, named):
            assert await next_snapshot(mailbox) is not None
            assert not mailbox.signed_out
