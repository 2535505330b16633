"""A seeded synthetic shop: 5,000 customers, 50,000 orders, planted pairs and droppers.

What is planted, and so what the analytics must find:

- ``PAIRS``: when an order holds the first product, the second joins it with
  probability ``PAIR_PROBABILITY``. These must be the top rules by lift.
- droppers: regular buyers (an order every 7-20 days) who stopped 4-8 of their own
  gaps before ``AS_OF``. They must be flagged with the purchase-gap reason.
- everyone else buys at a steady rhythm (gamma-distributed gaps, shape 8) right up
  to ``AS_OF``, so a flag among them is a false positive.
- ``LOW_CSAT``: customers whose recent conversations were rated 1 or 2.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy import insert

from repository.commerce.models import Order, OrderLine, Product
from repository.core.models import Customer, Interaction

if TYPE_CHECKING:
    from repository.db import Database

AS_OF = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)
DAY = 86_400.0
PRODUCTS = [f"P{i:03d}" for i in range(200)]
PAIRS = [("P001", "P002"), ("P010", "P011"), ("P050", "P051"), ("P120", "P121")]
PAIR_PROBABILITY = 0.7


@dataclass
class Shop:
    customers: int
    # Per order: customer index (0-based), epoch seconds, amount, cost; lines: order index, product.
    order_customer: np.ndarray
    order_time: np.ndarray
    order_amount: np.ndarray
    order_cost: np.ndarray
    line_order: np.ndarray
    line_product: list[str]
    line_amount: np.ndarray
    droppers: dict[int, tuple[float, float]] = field(default_factory=dict)  # index → (gap, silence)
    low_csat: list[int] = field(default_factory=list)
    prices: dict[str, float] = field(default_factory=dict)


def generate(customers: int = 5000, orders: int = 50_000, seed: int = 20261201) -> Shop:
    rng = np.random.default_rng(seed)
    as_of = AS_OF.timestamp()
    dropper_ids = set(rng.choice(customers, size=customers // 25, replace=False).tolist())
    # Orders per customer: at least 5, the rest spread unevenly (some buy far more).
    weights = rng.lognormal(0.0, 0.6, customers)
    counts = 5 + np.floor(weights / weights.sum() * (orders - 5 * customers)).astype(int)
    counts[rng.choice(customers, size=orders - counts.sum(), replace=False)] += 1
    times: list[np.ndarray] = []
    droppers: dict[int, tuple[float, float]] = {}
    for c in range(customers):
        n = int(counts[c])
        if c in dropper_ids:
            gap = rng.uniform(7, 20)
            silence = max(gap * rng.uniform(4, 8), 45.0)
            end = as_of - silence * DAY
        else:
            gap = float(np.clip(rng.lognormal(np.log(25), 0.5), 5, 60))
            end = as_of - rng.uniform(0, 1.0) * gap * DAY
        gaps = rng.gamma(8.0, gap / 8.0, n - 1) * DAY
        stamps = end - np.concatenate([[0.0], np.cumsum(gaps)])[::-1]
        if c in dropper_ids:
            # The planted truth is what was generated, measured the way a shop would see it.
            droppers[c] = ((stamps[-1] - stamps[0]) / DAY / (n - 1), (as_of - stamps[-1]) / DAY)
        times.append(stamps)
    order_customer = np.repeat(np.arange(customers), counts)
    order_time = np.concatenate(times)
    prices = {p: round(float(rng.uniform(5, 120)), 2) for p in PRODUCTS}
    popularity = 1.0 / np.arange(1, len(PRODUCTS) + 1) ** 0.3
    popularity /= popularity.sum()
    line_order: list[int] = []
    line_product: list[str] = []
    for o in range(len(order_time)):
        k = int(rng.integers(1, 4))
        basket = set(rng.choice(PRODUCTS, size=k, replace=False, p=popularity).tolist())
        if rng.random() < 0.04:
            basket.add(PAIRS[int(rng.integers(len(PAIRS)))][0])
        for a, b in PAIRS:
            if a in basket and rng.random() < PAIR_PROBABILITY:
                basket.add(b)
        for product in sorted(basket):
            line_order.append(o)
            line_product.append(product)
    line_amount = np.array([prices[p] for p in line_product]) * rng.integers(1, 3, len(line_product))
    order_amount = np.bincount(np.array(line_order), weights=line_amount, minlength=len(order_time))
    order_cost = order_amount * rng.uniform(0.5, 0.8, len(order_time))
    pool = [c for c in range(customers) if c not in dropper_ids]
    low_csat = sorted(rng.choice(pool, size=30, replace=False).tolist())
    return Shop(
        customers,
        order_customer,
        order_time,
        order_amount,
        order_cost,
        np.array(line_order),
        line_product,
        line_amount,
        droppers,
        low_csat,
        prices,
    )


def load(db: Database, shop: Shop) -> list[int]:
    """Write the shop into the CCR with bulk inserts; returns customer ids by index."""
    as_of = AS_OF
    with db.write() as session:
        session.execute(
            insert(Customer),
            [
                {"display_name": f"Customer {c}", "attributes": {}, "tier": "standard"}
                for c in range(shop.customers)
            ],
        )
    with db.read() as session:
        ids = [
            i
            for (i,) in session.execute(
                Customer.__table__.select().with_only_columns(Customer.id).order_by(Customer.id)
            )
        ]  # type: ignore[attr-defined]
    with db.write() as session:
        session.execute(
            insert(Product),
            [
                {"sku": p, "name": f"Product {p}", "category": "", "price": price}
                for p, price in shop.prices.items()
            ],
        )
        session.execute(
            insert(Order),
            [
                {
                    "external_id": f"ord-{o}",
                    "customer_id": ids[int(shop.order_customer[o])],
                    "ordered_at": datetime.fromtimestamp(float(shop.order_time[o]), UTC),
                    "amount": round(float(shop.order_amount[o]), 2),
                    "cost": round(float(shop.order_cost[o]), 2),
                    "currency": "EUR",
                    "status": "placed",
                }
                for o in range(len(shop.order_time))
            ],
        )
    with db.read() as session:
        order_ids = [
            i
            for (i,) in session.execute(
                Order.__table__.select().with_only_columns(Order.id).order_by(Order.id)
            )
        ]  # type: ignore[attr-defined]
    with db.write() as session:
        session.execute(
            insert(OrderLine),
            [
                {"order_id": order_ids[int(o)], "product_id": p, "quantity": 1, "amount": float(a)}
                for o, p, a in zip(shop.line_order, shop.line_product, shop.line_amount, strict=True)
            ],
        )
        rows = []
        for n, c in enumerate(shop.low_csat):
            for k, score in enumerate((1, 2)):
                ended = as_of - timedelta(days=5 + 10 * k)
                rows.append(
                    {
                        "customer_id": ids[c],
                        "channel": "chat",
                        "thread_key": f"csat-{n}-{k}",
                        "status": "closed",
                        "priority": 0,
                        "subject": "",
                        "offer_count": 0,
                        "declined_by": [],
                        "created_at": ended,
                        "queued_at": ended,
                        "ended_at": ended,
                        "closed_at": ended,
                        "csat_score": score,
                    }
                )
        session.execute(insert(Interaction), rows)
    return ids
