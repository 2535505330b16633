"""Email threading in the CCR: which interaction a mail belongs to, and reopening it.

A reply is matched by its In-Reply-To/References against the Message-IDs of stored
inbound and outbound mail, then by the ``[#id]`` token the product puts in reply
subjects. Both lookups are limited to the sender's own customer record, so threading
never crosses customers: a stranger quoting someone else's Message-ID or token
starts a thread of their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from repository.core.lifecycle import transition
from repository.core.models import LIVE_STATUSES, Event, Identity, Interaction, utcnow
from repository.email.models import EmailMessageId, EmailQuarantine

if TYPE_CHECKING:
    from repository.db import Database

REOPENABLE = ("wrapup", "closed")
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
        return [_plan(session, request) for request in requests]


def _plan(session: Any, request: PlanRequest) -> InboundPlan:
    external_id, copy = request.external_id, request.copy
    free_id, stored = _free_external_id(session, external_id, request.content_hash)
    if stored is not None and copy is not None and not _same_copy(stored, copy):
        free_id = f"{external_id}@{copy[0]}.{copy[1]}.{copy[2]}"[:300]
        stored = session.exec(
            select(Event).where(Event.channel == "email", Event.external_id == free_id)
        ).first()
    if stored is not None:
        return InboundPlan(free_id, stored, stored.customer_id, None)
    identity = session.exec(
        select(Identity).where(Identity.kind == "email", Identity.value == request.address)
    ).first()
    if identity is None:
        return InboundPlan(free_id, None, None, None)
    match = _find_thread(session, identity.customer_id, request.references, request.token_id)
    return InboundPlan(free_id, None, identity.customer_id, match)


def _same_copy(stored: Event, copy: tuple[int, int, int]) -> bool:
    imap = stored.payload.get("imap") or {}
    if (stored.payload.get("mailbox_id"), imap.get("uidvalidity"), imap.get("uid")) == copy:
        return True
    created = stored.created_at if stored.created_at.tzinfo else stored.created_at.replace(tzinfo=UTC)
    return utcnow() - created < CONTENT_DEDUPE_WINDOW


def _free_external_id(session: Any, external_id: str, content_hash: str) -> tuple[str, Event | None]:
    """The id to store this mail under, and the stored event if this exact mail is already in.

    Two different mails that claim the same Message-ID (broken mailers do this) are
    both kept: the second is stored under the id plus its content hash.
    """
    for candidate in (external_id, f"{external_id}#{content_hash[:16]}"):
        event = session.exec(
            select(Event).where(Event.channel == "email", Event.external_id == candidate[:300])
        ).first()
        if event is None:
            return candidate[:300], None
        if event.payload.get("content_hash") == content_hash:
            return candidate[:300], event
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


def reopen(
    db: Database, interaction_id: int, reason: str = "customer replied"
) -> tuple[Interaction, int | None] | None:
    """Put an ended email interaction back in the queue, with its previous holder; None if not needed.

    Works like the core's requeue (a conditional UPDATE on the state it expects, plus
    a status line), so a reopen racing a close or another reopen has one winner. If
    another live interaction already holds the thread key, that one takes the mail.
    """
    with db.write() as session:
        current = session.get(Interaction, interaction_id)
        if current is None or current.status not in REOPENABLE:
            return None
        live = session.exec(
            select(Interaction.id).where(
                Interaction.channel == current.channel,
                Interaction.thread_key == current.thread_key,
                col(Interaction.status).in_(LIVE_STATUSES),
            )
        ).first()
        if live is not None:
            return None
        previous_agent = current.agent_id
        reopened = transition(
            session,
            interaction_id,
            {"status": REOPENABLE},
            line="reopened",
            line_payload={"reason": reason, "previous_agent_id": previous_agent},
            notice={"reason": reason, "previous_agent_id": previous_agent or 0},
            status="queued",
            agent_id=None,
            target_agent_id=None,
            reserved_until=None,
            declined_by=[],
            queued_at=utcnow(),
            ended_at=None,
            closed_at=None,
            disposition=None,
        )
        if reopened is None:
            return None
        return reopened, previous_agent


def record_message_id(
    db: Database, message_id: str, customer_id: int, interaction_id: int, event_id: int | None, direction: str
) -> None:
    """Remember a Message-ID for threading; recording it twice is a no-op."""
    if not message_id:
        return
    try:
        with db.write() as session:
            exists = session.exec(
                select(EmailMessageId.id).where(
                    EmailMessageId.customer_id == customer_id, EmailMessageId.message_id == message_id
                )
            ).first()
            if exists is None:
                session.add(
                    EmailMessageId(
                        message_id=message_id[:300],
                        customer_id=customer_id,
                        interaction_id=interaction_id,
                        event_id=event_id,
                        direction=direction,
                    )
                )
    except IntegrityError:
        pass  # a concurrent writer recorded it first


def record_message_ids(db: Database, rows: list[tuple[str, int, int, int | None, str]]) -> None:
    """Remember many Message-IDs in one transaction: (message id, customer, interaction, event, direction)."""
    wanted = {
        (customer_id, mid[:300]): (mid[:300], customer_id, interaction_id, event_id, direction)
        for mid, customer_id, interaction_id, event_id, direction in rows
        if mid
    }
    if not wanted:
        return
    try:
        with db.write() as session:
            known = set(
                session.exec(
                    select(EmailMessageId.customer_id, EmailMessageId.message_id).where(
                        col(EmailMessageId.message_id).in_([key[1] for key in wanted])
                    )
                ).all()
            )
            for key, (mid, customer_id, interaction_id, event_id, direction) in wanted.items():
                if key not in known:
                    session.add(
                        EmailMessageId(
                            message_id=mid,
                            customer_id=customer_id,
                            interaction_id=interaction_id,
                            event_id=event_id,
                            direction=direction,
                        )
                    )
    except IntegrityError:
        # Another node indexed one of them at the same moment: fall back to one at a time.
        for row in wanted.values():
            record_message_id(db, *row)


def quarantine(
    db: Database, mailbox_id: int, uidvalidity: int, uid: int, sha256: str, size: int, reason: str, path: str
) -> bool:
    """Flag a raw message for a human. False if that exact message was flagged before."""
    try:
        with db.write() as session:
            exists = session.exec(
                select(EmailQuarantine.id).where(
                    EmailQuarantine.mailbox_id == mailbox_id, EmailQuarantine.sha256 == sha256
                )
            ).first()
            if exists is not None:
                return False
            session.add(
                EmailQuarantine(
                    mailbox_id=mailbox_id,
                    uidvalidity=uidvalidity,
                    uid=uid,
                    sha256=sha256,
                    size=size,
                    reason=reason[:500],
                    storage_path=path,
                )
            )
        return True
    except IntegrityError:
        return False


def latest_customer_mail(db: Database, interaction_id: int) -> Event | None:
    """The customer's latest message in an interaction: who to answer and what to reference."""
    with db.read() as session:
        return session.exec(
            select(Event)
            .where(
                Event.interaction_id == interaction_id,
                Event.author_type == "customer",
                Event.kind == "message",
            )
            .order_by(col(Event.id).desc())
        ).first()
