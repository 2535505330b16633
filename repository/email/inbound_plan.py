"""Planning a fetched mail before it is stored: is it a duplicate, whose is it, which thread.

A reply is matched by its In-Reply-To/References against the Message-IDs of stored
inbound and outbound mail, then by the ``[#id]`` token the product puts in reply
subjects. Both lookups are limited to the sender's own customer record, so threading
never crosses customers: a stranger quoting someone else's Message-ID or token
starts a thread of their own. All of this is one read transaction per FETCH chunk
(stored copies and senders read for the whole chunk at once),
kept apart from the writes that follow it (repository/email/threads.py: recording
Message-IDs, reopening) because the channel plans a whole chunk before writing any.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, timedelta
from typing import TYPE_CHECKING, Any

from sqlmodel import col, select

from repository.core.models import Event, Identity, Interaction, utcnow
from repository.email.models import EmailMessageId

if TYPE_CHECKING:
    from repository.db import Database

# Identical mails without Message-ID or Date within this window are one delivery.
CONTENT_DEDUPE_WINDOW = timedelta(minutes=10)


@dataclass(frozen=True)
class ThreadMatch:
    interaction_id: int
    thread_key: str
    status: str
    matched_by: str


@dataclass(frozen=True)
class InboundPlan:
    """What one read transaction learned about a fetched mail before it is stored."""

    external_id: str
    stored: Event | None  # this exact mail is already in the CCR
    customer_id: int | None  # the sender's customer, if the address is known
    match: ThreadMatch | None  # the customer's interaction this mail answers


@dataclass(frozen=True)
class PlanRequest:
    """What :func:`plan_many` needs to know about one fetched mail."""

    external_id: str
    content_hash: str
    address: str
    references: list[str]
    token_id: int | None
    copy: tuple[int, int, int] | None = None


def plan_inbound(
    db: Database,
    external_id: str,
    content_hash: str,
    address: str,
    references: list[str],
    token_id: int | None,
    *,
    copy: tuple[int, int, int] | None = None,
) -> InboundPlan:
    """Dedupe, sender and thread lookups of one mail in one read (they used to be three)."""
    return plan_many(db, [PlanRequest(external_id, content_hash, address, references, token_id, copy)])[0]


def plan_many(db: Database, requests: list[PlanRequest]) -> list[InboundPlan]:
    """:func:`plan_inbound` for a whole FETCH chunk in one read transaction.

    ``copy`` (mailbox id, UIDVALIDITY, UID) is given for mail that only its content
    identifies (no Message-ID, no Date): it is then a duplicate of a stored one only if
    that is the same IMAP copy or was stored within :data:`CONTENT_DEDUPE_WINDOW`; the
    same text sent again days later is a new mail, stored under an id naming its copy.
    """
    with db.read() as session:
        known = _Known.read(session, requests)
        return [_plan(session, request, known) for request in requests]


@dataclass(frozen=True)
class _Known:
    """What the store holds for a chunk, read with one query per table, not per mail."""

    events: dict[str, Event]  # stored email events by external id (either candidate id)
    customers: dict[str, int]  # email address -> its customer

    @classmethod
    def read(cls, session: Any, requests: list[PlanRequest]) -> _Known:
        candidates = {c for r in requests for c in _candidates(r.external_id, r.content_hash)}
        events = session.exec(
            select(Event).where(Event.channel == "email", col(Event.external_id).in_(candidates))
        ).all()
        addresses = {r.address for r in requests}
        owners = session.exec(
            select(Identity.value, Identity.customer_id).where(
                Identity.kind == "email", col(Identity.value).in_(addresses)
            )
        ).all()
        return cls({e.external_id: e for e in events}, dict(owners))


def _plan(session: Any, request: PlanRequest, known: _Known) -> InboundPlan:
    external_id, copy = request.external_id, request.copy
    free_id, stored = _free_external_id(known, external_id, request.content_hash)
    if stored is not None and copy is not None and not _same_copy(stored, copy):
        free_id = f"{external_id}@{copy[0]}.{copy[1]}.{copy[2]}"[:300]
        stored = session.exec(
            select(Event).where(Event.channel == "email", Event.external_id == free_id)
        ).first()
    if stored is not None:
        return InboundPlan(free_id, stored, stored.customer_id, None)
    customer_id = known.customers.get(request.address)
    if customer_id is None:
        return InboundPlan(free_id, None, None, None)
    match = _find_thread(session, customer_id, request.references, request.token_id)
    return InboundPlan(free_id, None, customer_id, match)


def _same_copy(stored: Event, copy: tuple[int, int, int]) -> bool:
    imap = stored.payload.get("imap") or {}
    if (stored.payload.get("mailbox_id"), imap.get("uidvalidity"), imap.get("uid")) == copy:
        return True
    created = stored.created_at if stored.created_at.tzinfo else stored.created_at.replace(tzinfo=UTC)
    return utcnow() - created < CONTENT_DEDUPE_WINDOW


def _candidates(external_id: str, content_hash: str) -> tuple[str, str]:
    """The ids a mail may be stored under: its own, then (a second mail claiming it) plus its hash."""
    return external_id[:300], f"{external_id}#{content_hash[:16]}"[:300]


def _free_external_id(known: _Known, external_id: str, content_hash: str) -> tuple[str, Event | None]:
    """The id to store this mail under, and the stored event if this exact mail is already in.

    Two different mails that claim the same Message-ID (broken mailers do this) are
    both kept: the second is stored under the id plus its content hash.
    """
    for candidate in _candidates(external_id, content_hash):
        event = known.events.get(candidate)
        if event is None:
            return candidate, None
        if event.payload.get("content_hash") == content_hash:
            return candidate, event
    # Even the content-qualified id is taken by other content: only a hash collision gets here.
    return f"sha256:{content_hash}", None


def customer_for_address(db: Database, address: str) -> int | None:
    with db.read() as session:
        row = session.exec(
            select(Identity).where(Identity.kind == "email", Identity.value == address)
        ).first()
    return row.customer_id if row is not None else None


def find_thread(
    db: Database, customer_id: int, references: list[str], token_id: int | None
) -> ThreadMatch | None:
    """The customer's email interaction this mail answers, if any."""
    with db.read() as session:
        return _find_thread(session, customer_id, references, token_id)


def _find_thread(
    session: Any, customer_id: int, references: list[str], token_id: int | None
) -> ThreadMatch | None:
    if references:
        rows = session.exec(
            select(EmailMessageId).where(
                EmailMessageId.customer_id == customer_id,
                col(EmailMessageId.message_id).in_(references[-50:]),
            )
        ).all()
        if rows:
            # The most recent mail referenced is the closest parent.
            best = max(rows, key=lambda r: references.index(r.message_id))
            interaction = session.get(Interaction, best.interaction_id)
            if interaction is not None:
                return ThreadMatch(interaction.id, interaction.thread_key, interaction.status, "references")
    if token_id is not None:
        interaction = session.get(Interaction, token_id)
        if (
            interaction is not None
            and interaction.customer_id == customer_id
            and interaction.channel == "email"
        ):
            return ThreadMatch(interaction.id, interaction.thread_key, interaction.status, "token")
    return None
