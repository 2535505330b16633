"""The call log and phone configuration in the CCR, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from repository import Database
from repository.core.ingest import InboundItem, ingest
from repository.errors import Conflict, InvalidInput, NotFound
from repository.telephony.abandon import abandon
from repository.telephony.calls import apply_state, attach_interaction, get_call, open_call
from repository.telephony.config import choose, is_open, save_endpoint, save_number
from repository.telephony.idempotency import claim_once
from repository.telephony.opt_outs import is_opted_out, set_opt_out
from tests.factories import make_agent, make_queue


def _queued_call(db: Database, call_id: str = "CA1") -> int:
    queue = make_queue(db, is_default=True)
    open_call(db, "twilio", call_id, from_number="+14155550123", to_number="+14155550100")
    result = ingest(
        db,
        InboundItem(
            channel="voice",
            identities=[("phone", "+14155550123")],
            thread_key=f"twilio:{call_id}",
            body="call",
            external_id=f"call:{call_id}",
        ),
    )
    attach_interaction(
        db,
        "twilio",
        call_id,
        interaction_id=result.interaction.id,
        event_id=result.event.id,  # type: ignore[arg-type]
        customer_id=result.customer.id,
        queue_id=queue.id,
        ivr_choice="Sales",
        state="queued",  # type: ignore[arg-type]
    )
    return result.interaction.id  # type: ignore[return-value]


def test_a_state_change_applies_once_per_key_and_a_final_state_is_never_left(db: Database) -> None:
    _queued_call(db)
    assert apply_state(db, "twilio", "CA1", "answered", key="k-answered") is not None
    assert apply_state(db, "twilio", "CA1", "answered", key="k-answered") is None  # a retry
    changed = apply_state(db, "twilio", "CA1", "completed", key="k-done", duration_seconds=61)
    assert changed is not None
    record, event = changed
    assert event is not None and event.payload["call"]["state"] == "completed"
    assert event.payload["call"]["duration_seconds"] == 61
    apply_state(db, "twilio", "CA1", "ringing", key="k-late")  # a late report
    record = get_call(db, "twilio", "CA1")
    assert record is not None and record.state == "completed"
    assert [h["state"] for h in record.history] == ["ringing", "queued", "answered", "completed"]
    assert record.wait_seconds is not None and record.talk_seconds is not None


def test_abandon_moves_only_a_waiting_call_and_frees_the_thread(db: Database) -> None:
    iid = _queued_call(db)
    ended = abandon(db, iid, "abandoned", 12)
    assert ended is not None and ended.status == "abandoned" and ended.ended_at is not None
    assert abandon(db, iid, "abandoned", 12) is None
    # The thread key is free again: abandoned is not a live status.
    again = ingest(
        db,
        InboundItem(
            channel="voice", identities=[("phone", "+14155550123")], thread_key="twilio:CA1", body="x"
        ),
    )
    assert again.new_interaction


def test_claim_once_and_opt_outs(db: Database) -> None:
    assert claim_once(db, "bridge:CA1") and not claim_once(db, "bridge:CA1")
    assert set_opt_out(db, "+14155550123", True, "STOP") and is_opted_out(db, "+14155550123")
    assert not set_opt_out(db, "+14155550123", True, "STOP")
    set_opt_out(db, "+14155550123", False, "START")
    assert not is_opted_out(db, "+14155550123")


def test_number_configuration_is_validated_and_drives_ivr_and_hours(db: Database) -> None:
    sales = make_queue(db, "Sales")
    number = save_number(
        db,
        None,
        {
            "number": "(415) 555-0100",
            "menu": [{"digit": "1", "label": "Sales", "keywords": ["buy"], "queue_id": sales.id}],
            "business_hours": {"mon": [["09:00", "17:00"]]},
            "time_zone": "Europe/Berlin",
        },
    )
    assert number.number == "+14155550100"
    assert choose(number, digits="1")["queue_id"] == sales.id  # type: ignore[index]
    assert choose(number, speech="I want to buy a thing")["label"] == "Sales"  # type: ignore[index]
    assert choose(number, digits="7") is None
    monday_10_berlin = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)  # 10:00 in Berlin
    assert is_open(number, monday_10_berlin)
    assert not is_open(number, datetime(2024, 1, 1, 17, 0, tzinfo=UTC))  # 18:00 in Berlin
    assert not is_open(number, datetime(2024, 1, 2, 9, 0, tzinfo=UTC))  # Tuesday: closed
    for bad in (
        {"time_zone": "Mars/Olympus"},
        {"business_hours": {"mon": [["09:00", "09:00"]]}},
        {"business_hours": {"someday": []}},
        {"menu": [{"digit": "12", "label": "X", "queue_id": sales.id}]},
    ):
        with pytest.raises(InvalidInput):
            save_number(db, number.id, bad)
    with pytest.raises(NotFound):  # a well-formed menu naming a queue that does not exist
        save_number(db, number.id, {"menu": [{"digit": "1", "label": "X", "queue_id": 999}]})
    with pytest.raises(Conflict):
        save_number(db, None, {"number": "+14155550100"})
    # A night line: the number keeps the queue calendar's rule, a span past midnight.
    night = save_number(db, number.id, {"business_hours": {"mon": [["22:00", "06:00"]]}})
    assert is_open(night, datetime(2024, 1, 1, 23, 0, tzinfo=UTC))  # Tue 00:00 in Berlin
    assert not is_open(night, datetime(2024, 1, 2, 6, 0, tzinfo=UTC))  # Tue 07:00 in Berlin


def test_an_extension_belongs_to_one_agent(db: Database) -> None:
    ada, ben = make_agent(db, "ada"), make_agent(db, "ben")
    save_endpoint(db, ada.id, {"extension": "201", "client_identity": "ada-desk"})  # type: ignore[arg-type]
    with pytest.raises(Conflict):
        save_endpoint(db, ben.id, {"extension": "201"})  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        save_endpoint(db, ben.id, {"client_identity": "<script>"})  # type: ignore[arg-type]
