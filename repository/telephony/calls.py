"""The call log: a call's record, its state machine, and the call card the desktop shows.

Open a call record, tie it to the voice interaction it became, move it through its
states. Every state change is keyed by the provider's natural key (CallSid+status, a
CTI event id) in ``processed_webhooks`` inside the same transaction as the change
(repository.telephony.idempotency), so a retried callback is a no-op. The voice event
that opened the interaction carries a copy of the call in its payload
(``payload["call"]``): that is the call card the agent desktop renders, kept current on
every change. See docs/twilio.md (the call log) and docs/cti.md.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, select

from repository.core.models import Event, Queue, utcnow
from repository.core.serialize import iso
from repository.errors import NotFound
from repository.telephony.idempotency import first_time, retrying
from repository.telephony.models import FINAL_CALL_STATES, CallRecord

if TYPE_CHECKING:
    from repository.db import Database


def call_card(record: CallRecord, queue_name: str = "") -> dict[str, Any]:
    """What the desktop shows about a call."""
    return {
        "provider": record.provider,
        "call_id": record.call_id,
        "direction": record.direction,
        "from": record.from_number,
        "to": record.to_number,
        "ivr_choice": record.ivr_choice,
        "queue": queue_name,
        "state": record.state,
        "cause": record.cause,
        "agent_id": record.agent_id,
        "started_at": record.started_at.isoformat(),
        "answered_at": iso(record.answered_at),
        "ended_at": iso(record.ended_at),
        "wait_seconds": record.wait_seconds,
        "talk_seconds": record.talk_seconds,
        "duration_seconds": record.duration_seconds,
        "recording_url": record.recording_url,
        "transcription": record.transcription,
    }


def get_call(db: Database, provider: str, call_id: str) -> CallRecord | None:
    with db.read() as session:
        return find_call_in(session, provider, call_id)


def find_call_in(session: Session, provider: str, call_id: str) -> CallRecord | None:
    return session.exec(
        select(CallRecord).where(CallRecord.provider == provider, CallRecord.call_id == call_id)
    ).first()


def open_call(
    db: Database,
    provider: str,
    call_id: str,
    *,
    from_number: str,
    to_number: str,
    direction: str = "inbound",
    state: str = "ringing",
    agent_id: int | None = None,
) -> tuple[CallRecord, bool]:
    """The call's record, created on first sight. Returns (record, created)."""

    def run(session: Session) -> tuple[CallRecord, bool]:
        existing = find_call_in(session, provider, call_id)
        if existing is not None:
            return existing, False
        return new_record_in(
            session, provider, call_id, from_number, to_number, direction, state, agent_id
        ), True

    result: tuple[CallRecord, bool] = retrying(db, run)
    return result


def new_record_in(
    session: Session,
    provider: str,
    call_id: str,
    from_number: str,
    to_number: str,
    direction: str,
    state: str,
    agent_id: int | None,
) -> CallRecord:
    record = CallRecord(
        provider=provider,
        call_id=call_id[:120],
        direction=direction[:10],
        from_number=from_number[:64],
        to_number=to_number[:64],
        state=state,
        agent_id=agent_id,
        history=[{"state": state, "at": utcnow().isoformat()}],
    )
    session.add(record)
    session.flush()
    return record


def attach_interaction(
    db: Database,
    provider: str,
    call_id: str,
    *,
    interaction_id: int,
    event_id: int,
    customer_id: int,
    queue_id: int | None,
    ivr_choice: str = "",
    state: str | None = None,
) -> CallRecord:
    """Tie the call to the voice interaction it became and write the call card."""
    with db.write() as session:
        record = find_call_in(session, provider, call_id)
        if record is None:
            raise NotFound("no such call", call_id=call_id)
        attach_in(session, record, interaction_id, event_id, customer_id, queue_id, ivr_choice, state)
        return record


def attach_in(
    session: Session,
    record: CallRecord,
    interaction_id: int,
    event_id: int,
    customer_id: int,
    queue_id: int | None,
    ivr_choice: str,
    state: str | None,
) -> None:
    record.interaction_id = interaction_id
    record.event_id = event_id
    record.customer_id = customer_id
    record.queue_id = queue_id
    record.ivr_choice = ivr_choice[:120]
    if state is not None and state != record.state:
        _move(record, state)
    if state == "queued":
        record.queued_at = utcnow()
    session.add(record)
    _write_card(session, record)


def _move(record: CallRecord, state: str, at: datetime | None = None) -> None:
    record.state = state
    record.history = [*record.history, {"state": state, "at": (at or utcnow()).isoformat()}]


def _write_card(session: Session, record: CallRecord) -> Event | None:
    if record.event_id is None:
        return None
    event = session.get(Event, record.event_id)
    if event is None:
        return None
    queue = session.get(Queue, record.queue_id) if record.queue_id else None
    event.payload = {**event.payload, "call": call_card(record, queue.name if queue else "")}
    session.add(event)
    return event


def apply_state(
    db: Database,
    provider: str,
    call_id: str,
    state: str,
    *,
    key: str,
    cause: str = "",
    agent_id: int | None = None,
    duration_seconds: int | None = None,
    talk_seconds: int | None = None,
    recording_url: str | None = None,
    transcription: str | None = None,
) -> tuple[CallRecord, Event | None] | None:
    """Move a call to ``state`` once per ``key``. None for a retry or an unknown call.

    A final state is never left again (a late "ringing" after "completed" is
    recorded in nothing), but recording and transcription may arrive after the end.
    """

    def run(session: Session) -> tuple[CallRecord, Event | None] | None:
        return apply_state_in(
            session,
            provider,
            call_id,
            state,
            key=key,
            cause=cause,
            agent_id=agent_id,
            duration_seconds=duration_seconds,
            talk_seconds=talk_seconds,
            recording_url=recording_url,
            transcription=transcription,
        )

    result: tuple[CallRecord, Event | None] | None = retrying(db, run)
    return result


def apply_state_in(
    session: Session,
    provider: str,
    call_id: str,
    state: str,
    *,
    key: str,
    cause: str = "",
    agent_id: int | None = None,
    duration_seconds: int | None = None,
    talk_seconds: int | None = None,
    recording_url: str | None = None,
    transcription: str | None = None,
) -> tuple[CallRecord, Event | None] | None:
    """:func:`apply_state` inside a transaction the caller owns."""
    record = find_call_in(session, provider, call_id)
    if record is None or not first_time(session, key):
        return None
    now = utcnow()
    if state and state != record.state and record.state not in FINAL_CALL_STATES:
        _move(record, state, now)
        if state == "answered" and record.answered_at is None:
            record.answered_at = now
            if record.queued_at is not None:
                record.wait_seconds = int((now - record.queued_at).total_seconds())
        if state in FINAL_CALL_STATES:
            record.ended_at = now
            if record.answered_at is not None and talk_seconds is None:
                record.talk_seconds = int((now - record.answered_at).total_seconds())
            if state in ("abandoned", "missed") and record.queued_at is not None:
                record.wait_seconds = int((now - record.queued_at).total_seconds())
    if cause:
        record.cause = cause[:40]
    if agent_id is not None:
        record.agent_id = agent_id
    if duration_seconds is not None:
        record.duration_seconds = duration_seconds
    elif record.ended_at is not None and record.duration_seconds is None:
        record.duration_seconds = int((record.ended_at - record.started_at).total_seconds())
    if talk_seconds is not None:
        record.talk_seconds = talk_seconds
    if recording_url:
        record.recording_url = recording_url[:500]
    if transcription:
        record.transcription = transcription[:20_000]
    session.add(record)
    return record, _write_card(session, record)


def set_customer(db: Database, record_id: int, customer_id: int) -> None:
    with db.write() as session:
        record = session.get(CallRecord, record_id)
        if record is not None:
            record.customer_id = customer_id
            session.add(record)
