"""Paged reads for other systems: keyset pages over any table, with filters.

A page is "the next ``limit`` rows after id N". Unlike an offset, the cursor stays
right while rows are being added, which is exactly what a BI system pulling
interactions out incrementally needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from sqlmodel import SQLModel, col, select

from repository.core.identity import normalise
from repository.core.models import Customer, Event, Identity, Interaction
from repository.errors import InvalidInput, NotFound

if TYPE_CHECKING:
    from repository.db import Database

M = TypeVar("M", bound=SQLModel)
MAX_LIMIT = 200


@dataclass(frozen=True)
class Page(Generic[M]):
    rows: list[M]
    # The cursor for the following page, or None when this page is the last.
    next_after: int | None


def keyset_page(
    session: Any, stmt: Any, model: type[M], after: int | None, limit: int, newest_first: bool
) -> Page[M]:
    limit = max(1, min(limit, MAX_LIMIT))
    key = model.id  # type: ignore[attr-defined]
    if after is not None:
        stmt = stmt.where(key < after if newest_first else key > after)
    stmt = stmt.order_by(key.desc() if newest_first else key).limit(limit + 1)
    rows = list(session.exec(stmt).all())
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, rows[-1].id if more else None)


def page_rows(
    db: Database,
    model: type[M],
    *,
    after: int | None = None,
    limit: int = 50,
    newest_first: bool = False,
    **equals: Any,
) -> Page[M]:
    """Rows of ``model`` whose named columns equal the given values (None: no filter)."""
    stmt = select(model)
    for column, value in equals.items():
        if value is not None:
            stmt = stmt.where(getattr(model, column) == value)
    with db.read() as session:
        return keyset_page(session, stmt, model, after, limit, newest_first)


def list_customers(
    db: Database,
    *,
    email: str | None = None,
    phone: str | None = None,
    after: int | None = None,
    limit: int = 50,
) -> Page[Customer]:
    """Customers, optionally only those owning the (normalised) email or phone.

    A lookup by an email or phone that is not valid finds no one, as no identity can hold it.
    """
    stmt = select(Customer)
    for kind, value in (("email", email), ("phone", phone)):
        if value is not None:
            try:
                wanted = normalise(kind, value)
            except InvalidInput:
                return Page([], None)
            owners = select(Identity.customer_id).where(Identity.kind == kind, Identity.value == wanted)
            stmt = stmt.where(col(Customer.id).in_(owners))
    with db.read() as session:
        return keyset_page(session, stmt, Customer, after, limit, newest_first=False)


def customer_interactions(
    db: Database, customer_id: int, *, after: int | None = None, limit: int = 50
) -> Page[Interaction]:
    """One customer's interactions on every channel, newest first."""
    with db.read() as session:
        if session.get(Customer, customer_id) is None:
            raise NotFound("no such customer", customer_id=customer_id)
        stmt = select(Interaction).where(Interaction.customer_id == customer_id)
        return keyset_page(session, stmt, Interaction, after, limit, newest_first=True)


def get_interaction(db: Database, interaction_id: int) -> Interaction:
    with db.read() as session:
        interaction = session.get(Interaction, interaction_id)
    if interaction is None:
        raise NotFound("no such interaction", interaction_id=interaction_id)
    return interaction


def list_events(
    db: Database, interaction_id: int, *, after: int | None = None, limit: int = 50
) -> Page[Event]:
    """An interaction's events in the order they happened, internal notes included."""
    with db.read() as session:
        if session.get(Interaction, interaction_id) is None:
            raise NotFound("no such interaction", interaction_id=interaction_id)
        stmt = select(Event).where(Event.interaction_id == interaction_id)
        return keyset_page(session, stmt, Event, after, limit, newest_first=False)
