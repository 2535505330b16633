"""One-to-one offers: what this customer is likely to want next, from the mined rules.

A rule applies when the customer already bought every antecedent and not yet the
consequent. Each product is offered once, under its strongest rule (lift, then
confidence). It is an **up-sell** when the catalogue says it is in the same category
as something that triggered it and costs more; otherwise a **cross-sell**.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, select

from repository.commerce.models import AssociationRule, Order, OrderLine, Product

if TYPE_CHECKING:
    from repository.db import Database


def suggest_for(db: Database, customer_id: int, limit: int = 5) -> list[dict[str, Any]]:
    """The best ``limit`` products to offer ``customer_id``, with confidence and lift."""
    with db.read() as session:
        return suggest_in(session, customer_id, limit)


def suggest_in(session: Session, customer_id: int, limit: int = 5) -> list[dict[str, Any]]:
    """:func:`suggest_for` inside a read the caller already holds (the desktop's context panel)."""
    bought = set(
        session.exec(
            select(OrderLine.product_id)
            .join(Order, col(Order.id) == col(OrderLine.order_id))
            .where(Order.customer_id == customer_id)
        ).all()
    )
    if not bought:
        return []
    rules = session.exec(select(AssociationRule).where(col(AssociationRule.consequent).not_in(bought))).all()
    best: dict[str, AssociationRule] = {}
    for rule in rules:
        if not set(rule.antecedents) <= bought:
            continue
        current = best.get(rule.consequent)
        if current is None or (rule.lift, rule.confidence) > (current.lift, current.confidence):
            best[rule.consequent] = rule
    chosen = sorted(best.values(), key=lambda r: (-r.lift, -r.confidence, r.consequent))[:limit]
    skus = {r.consequent for r in chosen} | {a for r in chosen for a in r.antecedents}
    catalogue = {p.sku: p for p in session.exec(select(Product).where(col(Product.sku).in_(skus))).all()}
    return [_offer(rule, catalogue) for rule in chosen]


def _offer(rule: AssociationRule, catalogue: dict[str, Product]) -> dict[str, Any]:
    product = catalogue.get(rule.consequent)
    kind = "cross-sell"
    if product is not None and product.price is not None:
        for sku in rule.antecedents:
            source = catalogue.get(sku)
            if (
                source is not None
                and source.category
                and source.category == product.category
                and source.price is not None
                and product.price > source.price
            ):
                kind = "up-sell"
    return {
        "product_id": rule.consequent,
        "name": product.name if product is not None and product.name else rule.consequent,
        "kind": kind,
        "because": list(rule.antecedents),
        "confidence": round(rule.confidence, 3),
        "lift": round(rule.lift, 2),
        "support": round(rule.support, 4),
    }
