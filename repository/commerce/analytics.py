"""The analytics recompute's reads and its one write, and the per-customer analytics view.

The recompute reads plain columns in bulk (tens of thousands of rows), computes
outside any transaction, then writes every result in one transaction: the
``customer_analytics`` table and the rules are replaced, and ``Customer.tier`` /
``Customer.churn_risk`` change only where the answer changed, so the caller learns
exactly which tiers moved and can announce them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, insert, update
from sqlmodel import Session, col, select

from repository.commerce.models import AssociationRule, CustomerAnalytics, Order, OrderLine
from repository.commerce.orders import recent_orders
from repository.commerce.suggestions import suggest_in
from repository.core.models import Customer, Interaction

if TYPE_CHECKING:
    from datetime import datetime

    from repository.db import Database


@dataclass(frozen=True)
class TierChange:
    customer_id: int
    old_tier: str
    new_tier: str
    churn_risk: float


# Every inserted row names every column: executemany batches rows by their set of keys.
_DEFAULTS: dict[str, Any] = {
    "recency_days": None,
    "frequency": 0,
    "monetary": 0.0,
    "r_score": 0,
    "f_score": 0,
    "m_score": 0,
    "value_score": 0.0,
    "churn_flag": False,
    "churn_risk": 0.0,
    "churn_reasons": [],
}


def _epoch(rows: Sequence[Any], at: int) -> list[tuple[Any, ...]]:
    return [(*row[:at], row[at].timestamp(), *row[at + 1 :]) for row in rows]


def load_orders(db: Database) -> list[tuple[int, float, float, float]]:
    """(customer_id, ordered_at epoch, amount, cost) of every order."""
    with db.read() as session:
        rows = session.execute(select(Order.customer_id, Order.ordered_at, Order.amount, Order.cost)).all()
    return _epoch(rows, 1)


def load_lines(db: Database) -> list[tuple[int, str]]:
    """(order_id, product_id) of every order line."""
    with db.read() as session:
        return [tuple(r) for r in session.execute(select(OrderLine.order_id, OrderLine.product_id)).all()]


def load_contacts(db: Database) -> list[tuple[int, float]]:
    """(customer_id, created_at epoch) of every interaction."""
    with db.read() as session:
        rows = session.execute(select(Interaction.customer_id, Interaction.created_at)).all()
    return _epoch(rows, 1)


def load_csat(db: Database) -> list[tuple[int, float, int]]:
    """(customer_id, rated-at epoch, score) of every rated interaction."""
    with db.read() as session:
        rows = session.execute(
            select(Interaction.customer_id, Interaction.ended_at, Interaction.csat_score).where(
                col(Interaction.csat_score).is_not(None),
                col(Interaction.ended_at).is_not(None),
            )
        ).all()
    return _epoch(rows, 1)


def save_results(
    db: Database, results: dict[int, dict[str, Any]], rules: list[dict[str, Any]], computed_at: datetime
) -> list[TierChange]:
    """Replace every analytics row and rule; mirror tier and churn risk onto customers.

    ``results`` maps customer id → CustomerAnalytics fields (tier None: keep the tier).
    A customer analysed last time but not now keeps their tier and loses the churn flag.
    """
    changes: list[TierChange] = []
    with db.write() as session:
        previous = set(session.execute(select(CustomerAnalytics.customer_id)).scalars())
        current = {
            cid: (tier, risk)
            for cid, tier, risk in session.execute(
                select(Customer.id, Customer.tier, Customer.churn_risk)
            ).all()
        }
        rows, updates = [], []
        for customer_id, fields in results.items():
            if customer_id not in current:
                continue  # deleted meanwhile
            old_tier, old_risk = current[customer_id]
            tier = fields.get("tier") or old_tier
            risk = float(fields.get("churn_risk", 0.0))
            rows.append(
                {**_DEFAULTS, **fields, "customer_id": customer_id, "tier": tier, "computed_at": computed_at}
            )
            if tier != old_tier or abs(risk - old_risk) > 1e-9:
                updates.append(
                    {"id": customer_id, "tier": tier, "churn_risk": risk, "updated_at": computed_at}
                )
            if tier != old_tier:
                changes.append(TierChange(customer_id, old_tier, tier, risk))
        for customer_id in previous - set(results):
            if customer_id in current and current[customer_id][1] != 0.0:
                updates.append(
                    {
                        "id": customer_id,
                        "tier": current[customer_id][0],
                        "churn_risk": 0.0,
                        "updated_at": computed_at,
                    }
                )
        session.execute(delete(CustomerAnalytics))
        if rows:
            session.execute(insert(CustomerAnalytics), rows)
        if updates:
            session.execute(update(Customer), updates)
        session.execute(delete(AssociationRule))
        if rules:
            session.execute(insert(AssociationRule), [{**r, "computed_at": computed_at} for r in rules])
    return changes


def analytics_dict(row: CustomerAnalytics | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        "tier": row.tier,
        "recency_days": None if row.recency_days is None else round(row.recency_days, 1),
        "frequency": row.frequency,
        "monetary": round(row.monetary, 2),
        "rfm": f"{row.r_score}{row.f_score}{row.m_score}" if row.r_score else None,
        "r_score": row.r_score,
        "f_score": row.f_score,
        "m_score": row.m_score,
        "value_score": round(row.value_score, 4),
        "churn_flag": row.churn_flag,
        "churn_risk": row.churn_risk,
        "churn_reasons": row.churn_reasons,
        "computed_at": row.computed_at.isoformat(),
    }


def commerce_context(session: Session, customer_id: int) -> dict[str, Any]:
    """What the agent's context panel adds: analytics with reasons, last orders, offers."""
    return {
        "analytics": analytics_dict(session.get(CustomerAnalytics, customer_id)),
        "orders": recent_orders(session, customer_id),
        "offers": suggest_in(session, customer_id),
    }


def last_computed_at(db: Database) -> datetime | None:
    with db.read() as session:
        return session.execute(select(CustomerAnalytics.computed_at).limit(1)).scalar()


def customer_analytics(db: Database, customer_id: int) -> dict[str, Any]:
    """Everything the analytics know about one customer; NotFound for an unknown id."""
    from repository.errors import NotFound

    with db.read() as session:
        customer = session.get(Customer, customer_id)
        if customer is None:
            raise NotFound("no such customer", customer_id=customer_id)
        extra = commerce_context(session, customer_id)
    return {"customer_id": customer_id, "tier": customer.tier, "churn_risk": customer.churn_risk, **extra}
