"""Delivery state of outbound messages only moves forward, whatever order reports arrive in."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from repository import Conflict, InvalidInput, NotFound, append_event
from repository.core import lifecycle
from repository.core.delivery import set_delivery_status
from tests.factories import make_agent, make_queue, queued_chat

if TYPE_CHECKING:
    from repository import Database


@pytest.fixture(autouse=True)
def default_queue(db: Database) -> None:
    make_queue(db, "support", is_default=True)


def _agent_reply(db: Database) -> int:
    agent = make_agent(db)
    interaction = queued_chat(db).interaction
    lifecycle.claim(db, interaction.id, agent.id, reserve_seconds=30, defaults={})  # type: ignore[arg-type]
    lifecycle.accept(db, interaction.id, agent.id)  # type: ignore[arg-type]
    event, _, _ = append_event(
        db, interaction.id, kind="message", author_type="agent", author_id=agent.id, body="On its way"
    )
    assert event.id is not None
    return event.id


def test_reports_move_the_state_forward_and_a_late_or_repeated_one_changes_nothing(db: Database) -> None:
    event_id = _agent_reply(db)

    assert set_delivery_status(db, event_id, "queued") is not None
    delivered = set_delivery_status(db, event_id, "delivered")
    assert delivered is not None and delivered[0].delivery_status == "delivered"

    assert set_delivery_status(db, event_id, "sent") is None  # arrived late: does not hide "delivered"
    assert set_delivery_status(db, event_id, "delivered") is None  # a retried callback


def test_a_failure_keeps_its_error_code_and_an_unknown_state_is_refused(db: Database) -> None:
    event_id = _agent_reply(db)

    failed = set_delivery_status(db, event_id, "failed", "30006")
    assert failed is not None
    assert (failed[0].delivery_status, failed[0].payload["delivery_error"]) == ("failed", "30006")
    with pytest.raises(InvalidInput):
        set_delivery_status(db, event_id, "teleported")
    with pytest.raises(NotFound):
        set_delivery_status(db, 999_999, "sent")


def test_a_client_id_names_one_message_and_is_not_reused_across_conversations(db: Database) -> None:
    agent = make_agent(db, capacity={"chat": 3})
    first, second = queued_chat(db).interaction, queued_chat(db).interaction
    for interaction in (first, second):
        lifecycle.claim(db, interaction.id, agent.id, reserve_seconds=30, defaults={})  # type: ignore[arg-type]
        lifecycle.accept(db, interaction.id, agent.id)  # type: ignore[arg-type]
    append_event(db, first.id, kind="message", author_type="agent", body="a", external_id="agent:1:c1")

    _, _, duplicate = append_event(
        db, first.id, kind="message", author_type="agent", body="a", external_id="agent:1:c1"
    )
    assert duplicate
    with pytest.raises(Conflict):
        append_event(db, second.id, kind="message", author_type="agent", body="b", external_id="agent:1:c1")
