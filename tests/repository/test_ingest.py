"""Ingest: one transaction turns an inbound item into customer, interaction and event."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlmodel import func, select

from repository import Database, InvalidInput, NotFound, ingest
from repository.core import endings, lifecycle
from repository.core.ingest import MAX_BODY_CHARS, InboundItem
from repository.core.models import Customer, Event, Identity, Interaction
from tests.factories import chat_item, email_item, make_agent, make_queue, make_wrapup_code


def count(db: Database, model: type) -> int:
    with db.read() as session:
        return session.exec(select(func.count()).select_from(model)).one()


def test_a_new_contact_creates_customer_identities_queued_interaction_and_message(db: Database) -> None:
    queue = make_queue(db, "support", priority=2, is_default=True)

    result = ingest(
        db,
        chat_item("visitor-1", "My order never arrived", email="Ann@Example.com", display_name="Ann"),
    )

    assert result.duplicate is False
    assert result.new_interaction is True
    assert result.customer.display_name == "Ann"
    assert result.customer.email == "ann@example.com"
    assert result.interaction.status == "queued"
    assert result.interaction.queue_id == queue.id
    assert result.interaction.priority == 2
    assert result.interaction.thread_key == "visitor-1"
    with db.read() as session:
        identities = session.exec(select(Identity).where(Identity.customer_id == result.customer.id)).all()
        events = session.exec(select(Event).where(Event.interaction_id == result.interaction.id)).all()
    assert {(i.kind, i.value) for i in identities} == {("email", "ann@example.com"), ("webchat", "visitor-1")}
    assert [(e.kind, e.author_type, e.body) for e in events] == [
        ("message", "customer", "My order never arrived")
    ]
    assert events[0].customer_id == result.customer.id


def test_ingest_goes_to_the_default_queue_unless_one_is_named(db: Database) -> None:
    make_queue(db, "sales")
    default = make_queue(db, "support", is_default=True)
    vip = make_queue(db, "vip", priority=5)

    plain = ingest(db, chat_item())
    routed = ingest(db, chat_item(queue_id=vip.id))

    assert plain.interaction.queue_id == default.id
    assert routed.interaction.queue_id == vip.id
    assert routed.interaction.priority == 5


def test_an_unknown_queue_or_no_queue_at_all_is_refused_and_nothing_is_stored(db: Database) -> None:
    with pytest.raises(NotFound):
        ingest(db, chat_item())
    make_queue(db)
    with pytest.raises(NotFound):
        ingest(db, chat_item(queue_id=9999))

    assert count(db, Customer) == 0
    assert count(db, Event) == 0


def test_the_same_external_id_twice_stores_one_event_and_says_duplicate(db: Database) -> None:
    make_queue(db)
    item = chat_item("visitor-1", "hello", external_id="visitor-1:client-7")

    first = ingest(db, item)
    second = ingest(db, item)

    assert second.duplicate is True
    assert second.new_interaction is False
    assert second.event.id == first.event.id
    assert second.interaction.id == first.interaction.id
    assert second.customer.id == first.customer.id
    assert count(db, Event) == 1
    assert count(db, Interaction) == 1


def test_external_ids_are_unique_per_channel_not_globally(db: Database) -> None:
    make_queue(db)

    chat = ingest(db, chat_item("visitor-1", external_id="abc-1"))
    mail = ingest(db, email_item("ann@example.com", external_id="abc-1"))

    assert mail.duplicate is False
    assert mail.event.id != chat.event.id


def test_chat_and_email_from_the_same_person_resolve_to_one_customer(db: Database) -> None:
    make_queue(db)

    chat = ingest(db, chat_item("visitor-1", email="Ann@Example.COM"))
    mail = ingest(db, email_item("  ann@example.com "))

    assert mail.customer.id == chat.customer.id
    assert mail.interaction.id != chat.interaction.id
    assert count(db, Customer) == 1


def test_when_identities_disagree_the_first_given_wins_and_no_one_is_merged(db: Database) -> None:
    make_queue(db)
    anonymous = ingest(db, chat_item("visitor-1")).customer
    known = ingest(db, email_item("ann@example.com")).customer

    # The visitor now types the address of the email customer: email is the stronger identity.
    result = ingest(db, chat_item("visitor-1", email="ann@example.com"))

    assert result.customer.id == known.id
    with db.read() as session:
        visitor = session.exec(select(Identity).where(Identity.kind == "webchat")).one()
    assert visitor.customer_id == anonymous.id
    assert count(db, Customer) == 2


def test_a_new_identity_is_attached_to_the_resolved_customer(db: Database) -> None:
    make_queue(db)
    first = ingest(db, email_item("ann@example.com"))

    ingest(db, chat_item("visitor-9", email="ANN@example.com"))
    again = ingest(db, chat_item("visitor-9"))

    assert again.customer.id == first.customer.id


def test_phone_identities_resolve_whatever_way_the_number_was_typed(db: Database) -> None:
    make_queue(db)

    def sms(number: str) -> InboundItem:
        return InboundItem(
            channel="sms", identities=[("phone", number)], thread_key=number, body="hi", external_id=None
        )

    first = ingest(db, sms("(415) 555-2671"))
    second = ingest(db, sms("+1 415-555-2671"))

    assert second.customer.id == first.customer.id
    assert first.customer.phone == "+14155552671"


def test_a_thread_with_a_live_interaction_gets_the_message_appended(db: Database) -> None:
    make_queue(db)
    first = ingest(db, chat_item("visitor-1", "hello"))

    second = ingest(db, chat_item("visitor-1", "anyone there?"))

    assert second.new_interaction is False
    assert second.interaction.id == first.interaction.id
    with db.read() as session:
        bodies = session.exec(
            select(Event.body).where(Event.interaction_id == first.interaction.id).order_by(Event.id)
        ).all()
    assert bodies == ["hello", "anyone there?"]


def test_after_the_interaction_is_closed_the_next_message_opens_a_new_one(db: Database) -> None:
    make_queue(db)
    agent = make_agent(db)
    code = make_wrapup_code(db)
    first = ingest(db, chat_item("visitor-1", "hello")).interaction
    lifecycle.claim(db, first.id, agent.id, reserve_seconds=30, defaults={})
    lifecycle.accept(db, first.id, agent.id)
    lifecycle.close(db, first.id, agent.id, code)

    again = ingest(db, chat_item("visitor-1", "me again"))

    assert again.new_interaction is True
    assert again.interaction.id != first.id
    assert again.interaction.status == "queued"
    assert again.customer.id == first.customer_id


def test_a_message_during_wrap_up_opens_a_new_interaction(db: Database) -> None:
    make_queue(db)
    agent = make_agent(db)
    first = ingest(db, chat_item("visitor-1")).interaction
    lifecycle.claim(db, first.id, agent.id, reserve_seconds=30, defaults={})
    lifecycle.accept(db, first.id, agent.id)
    assert endings.end_by_customer(db, first.id).status == "wrapup"

    again = ingest(db, chat_item("visitor-1", "one more thing"))

    assert again.new_interaction is True
    assert again.interaction.id != first.id


def test_a_body_that_is_too_long_is_refused_and_nothing_is_stored(db: Database) -> None:
    make_queue(db)

    with pytest.raises(InvalidInput) as excinfo:
        ingest(db, chat_item(body="x" * (MAX_BODY_CHARS + 1)))

    assert excinfo.value.details == {"field": "body"}
    assert count(db, Customer) == 0
    assert count(db, Event) == 0
    assert ingest(db, chat_item(body="x" * MAX_BODY_CHARS)).event.body == "x" * MAX_BODY_CHARS


def test_an_item_without_a_valid_identity_is_refused(db: Database) -> None:
    make_queue(db)
    for identities in (
        [],
        [("email", "not-an-address")],
        [("phone", "12")],
        [("fax", "555")],
        [("webchat", " ")],
    ):
        item = InboundItem(channel="chat", identities=identities, thread_key="t", body="hi")

        with pytest.raises(InvalidInput):
            ingest(db, item)

    assert count(db, Customer) == 0


THREADS = 8


def test_concurrent_deliveries_of_one_message_store_exactly_one_event(db: Database) -> None:
    """A webhook retried while the first delivery is still in flight, on several nodes."""
    make_queue(db)
    item = chat_item("visitor-race", "hello", external_id="visitor-race:client-1", email="race@example.com")
    barrier = threading.Barrier(THREADS)
    nodes = [Database(db.url) for _ in range(THREADS)]

    def deliver(node: Database) -> tuple[int, int, bool]:
        barrier.wait(timeout=10)
        result = ingest(node, item)
        return result.event.id, result.interaction.id, result.duplicate  # type: ignore[return-value]

    try:
        with ThreadPoolExecutor(THREADS) as pool:
            results = list(pool.map(deliver, nodes, timeout=60))
    finally:
        for node in nodes:
            node.dispose()

    assert len({event_id for event_id, _, _ in results}) == 1
    assert len({interaction_id for _, interaction_id, _ in results}) == 1
    assert sorted(duplicate for _, _, duplicate in results) == [False] + [True] * (THREADS - 1)
    assert count(db, Event) == 1
    assert count(db, Interaction) == 1
    assert count(db, Customer) == 1


def test_concurrent_first_messages_of_a_new_visitor_share_one_customer_and_interaction(db: Database) -> None:
    make_queue(db)
    barrier = threading.Barrier(THREADS)
    nodes = [Database(db.url) for _ in range(THREADS)]

    def deliver(n: int) -> None:
        barrier.wait(timeout=10)
        ingest(nodes[n], chat_item("visitor-burst", f"message {n}", external_id=f"visitor-burst:{n}"))

    try:
        with ThreadPoolExecutor(THREADS) as pool:
            list(pool.map(deliver, range(THREADS), timeout=60))
    finally:
        for node in nodes:
            node.dispose()

    assert count(db, Event) == THREADS
    assert count(db, Interaction) == 1
    assert count(db, Customer) == 1
