"""The customer's side of the end: leaving (abandoned or into wrap-up) and rating."""

from __future__ import annotations

import pytest
from sqlmodel import select

from repository import Conflict, Database, InvalidInput, NotFound
from repository.core import endings, lifecycle
from repository.core.models import Event
from tests.factories import active_with, make_agent, make_queue, offered_to, queued_chat, reload


@pytest.fixture(autouse=True)
def _queue(db: Database) -> None:
    make_queue(db, "support", is_default=True)


def test_a_customer_leaving_before_anyone_accepted_abandons_the_contact(db: Database) -> None:
    agent = make_agent(db, capacity={"chat": 1})
    for waiting in (queued_chat(db).interaction, offered_to(db, agent)):
        ended = endings.end_by_customer(db, waiting.id)  # type: ignore[arg-type]

        assert (ended.status, ended.disposition) == ("closed", "abandoned")
        assert ended.reserved_until is None and ended.closed_at is not None
    # The abandoned offer no longer takes up the agent's only slot.
    assert (
        lifecycle.claim(db, queued_chat(db).interaction.id, agent.id, reserve_seconds=30, defaults={})
        is not None
    )


def test_a_customer_leaving_an_active_conversation_puts_it_into_wrap_up(db: Database) -> None:
    agent = make_agent(db)
    active = active_with(db, agent)

    ended = endings.end_by_customer(db, active.id)  # type: ignore[arg-type]

    assert (ended.status, ended.agent_id) == ("wrapup", agent.id)
    assert ended.ended_at is not None
    assert ended.disposition is None
    again = endings.end_by_customer(db, active.id)  # type: ignore[arg-type]
    assert (again.status, again.ended_at) == ("wrapup", ended.ended_at)


def test_rating_is_a_whole_number_from_1_to_5_given_after_the_end(db: Database) -> None:
    agent = make_agent(db)
    active = active_with(db, agent)
    iid: int = active.id  # type: ignore[assignment]

    with pytest.raises(Conflict):
        endings.rate(db, iid, 5)
    endings.end_by_customer(db, iid)
    for bad in (0, 6, -1, 3.5, True, "5"):
        with pytest.raises(InvalidInput):
            endings.rate(db, iid, bad)  # type: ignore[arg-type]

    rated = endings.rate(db, iid, 4, "quick and friendly")

    assert (rated.csat_score, rated.csat_comment) == (4, "quick and friendly")
    assert (reload(db, iid).csat_score, reload(db, iid).csat_comment) == (4, "quick and friendly")
    with db.read() as session:
        csat = session.exec(select(Event).where(Event.interaction_id == iid, Event.kind == "csat")).one()
    assert csat.payload == {"rating": 4}
    with pytest.raises(NotFound):
        endings.rate(db, 9999, 3)
