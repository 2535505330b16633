"""Customer-value analytics: RFM tiers, churn risk with reasons, association rules.

See docs/analytics.md. Suggestions for one customer are read in
:mod:`repository.commerce.suggestions`, because the customer context (a repository query)
shows them.
"""

from __future__ import annotations

from contact_center.analytics.config import AnalyticsConfig, parse_tier_quantiles
from contact_center.analytics.recompute import RecomputeReport, compute, recompute
from contact_center.analytics.scheduler import AnalyticsScheduler, announce, recompute_and_announce

__all__ = [
    "AnalyticsConfig",
    "AnalyticsScheduler",
    "RecomputeReport",
    "announce",
    "compute",
    "parse_tier_quantiles",
    "recompute",
    "recompute_and_announce",
]
