"""Storing company-started messages, on SQLite and PostgreSQL; and the quiet-hours clock."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from contact_center.quiet_hours import QuietHours
from repository import Conflict, Database
from repository.core.customers import create_customer
from repository.outreach.messages import customer_address, is_opted_out, open_outbound, set_opt_out
from tests.factories import make_agent, make_queue


def test_an_agent_start_is_held_by_that_agent_and_a_held_thread_is_not_taken(db: Database) -> None:
    make_queue(db, "support", is_default=True)
    ada, ben = make_agent(db, "ada"), make_agent(db, "ben")
    customer, _ids = create_customer(db, display_name="Ann", phone="+14155550123")
    assert customer_address(db, customer.id, "sms") == "+14155550123"

    started = open_outbound(
        db, customer_id=customer.id, channel="sms", thread_key="+14155550123|+14155550100",
        body="Hello from Ada", agent_id=ada.id, author_name="Ada",
    )  # fmt: skip
    assert started.new_interaction and started.interaction.status == "active"
    assert started.interaction.agent_id == ada.id and started.interaction.accepted_at is not None
    assert started.event.author_type == "agent" and started.event.payload["outbound"] is True

    # Ada writes again: same conversation. Ben may not write into Ada's conversation.
    again = open_outbound(
        db, customer_id=customer.id, channel="sms", thread_key="+14155550123|+14155550100",
        body="One more thing", agent_id=ada.id,
    )  # fmt: skip
    assert again.interaction.id == started.interaction.id and not again.new_interaction
    with pytest.raises(Conflict) as refused:
        open_outbound(
            db, customer_id=customer.id, channel="sms", thread_key="+14155550123|+14155550100",
            body="Hi, Ben here", agent_id=ben.id,
        )  # fmt: skip
    assert refused.value.code == "conversation_live"

    # A back-end message on another thread opens a closed interaction: nobody's capacity.
    shipped = open_outbound(
        db, customer_id=customer.id, channel="sms", thread_key="+14155550123|+14155550199",
        body="Shipped", external_id="api:x1",
    )  # fmt: skip
    assert shipped.interaction.status == "closed" and shipped.interaction.agent_id is None
    resent = open_outbound(
        db, customer_id=customer.id, channel="sms", thread_key="+14155550123|+14155550199",
        body="Shipped", external_id="api:x1",
    )  # fmt: skip
    assert resent.duplicate and resent.event.id == shipped.event.id


def test_email_opt_outs_are_kept_per_channel(db: Database) -> None:
    assert set_opt_out(db, "email", "ann@example.com", True, "asked by phone")
    assert not set_opt_out(db, "email", "ann@example.com", True)
    assert is_opted_out(db, "email", "ann@example.com")
    assert not is_opted_out(db, "whatsapp", "ann@example.com")
    assert set_opt_out(db, "email", "ann@example.com", False)
    assert not is_opted_out(db, "email", "ann@example.com")


def test_quiet_hours_across_midnight_and_within_a_day() -> None:
    night = QuietHours.parse("21:00-08:00", "Europe/Berlin")
    # 22:30 in Berlin (UTC+1 in January): quiet until 08:00 the next morning.
    resumes = night.resumes_at(datetime(2026, 1, 10, 21, 30, tzinfo=UTC))
    assert resumes is not None and resumes.isoformat() == "2026-01-11T08:00:00+01:00"
    assert night.resumes_at(datetime(2026, 1, 10, 6, 30, tzinfo=UTC)) is not None  # 07:30 local
    assert night.resumes_at(datetime(2026, 1, 10, 12, 0, tzinfo=UTC)) is None
    lunch = QuietHours.parse("12:00-13:00", "UTC")
    assert lunch.resumes_at(datetime(2026, 1, 10, 12, 30, tzinfo=UTC)) == datetime(
        2026, 1, 10, 13, 0, tzinfo=UTC
    )
    assert QuietHours.parse("", "UTC").resumes_at(datetime(2026, 1, 10, tzinfo=UTC)) is None
    for bad_span, zone in (("9-17", "UTC"), ("21:00-21:00", "UTC"), ("21:00-08:00", "Mars/Base")):
        with pytest.raises(ValueError):
            QuietHours.parse(bad_span, zone)
