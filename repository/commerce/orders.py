"""Orders as the desk and other systems read them: one order, a customer's recent ones."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, select

from repository.commerce.models import Order, OrderLine
from repository.errors import NotFound

if TYPE_CHECKING:
    from repository.db import Database


def order_dict(order: Order, lines: list[OrderLine]) -> dict[str, Any]:
    return {
        "id": order.id,
        "external_id": order.external_id,
        "customer_id": order.customer_id,
        "ordered_at": order.ordered_at.isoformat(),
        "amount": order.amount,
        "cost": order.cost,
        "currency": order.currency,
        "status": order.status,
        "lines": [
            {"product_id": line.product_id, "quantity": line.quantity, "amount": line.amount}
            for line in lines
        ],
    }


def recent_orders(session: Session, customer_id: int, limit: int = 5) -> list[dict[str, Any]]:
    orders = session.exec(
        select(Order)
        .where(Order.customer_id == customer_id)
        .order_by(col(Order.ordered_at).desc(), col(Order.id).desc())
        .limit(limit)
    ).all()
    ids = [o.id for o in orders]
    lines: dict[int, list[OrderLine]] = {}
    if ids:
        for line in session.exec(
            select(OrderLine).where(col(OrderLine.order_id).in_(ids)).order_by(col(OrderLine.id))
        ).all():
            lines.setdefault(line.order_id, []).append(line)
    return [order_dict(o, lines.get(o.id, [])) for o in orders]  # type: ignore[arg-type]


def get_order(db: Database, external_id: str) -> dict[str, Any]:
    with db.read() as session:
        order = session.exec(select(Order).where(Order.external_id == external_id)).first()
        if order is None:
            raise NotFound("no such order", external_id=external_id[:120])
        lines = list(
            session.exec(
                select(OrderLine).where(col(OrderLine.order_id) == order.id).order_by(col(OrderLine.id))
            ).all()
        )
    return order_dict(order, lines)
