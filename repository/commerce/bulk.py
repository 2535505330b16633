"""Customers and orders pushed in by ERP and shop systems: bulk upserts, all or nothing.

A batch is checked as a whole before anything is written, then written in one
transaction, so a sender that gets an error can fix the named item and resend the
same batch: nothing was half-applied. Orders are idempotent by the sender's order
id: resending one replaces its values and lines, and a repeat changes nothing.
Customers are matched by the sender's customer id, then by email; unknown ones are
created. Names are stored as given (text, never markup): every view escapes them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import func
from sqlmodel import Session, col, delete, select

from repository.commerce.inputs import (
    CustomerInput,
    OrderInput,
    check_batch,
    item_error,
    normalised_customer,
)
from repository.commerce.models import CustomerRef, Order, OrderLine, Product
from repository.core.models import Customer, Identity, utcnow
from repository.errors import Conflict, NotFound

if TYPE_CHECKING:
    from repository.db import Database


def _owner(session: Session, kind: str, value: str) -> int | None:
    row = session.exec(select(Identity).where(Identity.kind == kind, Identity.value == value)).first()
    return row.customer_id if row else None


def _resolve(session: Session, item: CustomerInput, index: int | None) -> tuple[Customer, bool]:
    """The customer ``item`` names (creating one), and whether it was created."""
    by_ref = None
    if item.external_id:
        ref = session.exec(select(CustomerRef).where(CustomerRef.external_id == item.external_id)).first()
        by_ref = ref.customer_id if ref else None
    by_email = _owner(session, "email", item.email) if item.email else None
    if by_ref is not None and by_email is not None and by_ref != by_email:
        raise Conflict(
            "item %(index)s: the email belongs to another customer than the external id",
            params={"index": index},
            field="email",
            index=index,
            customer_id=by_email,
        )
    existing = by_ref or by_email
    created = existing is None
    customer = Customer() if created else session.get(Customer, existing)
    assert customer is not None
    if item.display_name is not None:
        customer.display_name = item.display_name
    if item.attributes is not None:
        customer.attributes = {**customer.attributes, **item.attributes}
    customer.updated_at = utcnow()
    session.add(customer)
    session.flush()
    cid: int = customer.id  # type: ignore[assignment]
    if item.external_id and by_ref is None:
        session.add(CustomerRef(external_id=item.external_id, customer_id=cid))
    for kind, value in (("email", item.email), ("phone", item.phone)):
        if value is None:
            continue
        owner = _owner(session, kind, value)
        if owner is None:
            session.add(Identity(customer_id=cid, kind=kind, value=value))
            if getattr(customer, kind) is None:
                setattr(customer, kind, value)
        elif owner != cid:
            raise Conflict(
                "item %(index)s: the %(kind)s belongs to another customer",
                params={"index": index, "kind": kind},
                field=kind,
                index=index,
            )
    session.flush()
    return customer, created


def upsert_customers(db: Database, items: list[CustomerInput]) -> list[dict[str, Any]]:
    """Create or update every customer of the batch; [{index, customer_id, created}]."""
    check_batch(items)
    checked = [normalised_customer(item, i) for i, item in enumerate(items)]
    results = []
    with db.write() as session:
        for index, item in enumerate(checked):
            customer, created = _resolve(session, item, index)
            results.append({"index": index, "customer_id": customer.id, "created": created})
    return results


def upsert_orders(db: Database, items: list[OrderInput]) -> list[dict[str, Any]]:
    """Store every order of the batch by its external id; [{index, order_id, customer_id, status}]."""
    check_batch(items)
    seen: set[str] = set()
    for index, item in enumerate(items):
        if item.external_id in seen:
            # Each item is well formed; together they would store one order twice: a conflict.
            raise Conflict(
                "item %(index)s: the same order id twice in one batch",
                params={"index": index},
                field="external_id",
                index=index,
            )
        seen.add(item.external_id)
        if item.customer is not None:
            item.customer = normalised_customer(item.customer, index)
        elif item.customer_id is None:
            raise item_error(index, "an order needs customer_id or a customer reference", "customer_id")
    results = []
    touched: set[int] = set()
    with db.write() as session:
        for index, item in enumerate(items):
            if item.customer is not None:
                customer_id = _resolve(session, item.customer, index)[0].id
            else:
                if session.get(Customer, item.customer_id) is None:
                    raise NotFound(
                        "item %(index)s: no such customer",
                        params={"index": index},
                        field="customer_id",
                        index=index,
                    )
                customer_id = item.customer_id
            assert customer_id is not None  # a stored customer always has an id
            order = session.exec(select(Order).where(Order.external_id == item.external_id)).first()
            status = "updated" if order is not None else "created"
            if order is None:
                order = Order(
                    external_id=item.external_id,
                    customer_id=customer_id,
                    ordered_at=item.ordered_at,
                    amount=0,
                )
            else:
                session.exec(delete(OrderLine).where(col(OrderLine.order_id) == order.id))
                touched.add(order.customer_id)  # an order moved away lowers its old owner's value
            touched.add(customer_id)
            order.customer_id = customer_id
            order.ordered_at = item.ordered_at
            order.amount, order.cost = item.amount, item.cost
            order.currency, order.status = item.currency, item.status
            session.add(order)
            session.flush()
            assert order.id is not None  # the flush above gave it one
            for line in item.lines:
                session.add(
                    OrderLine(
                        order_id=order.id,
                        product_id=line.product_id,
                        quantity=line.quantity,
                        amount=line.amount,
                    )
                )
            results.append(
                {"index": index, "order_id": order.id, "customer_id": customer_id, "status": status}
            )
        refresh_lifetime_values(session, touched)
    return results


def refresh_lifetime_values(session: Session, customer_ids: set[int]) -> None:
    """Set each customer's lifetime value to the sum of their orders, in the caller's transaction.

    Recomputed from the rows rather than added up, so a resent or moved order never
    counts twice.
    """
    if not customer_ids:
        return
    totals: dict[int, float] = dict(
        session.execute(
            select(Order.customer_id, func.coalesce(func.sum(Order.amount), 0.0))
            .where(col(Order.customer_id).in_(customer_ids))
            .group_by(col(Order.customer_id))
        ).all()
    )
    for customer_id in customer_ids:
        customer = session.get(Customer, customer_id)
        if customer is not None:
            customer.lifetime_value = round(float(totals.get(customer_id, 0.0)), 2)
            session.add(customer)


def upsert_products(db: Database, products: list[dict[str, Any]]) -> int:
    """Catalogue rows by sku: name, category, price. Returns how many were written."""
    check_batch(products)
    with db.write() as session:
        for item in products:
            row = session.exec(select(Product).where(Product.sku == item["sku"])).first() or Product(
                sku=item["sku"]
            )
            for key in ("name", "category", "price"):
                if key in item:
                    setattr(row, key, item[key])
            session.add(row)
    return len(products)
