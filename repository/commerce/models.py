"""Tables for back-end integration and customer-value analytics.

Orders and their lines arrive from ERP and shop systems (API or CSV import) and are
idempotent by the sender's own order id. Analytics results are a derived table,
rewritten by every recompute; ``Customer.tier`` and ``Customer.churn_risk`` mirror
them so routing and every existing view keep reading one place.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from repository.core.models import utcnow


class CustomerRef(SQLModel, table=True):
    """The id another system (ERP, shop) knows a customer by."""

    __tablename__ = "customer_refs"
    id: int | None = Field(default=None, primary_key=True)
    external_id: str = Field(max_length=120, unique=True)
    customer_id: int = Field(foreign_key="customers.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)


class Product(SQLModel, table=True):
    """Optional catalogue data: names, categories and prices make suggestions readable."""

    __tablename__ = "products"
    id: int | None = Field(default=None, primary_key=True)
    sku: str = Field(max_length=120, unique=True)
    name: str = Field(default="", max_length=200)
    category: str = Field(default="", max_length=120)
    price: float | None = None


class Order(SQLModel, table=True):
    __tablename__ = "orders"
    __table_args__ = (Index("ix_orders_customer_date", "customer_id", "ordered_at"),)
    id: int | None = Field(default=None, primary_key=True)
    external_id: str = Field(max_length=120, unique=True)
    customer_id: int = Field(foreign_key="customers.id")
    ordered_at: datetime
    amount: float
    cost: float = 0.0
    currency: str = Field(default="EUR", max_length=3)
    status: str = Field(default="placed", max_length=20)
    created_at: datetime = Field(default_factory=utcnow)


class OrderLine(SQLModel, table=True):
    __tablename__ = "order_lines"
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="orders.id", index=True)
    product_id: str = Field(max_length=120, index=True)
    quantity: int = 1
    amount: float = 0.0


class CustomerAnalytics(SQLModel, table=True):
    """The newest RFM scores, tier and churn verdict of one customer, with the why."""

    __tablename__ = "customer_analytics"
    customer_id: int = Field(foreign_key="customers.id", primary_key=True)
    tier: str = Field(max_length=20)
    recency_days: float | None = None
    frequency: int = 0
    monetary: float = 0.0
    r_score: int = 0
    f_score: int = 0
    m_score: int = 0
    value_score: float = 0.0
    churn_flag: bool = False
    churn_risk: float = 0.0
    # [{"code": "purchase_gap", "params": {...}, "text": "orders every 12 days…"}]
    churn_reasons: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    computed_at: datetime = Field(default_factory=utcnow)


class AssociationRule(SQLModel, table=True):
    """ "Who bought the antecedents also bought the consequent", mined from order baskets."""

    __tablename__ = "association_rules"
    id: int | None = Field(default=None, primary_key=True)
    antecedents: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    consequent: str = Field(max_length=120, index=True)
    support: float
    confidence: float
    lift: float
    computed_at: datetime = Field(default_factory=utcnow)
