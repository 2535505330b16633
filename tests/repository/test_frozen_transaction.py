"""A node frozen inside a transaction does not stop the other nodes (PostgreSQL).

A leader paused by SIGSTOP (or a frozen VM) in the middle of a router claim holds the
fence row's share lock; the new leader's ``fencing.advance`` must still go through, or
no contact is routed anywhere for as long as the old one stays frozen. The server ends
a session idle inside a transaction (repository/db.py, IDLE_IN_TRANSACTION_MS); the
frozen side's work is rolled back, and it finds that out when it wakes.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy.exc import DBAPIError

from repository import Database
from repository.db import IDLE_IN_TRANSACTION_MS
from repository.routing import fencing

pytestmark = pytest.mark.postgres


def test_a_leader_frozen_mid_claim_does_not_block_the_next_one(db: Database) -> None:
    if db.dialect != "postgresql":
        pytest.skip("SQLite has one writer per file; nodes share PostgreSQL")
    fencing.advance(db, 1)
    holding, wake = threading.Event(), threading.Event()
    outcome: list[object] = []

    def frozen_leader() -> None:
        other = Database(db.url)
        try:
            with other.write() as session:
                assert fencing.holds(session, 1)  # the claim's share lock on the fence row
                holding.set()
                wake.wait(60)  # frozen: no statement, no commit
            outcome.append("committed")
        except DBAPIError as exc:
            outcome.append(exc)
        finally:
            other.dispose()

    thread = threading.Thread(target=frozen_leader)
    thread.start()
    assert holding.wait(10)
    advanced: list[int] = []
    done = threading.Thread(target=lambda: advanced.append(fencing.advance(db, 2)))
    done.start()
    done.join(IDLE_IN_TRANSACTION_MS / 1000 + 20)
    wake.set()
    thread.join(30)
    assert advanced == [2], "the new leader was still blocked by the frozen one"
    # The frozen leader's transaction did not survive: its claim could not commit.
    assert outcome and outcome[0] != "committed", outcome
