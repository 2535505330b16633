"""The chat hot path: lean writes that store what ingest stores, batched by group commit."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlmodel import col, select

from contact_center.group_commit import GroupCommit
from repository import Database, InvalidInput, ingest
from repository.core.chat_append import agent_reply, follow_up
from repository.core.models import Event, Interaction
from repository.events.outbox import OutboxRow
from repository.search.query import search_messages
from tests.factories import chat_item, make_agent, make_queue


def rows(db: Database, interaction_id: int) -> tuple[list[Event], list[OutboxRow]]:
    with db.read() as session:
        events = session.exec(
            select(Event).where(Event.interaction_id == interaction_id).order_by(col(Event.id))
        ).all()
        outbox = session.exec(select(OutboxRow).order_by(col(OutboxRow.id))).all()
    return list(events), list(outbox)


async def test_a_follow_up_stores_the_event_its_bus_message_and_its_index_row(db: Database) -> None:
    make_queue(db, "support", is_default=True)
    opened = ingest(db, chat_item("v1", "hello", external_id="v1:a"))
    group = GroupCommit(db)

    result = await group.run(
        lambda s: follow_up(s, opened.interaction, body="refund please", external_id="v1:b")
    )

    assert result is not None and not result.duplicate and not result.new_interaction
    events, outbox = rows(db, opened.interaction.id)  # type: ignore[arg-type]
    assert [e.body for e in events] == ["hello", "refund please"]
    stored = events[-1]
    assert (stored.customer_id, stored.author_id, stored.author_type) == (
        opened.customer.id,
        opened.customer.id,
        "customer",
    )
    assert stored.author_name == opened.customer.display_name
    assert result.event.id == stored.id
    last = outbox[-1]
    assert last.type == "interaction.event"
    assert last.payload["event"]["id"] == stored.id and last.payload["public"]["body"] == "refund please"
    assert set(last.topics) == {f"interaction:{opened.interaction.id}", "visitor:v1"}
    assert [hit["event_id"] for hit in search_messages(db, "refund").hits] == [stored.id]


async def test_the_lean_path_declines_what_it_does_not_handle(db: Database) -> None:
    make_queue(db, "support", is_default=True)
    agent = make_agent(db, "ada")
    opened = ingest(db, chat_item("v2", "hi", external_id="v2:a"))
    group = GroupCommit(db)

    # A retry of a stored message: ingest answers with the stored copy.
    assert await group.run(lambda s: follow_up(s, opened.interaction, body="hi", external_id="v2:a")) is None
    # Not the holder: Hub.reply's full path raises the conflict.
    assert (
        await group.run(lambda s: agent_reply(s, opened.interaction.id, agent.id, "Ada", "x", None)) is None
    )  # type: ignore[arg-type]
    with db.write() as session:
        row = session.get(Interaction, opened.interaction.id)
        assert row is not None
        row.status = "closed"
        session.add(row)
    # An ended chat: ingest opens the next one.
    assert (
        await group.run(lambda s: follow_up(s, opened.interaction, body="back", external_id="v2:c")) is None
    )


async def test_concurrent_writes_share_one_commit_and_a_bad_one_fails_alone(db: Database) -> None:
    make_queue(db, "support", is_default=True)
    chats = [ingest(db, chat_item(f"g{i}", "open", external_id=f"g{i}:0")).interaction for i in range(20)]
    group = GroupCommit(db)

    def bad(session: Any) -> Any:
        follow_up(session, chats[0], body="x" * 30_000, external_id="g0:bad")  # over MAX_BODY_CHARS

    async def good(i: int) -> Any:
        return await group.run(lambda s: follow_up(s, chats[i], body=f"m{i}", external_id=f"g{i}:1"))

    results = await asyncio.gather(*(good(i) for i in range(20)), group.run(bad), return_exceptions=True)

    assert all(r is not None and not isinstance(r, BaseException) for r in results[:20])
    assert isinstance(results[20], InvalidInput)
    assert group.split_batches >= 1  # the batch with the bad item was retried item by item
    for i, chat in enumerate(chats):
        events, _ = rows(db, chat.id)  # type: ignore[arg-type]
        assert [e.body for e in events] == ["open", f"m{i}"]
    # Without the bad item, 20 writers that arrive together take few commits, not 20.
    group2 = GroupCommit(db)
    before = group2.commits
    await asyncio.gather(
        *(
            group2.run(lambda s, i=i: follow_up(s, chats[i], body="again", external_id=f"g{i}:2"))
            for i in range(20)
        )
    )
    assert group2.items == 20 and group2.commits - before <= 2


@pytest.mark.parametrize("first", [True, False])
async def test_an_agent_reply_by_the_holder_is_stored_as_append_event_would(
    db: Database, first: bool
) -> None:
    make_queue(db, "support", is_default=True)
    agent = make_agent(db, "ben")
    opened = ingest(db, chat_item("v3", "hi", external_id="v3:a"))
    with db.write() as session:
        row = session.get(Interaction, opened.interaction.id)
        assert row is not None
        row.status, row.agent_id = "active", agent.id
        session.add(row)
    group = GroupCommit(db)
    if not first:
        await group.run(lambda s: agent_reply(s, opened.interaction.id, agent.id, "Ben", "one", "agent:1:x"))  # type: ignore[arg-type]

    event = await group.run(
        lambda s: agent_reply(s, opened.interaction.id, agent.id, "Ben", "thanks", "agent:1:y")
    )  # type: ignore[arg-type]

    assert event is not None
    events, outbox = rows(db, opened.interaction.id)  # type: ignore[arg-type]
    assert (
        events[-1].body == "thanks" and events[-1].author_type == "agent" and events[-1].author_id == agent.id
    )
    assert outbox[-1].payload["public"]["author_name"] == "Ben"
    with db.read() as session:
        row = session.get(Interaction, opened.interaction.id)
        assert row is not None and row.first_response_at is not None
    # A resend of the same client id is the full path's (stored copy), not a second row.
    assert (
        await group.run(
            lambda s: agent_reply(s, opened.interaction.id, agent.id, "Ben", "thanks", "agent:1:y")
        )
        is None
    )  # type: ignore[arg-type]
