"""The call log: open a call record, move it through its states, abandon a waiting call.

Every state change is keyed by the provider's natural key (CallSid+status, a CTI
event id) in ``processed_webhooks`` inside the same transaction as the change, so a
retried callback is a no-op. The voice event that opened the interaction carries a
copy of the call in its payload (``payload["call"]``): that is the call card the
agent desktop renders, kept current on every change.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from repository.errors import NotFound
from repository.models import Event, Interaction, Queue, utcnow
from repository.telephony_models import FINAL_CALL_STATES, CallRecord, ProcessedWebhook, SmsOptOut

if TYPE_CHECKING:
    from repository.db import Database
    from repository.ingest import AlsoInTransaction, IngestResult


def _retrying(db: Database, fn: Any) -> Any:
    """Run ``fn(session)`` in one write transaction; a lost unique race retries once and dedupes."""
    for attempt in range(3):
        try:
            with db.write() as session:
                return fn(session)
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def first_time(session: Session, key: str) -> bool:
    """Record ``key`` as processed; False if it already was (a retried webhook)."""
    key = key[:200]
    if session.exec(select(ProcessedWebhook.id).where(ProcessedWebhook.key == key)).first() is not None:
        return False
    session.add(ProcessedWebhook(key=key))
    session.flush()
    return True


def was_processed(db: Database, key: str) -> bool:
    with db.read() as session:
        return (
            session.exec(select(ProcessedWebhook.id).where(ProcessedWebhook.key == key[:200])).first()
            is not None
        )


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
        "answered_at": record.answered_at.isoformat() if record.answered_at else None,
        "ended_at": record.ended_at.isoformat() if record.ended_at else None,
        "wait_seconds": record.wait_seconds,
        "talk_seconds": record.talk_seconds,
        "duration_seconds": record.duration_seconds,
        "recording_url": record.recording_url,
        "transcription": record.transcription,
    }


def get_call(db: Database, provider: str, call_id: str) -> CallRecord | None:
    with db.read() as session:
        return _find(session, provider, call_id)


def _find(session: Session, provider: str, call_id: str) -> CallRecord | None:
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
        existing = _find(session, provider, call_id)
        if existing is not None:
            return existing, False
        return _new_record(
            session, provider, call_id, from_number, to_number, direction, state, agent_id
        ), True

    result: tuple[CallRecord, bool] = _retrying(db, run)
    return result


def _new_record(
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
        record = _find(session, provider, call_id)
        if record is None:
            raise NotFound("no such call", call_id=call_id)
        _attach(session, record, interaction_id, event_id, customer_id, queue_id, ivr_choice, state)
        return record


def _attach(
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


def logged_with(
    provider: str,
    call_id: str,
    *,
    from_number: str,
    to_number: str,
    direction: str = "inbound",
    ivr_choice: str = "",
    state: str | None = "queued",
    target_agent_id: int | None = None,
    event_key: str | None = None,
) -> AlsoInTransaction:
    """The call's own writes, to run inside the ingest transaction of its voice contact.

    One commit instead of three or four: the call record (created on first sight), its
    tie to the interaction, the call card on the voice event, the provider's event key
    and, for a PBX call that rings one extension, the target agent. The router reads
    the interaction only after this commit, so it never sees a CTI call without its
    target (before, it could offer it to someone else in between). A duplicate ingest
    (a retried webhook) writes nothing: the first one did all of it.
    """

    def also(session: Session, result: IngestResult) -> None:
        if result.duplicate:
            return
        record = _find(session, provider, call_id) or _new_record(
            session, provider, call_id, from_number, to_number, direction, "ringing", None
        )
        interaction, event = result.interaction, result.event
        _attach(
            session,
            record,
            interaction.id,  # type: ignore[arg-type]
            event.id,  # type: ignore[arg-type]
            interaction.customer_id,
            interaction.queue_id,
            ivr_choice,
            state if record.state == "ringing" else None,
        )
        if event_key is not None:
            first_time(session, event_key)
        if target_agent_id is not None and result.new_interaction:
            from repository.lifecycle import _transition

            _transition(session, interaction.id, {"status": "queued"}, target_agent_id=target_agent_id)  # type: ignore[arg-type]

    return also


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

    result: tuple[CallRecord, Event | None] | None = _retrying(db, run)
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
    record = _find(session, provider, call_id)
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


def abandon(db: Database, interaction_id: int, reason: str, wait_seconds: int | None) -> Interaction | None:
    """A caller who hung up before anyone took the call: queued/offered → abandoned.

    Conditional, like every lifecycle transition: None when the interaction had
    already moved on (an agent accepted in the same instant). "abandoned" is not a
    live status, so the thread's one-live-interaction index is freed.
    """
    from repository.lifecycle import _status_event, _transition

    with db.write() as session:
        now = utcnow()
        ended = _transition(
            session,
            interaction_id,
            {"status": ("queued", "offered")},
            status="abandoned",
            disposition=reason[:60],
            ended_at=now,
            closed_at=now,
            reserved_until=None,
        )
        if ended is None:
            return None
        _status_event(session, ended, reason, wait_seconds=wait_seconds)
        return ended


def set_opt_out(db: Database, number: str, opted_out: bool, keyword: str) -> bool:
    """Record STOP/START for ``number``; True if that changed anything."""

    def run(session: Session) -> bool:
        row = session.exec(select(SmsOptOut).where(SmsOptOut.number == number)).first()
        if row is None:
            session.add(SmsOptOut(number=number, opted_out=opted_out, keyword=keyword[:20]))
            return opted_out
        changed = row.opted_out != opted_out
        row.opted_out, row.keyword, row.updated_at = opted_out, keyword[:20], utcnow()
        session.add(row)
        return changed

    changed: bool = _retrying(db, run)
    return changed


def is_opted_out(db: Database, number: str) -> bool:
    with db.read() as session:
        row = session.exec(select(SmsOptOut).where(SmsOptOut.number == number)).first()
        return bool(row and row.opted_out)


def list_calls(db: Database, *, state: str | None = None, limit: int = 100) -> list[CallRecord]:
    with db.read() as session:
        query = select(CallRecord).order_by(CallRecord.id.desc())  # type: ignore[union-attr]
        if state:
            query = query.where(CallRecord.state == state)
        return list(session.exec(query.limit(limit)).all())


def claim_once(db: Database, key: str) -> bool:
    """True the first time ``key`` is claimed, on any node; False ever after."""
    claimed: bool = _retrying(db, lambda session: first_time(session, key))
    return claimed


def set_customer(db: Database, record_id: int, customer_id: int) -> None:
    with db.write() as session:
        record = session.get(CallRecord, record_id)
        if record is not None:
            record.customer_id = customer_id
            session.add(record)
