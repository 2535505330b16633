"""After an outage, agents who were connected when the server stopped keep their chats."""

from __future__ import annotations

import pytest

from repository import Database
from repository.routing import requeue
from repository.routing.presence_grace import restart_grace
from tests.factories import active_with, age_heartbeat, make_agent, make_queue, reload, reload_agent


@pytest.fixture(autouse=True)
def _queue(db: Database) -> None:
    make_queue(db, "support", is_default=True)


def test_a_45_second_outage_does_not_release_agents_who_were_connected(db: Database) -> None:
    alice = make_agent(db)
    chat = active_with(db, alice)
    bob = make_agent(db)
    # The server stopped 45 s ago: the newest heartbeat anyone has is that old.
    age_heartbeat(db, alice.id, seconds=45)  # type: ignore[arg-type]
    age_heartbeat(db, bob.id, seconds=46)  # type: ignore[arg-type]

    assert sorted(restart_grace(db, grace_seconds=20)) == sorted([alice.id, bob.id])  # type: ignore[type-var]

    assert requeue.release_disconnected_agents(db, grace_seconds=20) == []
    assert reload(db, chat.id).status == "active"  # type: ignore[arg-type]
    assert reload_agent(db, alice.id).presence == "available"  # type: ignore[arg-type]


def test_an_agent_already_gone_before_the_stop_gets_no_extra_time(db: Database) -> None:
    here = make_agent(db)
    gone = make_agent(db)
    chat = active_with(db, gone)
    age_heartbeat(db, here.id, seconds=45)  # type: ignore[arg-type]
    age_heartbeat(db, gone.id, seconds=45 + 30)  # type: ignore[arg-type]  # left 30 s before the stop

    assert restart_grace(db, grace_seconds=20) == [here.id]

    released = requeue.release_disconnected_agents(db, grace_seconds=20)
    assert [agent_id for agent_id, _ in released] == [gone.id]
    assert reload(db, chat.id).status == "queued"  # type: ignore[arg-type]


def test_nobody_ever_connected_means_nothing_to_extend(db: Database) -> None:
    make_agent(db, heartbeat_age=None)
    assert restart_grace(db, grace_seconds=20) == []
