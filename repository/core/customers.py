"""Customers as other systems manage them: create with identities, update value fields.

Channels create customers implicitly through ingest; ERP and shop systems create and
update them explicitly through here. Identities are normalised the same way ingest
normalises them, so a customer pushed in by the shop and the same person mailing in
later resolve to one record. An identity already owned by someone else is a conflict,
never a silent merge.
"""

from __future__ import annotations

import math
import unicodedata
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from repository.core.identity import normalise
from repository.core.models import Customer, Identity, utcnow
from repository.errors import Conflict, InvalidInput, NotFound

if TYPE_CHECKING:
    from collections.abc import Iterable

    from repository.db import Database

TIERS = ("standard", "bronze", "silver", "gold", "platinum")
VALUE_FIELDS = ("display_name", "tier", "lifetime_value", "churn_risk", "attributes")
CustomerView = tuple[Customer, list[Identity]]


def check_values(changes: dict[str, Any]) -> dict[str, Any]:
    """The value fields of ``changes``, checked; InvalidInput names the bad field."""
    checked: dict[str, Any] = {}
    for name, value in changes.items():
        if name not in VALUE_FIELDS:
            raise InvalidInput("%(name)s cannot be changed here", params={"name": name}, field=name)
        if value is None:
            continue
        if name == "display_name":
            if not isinstance(value, str) or len(value) > 200:
                raise InvalidInput("a display name is at most 200 characters", field=name)
            value = unicodedata.normalize("NFC", value.strip())
        elif name == "tier" and value not in TIERS:
            raise InvalidInput(
                "tier must be one of %(choices)s", params={"choices": ", ".join(TIERS)}, field=name
            )
        elif name == "lifetime_value" and not _number_between(value, 0.0, math.inf):
            raise InvalidInput("lifetime_value is a number of at least 0", field=name)
        elif name == "churn_risk" and not _number_between(value, 0.0, 1.0):
            raise InvalidInput("churn_risk is a number from 0 to 1", field=name)
        elif name == "attributes" and not isinstance(value, dict):
            raise InvalidInput("attributes is a JSON object", field=name)
        checked[name] = float(value) if name in ("lifetime_value", "churn_risk") else value
    return checked


def _number_between(value: Any, low: float, high: float) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value) and low <= value <= high


def _identities(session: Session, customer_id: int) -> list[Identity]:
    return list(
        session.exec(
            select(Identity).where(col(Identity.customer_id) == customer_id).order_by(col(Identity.id))
        ).all()
    )


def get_customer(db: Database, customer_id: int) -> CustomerView:
    with db.read() as session:
        customer = session.get(Customer, customer_id)
        if customer is None:
            raise NotFound("no such customer", customer_id=customer_id)
        return customer, _identities(session, customer_id)


def _claim_identities(session: Session, customer: Customer, identities: Iterable[tuple[str, str]]) -> None:
    for kind, value in identities:
        owner = session.exec(select(Identity).where(Identity.kind == kind, Identity.value == value)).first()
        if owner is not None:
            if owner.customer_id == customer.id:
                continue
            raise Conflict(
                "the %(kind)s identity %(value)r belongs to another customer",
                params={"kind": kind, "value": value},
                field=kind if kind in ("email", "phone") else "identities",
                customer_id=owner.customer_id,
            )
        session.add(Identity(customer_id=customer.id, kind=kind, value=value))  # type: ignore[arg-type]
        if kind == "email" and not customer.email:
            customer.email = value
        if kind == "phone" and not customer.phone:
            customer.phone = value


def create_customer(
    db: Database,
    *,
    email: str | None = None,
    phone: str | None = None,
    identities: Iterable[tuple[str, str]] = (),
    **values: Any,
) -> CustomerView:
    """A new customer owning ``email``, ``phone`` and ``identities`` (kind, value)."""
    checked = check_values(values)
    wanted: list[tuple[str, str]] = []
    if email is not None:
        wanted.append(("email", email))
    if phone is not None:
        wanted.append(("phone", phone))
    wanted.extend(identities)
    normalised = list(dict.fromkeys((kind, normalise(kind, value)) for kind, value in wanted))
    try:
        with db.write() as session:
            customer = Customer(**checked)
            session.add(customer)
            session.flush()
            _claim_identities(session, customer, normalised)
            session.add(customer)
            session.flush()
            return customer, _identities(session, customer.id)  # type: ignore[arg-type]
    except IntegrityError as exc:
        # A concurrent create claimed one of the identities between our check and insert.
        raise Conflict("one of the identities belongs to another customer", field="identities") from exc


def update_customer(db: Database, customer_id: int, **changes: Any) -> CustomerView:
    """Change value fields; ``attributes`` replaces the whole object."""
    checked = check_values(changes)
    with db.write() as session:
        customer = session.get(Customer, customer_id)
        if customer is None:
            raise NotFound("no such customer", customer_id=customer_id)
        for name, value in checked.items():
            setattr(customer, name, value)
        customer.updated_at = utcnow()
        session.add(customer)
        session.flush()
        return customer, _identities(session, customer_id)


def add_identity(db: Database, customer_id: int, kind: str, value: str) -> CustomerView:
    """Attach one more address to a customer; the same address twice is a no-op."""
    identity = (kind, normalise(kind, value))
    try:
        with db.write() as session:
            customer = session.get(Customer, customer_id)
            if customer is None:
                raise NotFound("no such customer", customer_id=customer_id)
            _claim_identities(session, customer, [identity])
            customer.updated_at = utcnow()
            session.add(customer)
            session.flush()
            return customer, _identities(session, customer_id)
    except IntegrityError as exc:
        raise Conflict("the identity belongs to another customer", field="value") from exc
