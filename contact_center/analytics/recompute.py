"""One full recompute: read orders, contacts and ratings; score, flag, mine; write once.

Runs in a worker thread (pure CPU and bulk SQL, no event loop). The scheduler and
the CLI call it; both then announce the tier changes it returns.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from contact_center.analytics import basket, churn, rfm
from repository.commerce import analytics as store
from repository.core.models import utcnow

if TYPE_CHECKING:
    from contact_center.analytics.config import AnalyticsConfig
    from repository.db import Database


@dataclass
class RecomputeReport:
    customers: int = 0
    tiers: dict[str, int] = field(default_factory=dict)
    boundaries: dict[str, float] = field(default_factory=dict)
    churn_flagged: int = 0
    rules: int = 0
    seconds: float = 0.0
    changes: list[store.TierChange] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "customers": self.customers,
            "tiers": self.tiers,
            "boundaries": {k: round(v, 4) for k, v in self.boundaries.items()},
            "churn_flagged": self.churn_flagged,
            "rules": self.rules,
            "tier_changes": len(self.changes),
            "seconds": round(self.seconds, 3),
        }


def compute(
    orders: pd.DataFrame,
    lines: pd.DataFrame,
    contacts: pd.DataFrame,
    csat: pd.DataFrame,
    as_of: float,
    config: AnalyticsConfig,
) -> tuple[dict[int, dict[str, Any]], list[basket.Rule], rfm.RfmResult]:
    """Pure part: per-customer analytics fields, rules and the RFM table."""
    scored = rfm.score(orders, as_of, config)
    flagged = churn.assess(orders, contacts, csat, as_of, config)
    lowest = config.tiers[-1][0]
    results: dict[int, dict[str, Any]] = {}
    # Buyers outside the window are the lowest tier: known customers, no recent value.
    for customer_id in orders["customer_id"].unique():
        results[int(customer_id)] = {"tier": lowest}
    for customer_id, row in scored.table.iterrows():
        results[int(customer_id)] = {
            "tier": row["tier"],
            "recency_days": float(row["recency_days"]),
            "frequency": int(row["frequency"]),
            "monetary": float(row["monetary"]),
            "r_score": int(row["r_score"]),
            "f_score": int(row["f_score"]),
            "m_score": int(row["m_score"]),
            "value_score": float(row["value_score"]),
        }
    for customer_id, (risk, reasons) in flagged.items():
        entry = results.setdefault(customer_id, {"tier": None})
        entry.update(churn_flag=True, churn_risk=risk, churn_reasons=reasons)
    return results, basket.mine(lines, config), scored


def recompute(db: Database, config: AnalyticsConfig, as_of: float | None = None) -> RecomputeReport:
    started = time.perf_counter()
    now = utcnow()
    as_of = now.timestamp() if as_of is None else as_of
    orders = pd.DataFrame(store.load_orders(db), columns=["customer_id", "ordered_at", "amount", "cost"])
    lines = pd.DataFrame(store.load_lines(db), columns=["order_id", "product_id"])
    contacts = pd.DataFrame(store.load_contacts(db), columns=["customer_id", "created_at"])
    csat = pd.DataFrame(store.load_csat(db), columns=["customer_id", "at", "score"])
    results, rules, scored = compute(orders, lines, contacts, csat, as_of, config)
    changes = store.save_results(
        db,
        results,
        [
            {
                "antecedents": list(r.antecedents),
                "consequent": r.consequent,
                "support": r.support,
                "confidence": r.confidence,
                "lift": r.lift,
            }
            for r in rules
        ],
        now,
    )
    tiers: dict[str, int] = {}
    for fields in results.values():
        if fields.get("tier"):
            tiers[fields["tier"]] = tiers.get(fields["tier"], 0) + 1
    return RecomputeReport(
        customers=len(results),
        tiers=tiers,
        boundaries=scored.boundaries,
        churn_flagged=sum(1 for f in results.values() if f.get("churn_flag")),
        rules=len(rules),
        seconds=time.perf_counter() - started,
        changes=changes,
    )
