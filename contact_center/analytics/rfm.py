"""RFM value scoring: recency, frequency and monetary value over a window, cut into tiers.

Each of R, F and M becomes a percentile rank among the customers who ordered in the
window (recency inverted: recent is good), with ties sharing their average rank. The
value score is the weighted mean of the three ranks, and tiers are cut at quantiles
of that score, so "platinum:0.95" is the top 5 % of buyers. Scores 1-5 per letter
are the usual RFM cells, shown to people; the tier comes from the continuous score
so that few ties blur the cuts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from contact_center.analytics.config import AnalyticsConfig

DAY = 86_400.0


@dataclass(frozen=True)
class RfmResult:
    """One row per customer who ordered in the window, indexed by customer id."""

    table: pd.DataFrame  # recency_days, frequency, monetary, r/f/m_score, value_score, tier
    boundaries: dict[str, float]  # tier → lowest value score that reaches it


def quintile(pct: pd.Series) -> pd.Series:
    """A percentile rank in (0, 1] as a score from 1 to 5."""
    return np.clip(np.ceil(pct * 5), 1, 5).astype(int)


def score(orders: pd.DataFrame, as_of: float, config: AnalyticsConfig) -> RfmResult:
    """``orders`` has customer_id, ordered_at (epoch seconds), amount, cost."""
    start = as_of - config.window_days * DAY
    window = orders[(orders["ordered_at"] > start) & (orders["ordered_at"] <= as_of)]
    if window.empty:
        return RfmResult(pd.DataFrame(columns=_COLUMNS).rename_axis("customer_id"), {})
    value = window["amount"] - window["cost"] if config.value_basis == "profit" else window["amount"]
    grouped = window.assign(value=value).groupby("customer_id")
    table = pd.DataFrame(
        {
            "recency_days": (as_of - grouped["ordered_at"].max()) / DAY,
            "frequency": grouped.size(),
            "monetary": grouped["value"].sum(),
        }
    )
    r_pct = (-table["recency_days"]).rank(pct=True, method="average")
    f_pct = table["frequency"].rank(pct=True, method="average")
    m_pct = table["monetary"].rank(pct=True, method="average")
    table["r_score"] = quintile(r_pct)
    table["f_score"] = quintile(f_pct)
    table["m_score"] = quintile(m_pct)
    wr, wf, wm = config.weights
    table["value_score"] = (wr * r_pct + wf * f_pct + wm * m_pct) / (wr + wf + wm)
    boundaries, table["tier"] = cut_tiers(table["value_score"].to_numpy(), config.tiers)
    return RfmResult(table, boundaries)


def cut_tiers(scores: np.ndarray, tiers: tuple[tuple[str, float], ...]) -> tuple[dict[str, float], list[str]]:
    """Each score's tier: the highest tier whose quantile boundary it reaches."""
    boundaries = {name: float(np.quantile(scores, q)) if q > 0 else -np.inf for name, q in tiers}
    labels = np.full(len(scores), tiers[-1][0], dtype=object)
    assigned = np.zeros(len(scores), dtype=bool)
    for name, _ in tiers[:-1]:
        hit = (scores >= boundaries[name]) & ~assigned
        labels[hit] = name
        assigned |= hit
    return {k: v for k, v in boundaries.items() if np.isfinite(v)}, list(labels)


_COLUMNS = ["recency_days", "frequency", "monetary", "r_score", "f_score", "m_score", "value_score", "tier"]
