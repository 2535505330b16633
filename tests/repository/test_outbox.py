"""The outbox: dense positions in commit order, a late commit never skipped, republish, prune."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import update

from repository import Database
from repository.core.models import utcnow
from repository.events import outbox
from repository.events.outbox import OutboxRow


def add(db: Database, n: int) -> None:
    with db.write() as session:
        outbox.emit_dict(session, {"type": "test", "n": n}, [f"t:{n}"])


def test_positions_are_dense_and_follow_the_order_rows_were_committed(db: Database) -> None:
    for n in range(3):
        add(db, n)
    first = outbox.assign(db, published=[])
    add(db, 3)
    second = outbox.assign(db, published=[r.row_id for r in first])
    assert [r.position for r in first + second] == [1, 2, 3, 4]
    assert [r.payload["n"] for r in first + second] == [0, 1, 2, 3]
    assert outbox.head(db) == 4
    assert [r.position for r in outbox.after(db, 2)] == [3, 4]
    assert first[0].as_bus() == {"type": "test", "n": 0, "pos": 1, "topics": ["t:0"]}


@pytest.mark.postgres
def test_a_row_whose_id_was_taken_first_but_committed_last_is_not_skipped(db: Database) -> None:
    """PostgreSQL takes the id before commit: id 1 may commit after id 2."""
    if db.dialect != "postgresql":
        pytest.skip("SQLite has one writer: ids commit in order")
    inserted, release = threading.Event(), threading.Event()

    def slow_writer() -> None:
        with db.write() as session:
            outbox.emit_dict(session, {"type": "test", "n": "slow"}, [])
            session.flush()  # the id is taken now
            inserted.set()
            release.wait(10)

    thread = threading.Thread(target=slow_writer)
    thread.start()
    inserted.wait(10)
    add(db, 1)  # a later id, committed first
    first = outbox.assign(db, published=[])
    release.set()
    thread.join(10)
    second = outbox.assign(db, published=[])
    assert [(r.position, r.payload["n"]) for r in first + second] == [(1, 1), (2, "slow")]
    assert first[0].row_id > second[0].row_id  # the slow row had the smaller id


def test_rows_positioned_but_never_marked_published_are_published_again(db: Database) -> None:
    add(db, 1)
    lost = outbox.assign(db, published=[])  # the relay died before publishing these
    assert outbox.assign(db, published=[], republish_after=5) == []  # not yet: it may still be on its way
    with db.write() as session:
        session.execute(update(OutboxRow).values(created_at=utcnow() - timedelta(seconds=60)))
    again = outbox.assign(db, published=[], republish_after=5)
    assert [r.position for r in again] == [r.position for r in lost]
    assert outbox.start_point(db) == 0  # a starting node reads it again too
    outbox.mark_published(db, [r.row_id for r in again])
    assert outbox.assign(db, published=[], republish_after=5) == []
    assert outbox.start_point(db) == 1


def test_prune_forgets_only_published_rows_past_the_window(db: Database) -> None:
    for n in range(3):
        add(db, n)
    rows = outbox.assign(db, published=[])
    outbox.mark_published(db, [rows[0].row_id, rows[1].row_id])
    with db.write() as session:
        session.execute(update(OutboxRow).values(created_at=utcnow() - timedelta(hours=2)))
    assert outbox.prune(db, keep_seconds=3600) == 2
    assert outbox.oldest(db) == 3 and outbox.head(db) == 3
