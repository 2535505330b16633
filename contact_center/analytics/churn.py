"""Churn risk: a customer drifting away from their own habits, or unhappy lately.

Three signals, each judged against the customer's own history rather than everyone's:

- **purchase gap**: with at least ``churn_min_events`` orders, the average gap between
  them is (last − first) / (n − 1). Silence longer than ``churn_gap_factor`` gaps (and
  at least ``churn_min_silence_days``) flags the customer: "orders every 12 days on
  average, none for 95 days". Risk = 1 − gap / silence, so 3 gaps of silence is 0.67.
- **purchase rate drop**: the order rate of the last ``churn_recent_days`` fell below
  ``churn_rate_drop`` of the rate before them (still buying, but much less).
- **contact gap**: the same rhythm test on interactions, for customers who talk to us
  regularly and stopped.
- **low CSAT**: the ratings of the last ``churn_csat_days`` average ``churn_csat_max``
  or less.

The flag is any signal; ``churn_risk`` is the strongest signal's risk in [0, 1].
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from contact_center.analytics.reasons import reason_text
from contact_center.analytics.rfm import DAY

if TYPE_CHECKING:
    from contact_center.analytics.config import AnalyticsConfig

MONTH_DAYS = 30.4375


def _rhythm(events: pd.DataFrame, column: str, as_of: float) -> pd.DataFrame:
    """Per customer: count, average gap and silence in days, from event times."""
    past = events[events[column] <= as_of]
    grouped = past.groupby("customer_id")[column]
    first, last, count = grouped.min(), grouped.max(), grouped.size()
    gap = (last - first) / DAY / np.maximum(count - 1, 1)
    return pd.DataFrame({"count": count, "avg_gap": gap, "silent": (as_of - last) / DAY, "first": first})


def _gap_signals(
    events: pd.DataFrame, column: str, code: str, as_of: float, config: AnalyticsConfig
) -> dict[int, tuple[float, dict[str, Any]]]:
    rhythm = _rhythm(events, column, as_of)
    habit = rhythm[(rhythm["count"] >= config.churn_min_events) & (rhythm["avg_gap"] > 0)]
    hit = habit[
        (habit["silent"] > config.churn_gap_factor * habit["avg_gap"])
        & (habit["silent"] >= config.churn_min_silence_days)
    ]
    out: dict[int, tuple[float, dict[str, Any]]] = {}
    for customer_id, row in hit.iterrows():
        params = {
            "avg_gap_days": round(float(row["avg_gap"]), 3),
            "silent_days": round(float(row["silent"]), 3),
        }
        risk = float(np.clip(1 - row["avg_gap"] / row["silent"], 0, 1))
        out[int(customer_id)] = (risk, {"code": code, "params": params})
    return out


def _rate_drop_signals(
    orders: pd.DataFrame, as_of: float, config: AnalyticsConfig
) -> dict[int, tuple[float, dict[str, Any]]]:
    recent_start = as_of - config.churn_recent_days * DAY
    past = orders[orders["ordered_at"] <= as_of]
    before = (
        past[past["ordered_at"] <= recent_start].groupby("customer_id")["ordered_at"].agg(["min", "size"])
    )
    recent = past[past["ordered_at"] > recent_start].groupby("customer_id").size()
    before = before[before["size"] >= config.churn_min_events]
    span_days = (recent_start - before["min"]) / DAY
    # Only customers with history long enough to have a rate worth comparing.
    before = before[span_days >= config.churn_recent_days]
    rate_before = before["size"] / ((recent_start - before["min"]) / DAY) * MONTH_DAYS
    rate_recent = recent.reindex(before.index, fill_value=0) / config.churn_recent_days * MONTH_DAYS
    expected = rate_before / MONTH_DAYS * config.churn_recent_days
    hit = (rate_recent < config.churn_rate_drop * rate_before) & (expected >= config.churn_rate_min_expected)
    out: dict[int, tuple[float, dict[str, Any]]] = {}
    for customer_id in before.index[hit]:
        rb, rr = float(rate_before[customer_id]), float(rate_recent[customer_id])
        params = {
            "rate_before": round(rb, 2),
            "rate_recent": round(rr, 2),
            "recent_days": config.churn_recent_days,
        }
        out[int(customer_id)] = (
            float(np.clip(1 - rr / rb, 0, 1)) * 0.9,
            {"code": "purchase_rate_drop", "params": params},
        )
    return out


def _csat_signals(
    csat: pd.DataFrame, as_of: float, config: AnalyticsConfig
) -> dict[int, tuple[float, dict[str, Any]]]:
    recent = csat[(csat["at"] > as_of - config.churn_csat_days * DAY) & (csat["at"] <= as_of)]
    grouped = recent.groupby("customer_id")["score"].agg(["mean", "size"])
    out: dict[int, tuple[float, dict[str, Any]]] = {}
    for customer_id, row in grouped[grouped["mean"] <= config.churn_csat_max].iterrows():
        avg = float(row["mean"])
        params = {"count": int(row["size"]), "avg_score": round(avg, 2)}
        out[int(customer_id)] = (
            float(np.clip(0.9 - 0.2 * (avg - 1), 0, 1)),
            {"code": "low_csat", "params": params},
        )
    return out


def assess(
    orders: pd.DataFrame,
    contacts: pd.DataFrame,
    csat: pd.DataFrame,
    as_of: float,
    config: AnalyticsConfig,
) -> dict[int, tuple[float, list[dict[str, Any]]]]:
    """customer id → (risk, reasons) for every flagged customer; reasons strongest first.

    ``orders``: customer_id, ordered_at; ``contacts``: customer_id, created_at;
    ``csat``: customer_id, at, score. Times are epoch seconds.
    """
    purchase_gap = _gap_signals(orders, "ordered_at", "purchase_gap", as_of, config)
    signals = [
        purchase_gap,
        # A silent customer's rate also dropped; the gap says it better, so say it once.
        {k: v for k, v in _rate_drop_signals(orders, as_of, config).items() if k not in purchase_gap},
        _gap_signals(contacts, "created_at", "contact_gap", as_of, config),
        _csat_signals(csat, as_of, config),
    ]
    flagged: dict[int, list[tuple[float, dict[str, Any]]]] = {}
    for found in signals:
        for customer_id, hit in found.items():
            flagged.setdefault(customer_id, []).append(hit)
    out: dict[int, tuple[float, list[dict[str, Any]]]] = {}
    for customer_id, hits in flagged.items():
        hits.sort(key=lambda h: -h[0])
        reasons = [{**reason, "text": reason_text(reason["code"], reason["params"])} for _, reason in hits]
        out[customer_id] = (round(hits[0][0], 3), reasons)
    return out
