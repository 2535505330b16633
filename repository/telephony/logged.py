"""A call's writes inside the ingest transaction of its voice contact (``logged_with``).

Used by the Twilio voice webhooks (docs/twilio.md) and the CTI ``ringing`` event
(docs/cti.md, "When the rung agent is away") so the contact, its call record, the
call card and the target agent commit together.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from repository.telephony.calls import attach_in, find_call_in, new_record_in
from repository.telephony.idempotency import first_time

if TYPE_CHECKING:
    from sqlmodel import Session

    from repository.core.ingest import AlsoInTransaction, IngestResult


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
        record = find_call_in(session, provider, call_id) or new_record_in(
            session, provider, call_id, from_number, to_number, direction, "ringing", None
        )
        interaction, event = result.interaction, result.event
        attach_in(
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
        if target_agent_id is not None and result.new_interaction and interaction.id is not None:
            from repository.core.lifecycle import transition

            # ingest already announced the new interaction; this only narrows who may take it.
            transition(
                session, interaction.id, {"status": "queued"}, announce=False, target_agent_id=target_agent_id
            )

    return also
