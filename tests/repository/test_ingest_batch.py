"""The batch ingest path stores exactly what the per-item path stores, row for row.

``ingest_many`` without ``also`` writes a whole batch with a few Core statements
(repository/core/ingest_batch.py); with ``also`` every item goes through the per-item
ORM path. The same batch, over the same starting store, must leave the same
customers, identities, interactions, events, outbox rows and search index, and
answer the same results, whichever path took it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlmodel import Session, SQLModel

import repository.schema  # noqa: F401  (every table registered, for the emptying below)
from repository import Database, ingest
from repository.core.ingest import InboundItem, IngestResult, ingest_many
from repository.search.backend import backend
from tests.factories import make_queue

TABLES = ("customers", "identities", "interactions", "events", "outbox")


def email(address: str, external_id: str | None, thread: str, body: str, name: str = "") -> InboundItem:
    return InboundItem(
        channel="email",
        identities=[("email", address)],
        thread_key=thread,
        body=body,
        external_id=external_id,
        display_name=name,
        subject=f"About {thread}",
        payload={"message_id": external_id, "attachments": []},
    )


def seed(db: Database) -> dict[str, int]:
    """A store with history: a nameless customer, a live thread, a stored mail, a second queue."""
    make_queue(db, "support", priority=1, is_default=True)
    vip = make_queue(db, "vip", priority=7)
    ingest(db, email("kay@example.com", "<old-1@x>", "thread-live", "First mail"))
    ingest(db, email("lee@example.com", "<old-2@x>", "thread-lee", "Lee's mail", name="Lee"))
    return {"vip": vip.id}  # type: ignore[dict-item]


def batch(ids: dict[str, int]) -> list[InboundItem]:
    return [
        email("ann@example.com", "<a1@x>", "thread-a", "Hello from Ann", name="Ann"),
        # A reply to the first, in the same batch: it joins the interaction just opened.
        email("ann@example.com", "<a2@x>", "thread-a", "Ann again"),
        # The nameless stored customer writes with a name: the name is filled in.
        email("kay@example.com", "<k1@x>", "thread-k", "Kay writes", name="Kay"),
        # A follow-up into a live thread from before the batch, by someone new.
        email("max@example.com", "<m1@x>", "thread-live", "Max joins in", name="Max"),
        # The same mail twice in one batch, and a retry of one stored before it.
        email("ann@example.com", "<a1@x>", "thread-a", "Hello from Ann", name="Ann"),
        email("lee@example.com", "<old-2@x>", "thread-lee", "Lee's mail", name="Lee"),
        # Two identities, one known: the known one's customer gets the new one.
        InboundItem(
            channel="sms",
            identities=[("phone", "+1 415 555 0100"), ("email", "lee@example.com")],
            thread_key="sms:+14155550100",
            body="Text from Lee",
            external_id="SM1",
            queue_id=ids["vip"],
        ),
        # A new visitor with no external id, then identities that disagree: the first wins.
        InboundItem(channel="chat", identities=[("webchat", "v-9")], thread_key="v-9", body="hi"),
        InboundItem(
            channel="chat",
            identities=[("email", "ann@example.com"), ("email", "kay@example.com")],
            thread_key="v-10",
            body="who am I",
            display_name="Ann B.",
        ),
    ]


def _plain(value: Any) -> Any:
    """Values with every timestamp reduced to its presence (the two runs happen at different times)."""
    if isinstance(value, datetime):
        return "<time>"
    if isinstance(value, dict):
        return {k: "<time>" if k.endswith("_at") and v else _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def snapshot(db: Database) -> dict[str, Any]:
    with db.engine.connect() as conn:
        rows = {
            name: [_plain(dict(r._mapping)) for r in conn.execute(select(table).order_by(table.c.id))]
            for name in TABLES
            for table in [SQLModel.metadata.tables[name]]
        }
        if db.dialect == "sqlite":
            index = ("SELECT rowid FROM search_events", "SELECT rowid, name, contact FROM search_customers")
        else:
            index = (
                "SELECT event_id, terms::text FROM search_events",
                "SELECT customer_id, terms::text FROM search_customers",
            )
        for name, query in zip(("search_events", "search_customers"), index, strict=True):
            rows[name] = [tuple(r) for r in conn.execute(text(f"{query} ORDER BY 1"))]
    for row in rows["outbox"]:
        assert row["position"] is None  # no relay runs here
    return rows


def answers(results: list[IngestResult]) -> list[Any]:
    return [
        (
            _plain(r.customer.model_dump()),
            _plain(r.interaction.model_dump()),
            _plain(r.event.model_dump()),
            r.duplicate,
            r.new_interaction,
        )
        for r in results
    ]


def empty(db: Database) -> None:
    """Back to an empty store whose ids start at 1 again."""
    tables = [t.name for t in reversed(SQLModel.metadata.sorted_tables) if t.name != "alembic_version"]
    with db.engine.begin() as conn:
        if db.dialect == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            backend("sqlite").clear(conn)
            for table in tables:
                conn.execute(text(f"DELETE FROM {table}"))


def _nothing(_session: Session, _result: IngestResult) -> None:
    """An ``also`` that adds nothing: it sends every item down the per-item path."""


def test_a_batch_stores_the_same_rows_and_answers_as_item_by_item_ingest(db: Database) -> None:
    ids = seed(db)
    batched = ingest_many(db, batch(ids))
    by_batch = snapshot(db)

    empty(db)
    ids = seed(db)
    per_item = ingest_many(db, batch(ids), also=_nothing)
    by_per_item_path = snapshot(db)

    empty(db)
    ids = seed(db)
    for item in batch(ids):
        ingest(db, item, also=_nothing)
    by_separate_ingests = snapshot(db)

    assert by_batch == by_per_item_path == by_separate_ingests
    # One transaction shares one object per row among its results (a customer a later
    # item changes shows the change in every result), so answers compare within a batch.
    assert answers(batched) == answers(per_item)
    # What the scenario is about, so an empty comparison cannot pass.
    assert [(r.duplicate, r.new_interaction) for r in batched] == [
        (False, True),
        (False, False),
        (False, True),
        (False, False),
        (True, False),
        (True, False),
        (False, True),
        (False, True),
        (False, True),
    ]
    assert batched[4].event is batched[0].event  # the copy in the batch answers with the first
    assert len(by_batch["outbox"]) == 2 * 2 + 5 + 7  # seed: 2 new threads; batch: 5 new, 7 messages
    kay = batched[2].customer
    assert (kay.display_name, kay.email) == ("Kay", "kay@example.com")
    assert batched[3].event.customer_id == batched[3].interaction.customer_id != batched[3].customer.id
    assert batched[8].customer.id == batched[0].customer.id
