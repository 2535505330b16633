"""An interaction's life: queued → offered → active → wrap-up → closed, and the ways back."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select, update

from repository import Conflict, Database, InvalidInput, NotFound, ingest
from repository.core import endings, lifecycle
from repository.core.models import Event, Interaction, WrapUpCode, utcnow
from repository.routing import requeue
from tests.factories import (
    active_with,
    age_heartbeat,
    email_item,
    make_agent,
    make_queue,
    make_wrapup_code,
    offered_to,
    queued_chat,
    reload,
    reload_agent,
)


@pytest.fixture(autouse=True)
def _queue(db: Database) -> None:
    make_queue(db, "support", is_default=True)


def claim(db: Database, interaction_id: int, agent_id: int, **defaults: int) -> Interaction | None:
    return lifecycle.claim(db, interaction_id, agent_id, reserve_seconds=30, defaults=defaults)


def status_events(db: Database, interaction_id: int) -> list[str]:
    with db.read() as session:
        return list(
            session.exec(
                select(Event.body)
                .where(Event.interaction_id == interaction_id, Event.author_type == "system")
                .order_by(Event.id)
            ).all()
        )


# -- claim ---------------------------------------------------------------------------


def test_claim_offers_a_queued_contact_with_a_reservation(db: Database) -> None:
    agent = make_agent(db)
    waiting = queued_chat(db).interaction
    before = utcnow()

    offered = lifecycle.claim(db, waiting.id, agent.id, reserve_seconds=45, defaults={})

    assert offered is not None
    assert offered.status == "offered"
    assert offered.agent_id == agent.id
    assert offered.offer_count == 1
    assert offered.reserved_until is not None
    assert before + timedelta(seconds=44) <= offered.reserved_until <= utcnow() + timedelta(seconds=45)
    assert reload(db, waiting.id).status == "offered"
    assert reload_agent(db, agent.id).last_assigned_at is not None
    assert status_events(db, waiting.id) == ["offered"]


def test_a_contact_can_be_claimed_only_once(db: Database) -> None:
    first, second = make_agent(db), make_agent(db)
    waiting = queued_chat(db).interaction

    assert claim(db, waiting.id, first.id) is not None
    assert claim(db, waiting.id, second.id) is None
    assert claim(db, waiting.id, first.id) is None

    assert reload(db, waiting.id).agent_id == first.id
    assert status_events(db, waiting.id) == ["offered"]


def test_an_agent_who_is_away_or_offline_cannot_claim(db: Database) -> None:
    away, offline = make_agent(db, presence="away"), make_agent(db, presence="offline")
    waiting = queued_chat(db).interaction

    assert claim(db, waiting.id, away.id) is None
    assert claim(db, waiting.id, offline.id) is None
    assert reload(db, waiting.id).status == "queued"


def test_an_unknown_agent_or_interaction_claims_nothing(db: Database) -> None:
    agent = make_agent(db)
    waiting = queued_chat(db).interaction

    assert claim(db, waiting.id, 9999) is None
    assert claim(db, 9999, agent.id) is None
    assert reload(db, waiting.id).status == "queued"


def test_claim_respects_the_agents_capacity_per_channel(db: Database) -> None:
    agent = make_agent(db, capacity={"chat": 2})
    contacts = [queued_chat(db).interaction for _ in range(3)]

    won = [claim(db, c.id, agent.id) for c in contacts]

    assert [w is not None for w in won] == [True, True, False]
    assert reload(db, contacts[2].id).status == "queued"


def test_an_accepted_and_a_wrap_up_interaction_still_count_against_capacity(db: Database) -> None:
    agent = make_agent(db, capacity={"chat": 2})
    active_with(db, agent)
    in_wrapup = active_with(db, agent)
    endings.end_by_customer(db, in_wrapup.id)  # type: ignore[arg-type]

    assert claim(db, queued_chat(db).interaction.id, agent.id) is None


def test_capacity_falls_back_to_the_configured_default_for_the_channel(db: Database) -> None:
    agent = make_agent(db, capacity={})
    contacts = [queued_chat(db).interaction for _ in range(4)]

    won = [claim(db, c.id, agent.id, chat=3) for c in contacts]

    assert sum(w is not None for w in won) == 3


def test_capacity_is_counted_per_channel(db: Database) -> None:
    agent = make_agent(db, capacity={"chat": 1, "email": 1})
    assert claim(db, queued_chat(db).interaction.id, agent.id) is not None

    mail = ingest(db, email_item("ann@example.com")).interaction

    assert claim(db, mail.id, agent.id) is not None


# -- accept / reject -----------------------------------------------------------------


def test_accept_makes_the_offer_active_and_clears_the_reservation(db: Database) -> None:
    agent = make_agent(db)
    offered = offered_to(db, agent)

    active = lifecycle.accept(db, offered.id, agent.id)  # type: ignore[arg-type]

    assert active.status == "active"
    assert active.accepted_at is not None
    assert active.reserved_until is None
    assert status_events(db, offered.id) == ["offered", "accepted"]  # type: ignore[arg-type]


def test_only_the_agent_offered_to_can_accept_and_only_once(db: Database) -> None:
    agent, other = make_agent(db), make_agent(db)
    offered = offered_to(db, agent)

    with pytest.raises(Conflict):
        lifecycle.accept(db, offered.id, other.id)  # type: ignore[arg-type]
    lifecycle.accept(db, offered.id, agent.id)  # type: ignore[arg-type]
    with pytest.raises(Conflict):
        lifecycle.accept(db, offered.id, agent.id)  # type: ignore[arg-type]


def test_reject_returns_the_contact_to_the_queue_and_remembers_who_declined(db: Database) -> None:
    agent = make_agent(db)
    offered = offered_to(db, agent)

    back = lifecycle.reject(db, offered.id, agent.id)  # type: ignore[arg-type]

    assert back.status == "queued"
    assert back.agent_id is None
    assert back.reserved_until is None
    assert back.declined_by == [agent.id]
    assert status_events(db, offered.id) == ["offered", "requeued"]  # type: ignore[arg-type]
    # The agent's capacity is free again.
    assert claim(db, queued_chat(db).interaction.id, agent.id) is not None


def test_declines_accumulate_without_repeats(db: Database) -> None:
    first, second = make_agent(db), make_agent(db)
    waiting = queued_chat(db).interaction
    for agent in (first, second, first):
        claim(db, waiting.id, agent.id)
        lifecycle.reject(db, waiting.id, agent.id)  # type: ignore[arg-type]

    assert reload(db, waiting.id).declined_by == [first.id, second.id]
    assert reload(db, waiting.id).offer_count == 3


def test_an_agent_cannot_reject_what_is_not_offered_to_them(db: Database) -> None:
    agent, other = make_agent(db), make_agent(db)
    offered = offered_to(db, agent)

    with pytest.raises(Conflict):
        lifecycle.reject(db, offered.id, other.id)  # type: ignore[arg-type]
    lifecycle.accept(db, offered.id, agent.id)  # type: ignore[arg-type]
    with pytest.raises(Conflict):
        lifecycle.reject(db, offered.id, agent.id)  # type: ignore[arg-type]
    with pytest.raises(NotFound):
        lifecycle.reject(db, 9999, agent.id)


# -- reservations and disconnects ----------------------------------------------------


def test_expire_reservations_requeues_only_offers_past_their_deadline(db: Database) -> None:
    slow, quick = make_agent(db), make_agent(db)
    late = lifecycle.claim(db, queued_chat(db).interaction.id, slow.id, reserve_seconds=5, defaults={})
    fresh = lifecycle.claim(db, queued_chat(db).interaction.id, quick.id, reserve_seconds=60, defaults={})
    assert late is not None and fresh is not None

    expired = requeue.expire_reservations(db, now=utcnow() + timedelta(seconds=10))

    assert [(i.id, agent_id) for i, agent_id in expired] == [(late.id, slow.id)]
    assert reload(db, late.id).status == "queued"  # type: ignore[arg-type]
    assert reload(db, late.id).declined_by == [slow.id]  # type: ignore[arg-type]
    assert reload(db, fresh.id).status == "offered"  # type: ignore[arg-type]
    assert requeue.expire_reservations(db, now=utcnow() + timedelta(seconds=10)) == []


def test_an_accepted_offer_never_expires(db: Database) -> None:
    agent = make_agent(db)
    active = active_with(db, agent)

    assert requeue.expire_reservations(db, now=utcnow() + timedelta(days=1)) == []
    assert reload(db, active.id).status == "active"  # type: ignore[arg-type]


def test_agents_with_a_stale_heartbeat_go_offline_and_their_live_work_is_requeued(db: Database) -> None:
    gone = make_agent(db, capacity={"chat": 5})
    here = make_agent(db)
    offered = offered_to(db, gone)
    active = active_with(db, gone)
    wrapping = active_with(db, gone)
    endings.end_by_customer(db, wrapping.id)  # type: ignore[arg-type]
    kept = offered_to(db, here)
    age_heartbeat(db, gone.id, seconds=60)  # type: ignore[arg-type]

    released = requeue.release_disconnected_agents(db, grace_seconds=20)

    assert [(agent_id, sorted(i.id for i in held)) for agent_id, held in released] == [
        (gone.id, sorted([offered.id, active.id]))  # type: ignore[type-var]
    ]
    assert reload_agent(db, gone.id).presence == "offline"  # type: ignore[arg-type]
    for requeued in (offered, active):
        row = reload(db, requeued.id)  # type: ignore[arg-type]
        assert (row.status, row.agent_id, row.declined_by) == ("queued", None, [gone.id])
    assert reload(db, wrapping.id).status == "wrapup"  # type: ignore[arg-type]
    assert reload(db, kept.id).status == "offered"  # type: ignore[arg-type]
    assert reload_agent(db, here.id).presence == "available"  # type: ignore[arg-type]
    # Already offline: nothing more to release.
    assert requeue.release_disconnected_agents(db, grace_seconds=20) == []


def test_an_available_agent_who_never_sent_a_heartbeat_counts_as_disconnected(db: Database) -> None:
    ghost = make_agent(db, heartbeat_age=None)

    released = requeue.release_disconnected_agents(db, grace_seconds=20)

    assert [agent_id for agent_id, _ in released] == [ghost.id]
    assert reload_agent(db, ghost.id).presence == "offline"  # type: ignore[arg-type]


def test_release_all_reservations_requeues_every_outstanding_offer(db: Database) -> None:
    agent = make_agent(db)
    offered = offered_to(db, agent)
    active = active_with(db, agent)

    released = requeue.release_all_reservations(db)

    assert [(i.id, previous) for i, previous in released] == [(offered.id, agent.id)]
    assert reload(db, offered.id).status == "queued"  # type: ignore[arg-type]
    # A restart is nobody's refusal: the agent may be offered it again at once.
    assert reload(db, offered.id).declined_by == []  # type: ignore[arg-type]
    assert reload(db, active.id).status == "active"  # type: ignore[arg-type]


# -- transfer ------------------------------------------------------------------------


def test_transfer_to_a_queue_requeues_there_and_forgets_declines_from_the_old_queue(db: Database) -> None:
    billing = make_queue(db, "billing")
    agent, other = make_agent(db), make_agent(db)
    waiting = queued_chat(db).interaction
    claim(db, waiting.id, other.id)
    lifecycle.reject(db, waiting.id, other.id)  # type: ignore[arg-type]
    claim(db, waiting.id, agent.id)
    lifecycle.accept(db, waiting.id, agent.id)  # type: ignore[arg-type]

    moved = lifecycle.transfer(db, waiting.id, agent.id, to_queue_id=billing.id)  # type: ignore[arg-type]

    assert (moved.status, moved.queue_id, moved.agent_id) == ("queued", billing.id, None)
    assert other.id not in moved.declined_by  # a decline in the old queue says nothing about the new
    assert moved.target_agent_id is None
    assert status_events(db, waiting.id)[-1] == "transferred to billing"  # type: ignore[arg-type]


def test_transfer_to_a_queue_takes_that_queues_priority(db: Database) -> None:
    urgent = make_queue(db, "urgent", priority=5)
    agent = make_agent(db)
    waiting = queued_chat(db).interaction
    assert waiting.priority == 0
    claim(db, waiting.id, agent.id)
    lifecycle.accept(db, waiting.id, agent.id)  # type: ignore[arg-type]

    moved = lifecycle.transfer(db, waiting.id, agent.id, to_queue_id=urgent.id)  # type: ignore[arg-type]

    assert moved.priority == 5


def test_transfer_to_an_agent_keeps_the_queue_and_names_the_target(db: Database) -> None:
    agent, colleague = make_agent(db), make_agent(db)
    active = active_with(db, agent)

    moved = lifecycle.transfer(db, active.id, agent.id, to_agent_id=colleague.id)  # type: ignore[arg-type]

    assert (moved.status, moved.agent_id, moved.target_agent_id) == ("queued", None, colleague.id)
    assert moved.queue_id == active.queue_id
    claimed = claim(db, active.id, colleague.id)  # type: ignore[arg-type]
    assert claimed is not None
    assert lifecycle.accept(db, active.id, colleague.id).target_agent_id is None  # type: ignore[arg-type]


def test_transfer_needs_exactly_one_target_and_a_live_interaction_you_hold(db: Database) -> None:
    agent, other = make_agent(db), make_agent(db)
    queue = make_queue(db, "billing")
    active = active_with(db, agent)
    waiting = queued_chat(db).interaction
    iid: int = active.id  # type: ignore[assignment]

    with pytest.raises(InvalidInput):
        lifecycle.transfer(db, iid, agent.id)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        lifecycle.transfer(db, iid, agent.id, to_queue_id=queue.id, to_agent_id=other.id)  # type: ignore[arg-type]
    with pytest.raises(Conflict):
        lifecycle.transfer(db, iid, other.id, to_queue_id=queue.id)  # type: ignore[arg-type]
    with pytest.raises(Conflict):
        lifecycle.transfer(db, waiting.id, agent.id, to_queue_id=queue.id)  # type: ignore[arg-type]
    with pytest.raises(NotFound):
        lifecycle.transfer(db, iid, agent.id, to_queue_id=9999)  # type: ignore[arg-type]
    with pytest.raises(NotFound):
        lifecycle.transfer(db, iid, agent.id, to_agent_id=9999)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        lifecycle.transfer(db, iid, agent.id, to_agent_id=agent.id)  # type: ignore[arg-type]
    assert reload(db, iid).status == "active"


def test_a_supervisor_may_transfer_what_someone_else_holds(db: Database) -> None:
    agent, supervisor = make_agent(db), make_agent(db, role="supervisor")
    queue = make_queue(db, "billing")
    active = active_with(db, agent)

    moved = lifecycle.transfer(
        db,
        active.id,  # type: ignore[arg-type]
        supervisor.id,  # type: ignore[arg-type]
        to_queue_id=queue.id,
        allow_any_holder=True,
    )

    assert (moved.status, moved.queue_id) == ("queued", queue.id)


# -- close ---------------------------------------------------------------------------


def test_the_holder_closes_with_an_active_wrap_up_code(db: Database) -> None:
    agent = make_agent(db)
    code = make_wrapup_code(db, "resolved")
    active = active_with(db, agent)

    closed = lifecycle.close(db, active.id, agent.id, code)  # type: ignore[arg-type]

    assert (closed.status, closed.disposition) == ("closed", "resolved")
    assert closed.closed_at is not None and closed.ended_at is not None
    assert status_events(db, active.id)[-1] == "closed"  # type: ignore[arg-type]
    # Closing frees the agent's capacity.
    assert claim(db, queued_chat(db).interaction.id, agent.id) is not None


def test_close_refuses_unknown_and_retired_wrap_up_codes(db: Database) -> None:
    agent = make_agent(db)
    make_wrapup_code(db, "retired")
    with db.write() as session:
        session.execute(update(WrapUpCode).values(is_active=False))
    active = active_with(db, agent)

    for code in ("no-such-code", "retired"):
        with pytest.raises(InvalidInput):
            lifecycle.close(db, active.id, agent.id, code)  # type: ignore[arg-type]
    assert reload(db, active.id).status == "active"  # type: ignore[arg-type]


def test_only_the_holder_closes_and_only_once_it_was_accepted(db: Database) -> None:
    agent, other = make_agent(db), make_agent(db)
    code = make_wrapup_code(db)
    offered = offered_to(db, agent)

    with pytest.raises(Conflict):
        lifecycle.close(db, offered.id, agent.id, code)  # type: ignore[arg-type]
    lifecycle.accept(db, offered.id, agent.id)  # type: ignore[arg-type]
    with pytest.raises(Conflict):
        lifecycle.close(db, offered.id, other.id, code)  # type: ignore[arg-type]
    with pytest.raises(NotFound):
        lifecycle.close(db, 9999, agent.id, code)
    assert reload(db, offered.id).status == "active"  # type: ignore[arg-type]


def test_a_supervisor_closes_without_holding_and_wrap_up_can_be_closed(db: Database) -> None:
    agent = make_agent(db)
    code = make_wrapup_code(db)
    active = active_with(db, agent)
    ended = endings.end_by_customer(db, active.id)  # type: ignore[arg-type]

    closed = lifecycle.close(db, active.id, None, code)  # type: ignore[arg-type]

    assert closed.status == "closed"
    assert closed.ended_at == ended.ended_at
