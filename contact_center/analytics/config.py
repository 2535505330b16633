"""What the analytics recompute is told: window, tier cuts, value basis, churn thresholds."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from repository.errors import InvalidInput

if TYPE_CHECKING:
    from config import Settings

DEFAULT_TIERS = "platinum:0.95,gold:0.80,silver:0.50,bronze"


def parse_tier_quantiles(text: str) -> tuple[tuple[str, float], ...]:
    """``"platinum:0.95,gold:0.80,silver:0.50,bronze"`` → ((name, lower quantile), …).

    Each tier holds the customers whose value score is at or above that quantile of
    all scores and below the previous tier's; the last name, with no number, takes
    everyone else (quantile 0).
    """
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if len(parts) < 2:
        raise InvalidInput("tier quantiles need at least two tiers", field="tiers")
    tiers: list[tuple[str, float]] = []
    for index, part in enumerate(parts):
        name, sep, number = part.partition(":")
        name = name.strip().lower()
        if not name.isascii() or not name.replace("_", "").isalnum() or len(name) > 20:
            raise InvalidInput("not a tier name: %(name)r", params={"name": name}, field="tiers")
        last = index == len(parts) - 1
        if last:
            if sep:
                raise InvalidInput("the last tier takes everyone else and has no quantile", field="tiers")
            tiers.append((name, 0.0))
            continue
        try:
            quantile = float(number)
        except ValueError as exc:
            raise InvalidInput(
                "tier %(name)s needs a quantile such as %(name)s:0.8", params={"name": name}, field="tiers"
            ) from exc
        if not 0.0 < quantile < 1.0 or (tiers and quantile >= tiers[-1][1]):
            raise InvalidInput("tier quantiles are between 0 and 1, highest tier first", field="tiers")
        tiers.append((name, quantile))
    if len({n for n, _ in tiers}) != len(tiers):
        raise InvalidInput("tier names must differ", field="tiers")
    return tuple(tiers)


@dataclass(frozen=True)
class AnalyticsConfig:
    window_days: int = 365
    tiers: tuple[tuple[str, float], ...] = field(default_factory=lambda: parse_tier_quantiles(DEFAULT_TIERS))
    # "revenue" scores what customers spend, "profit" what they leave after cost.
    value_basis: str = "revenue"
    # Weights of the recency, frequency and monetary percentile ranks in the value score.
    weights: tuple[float, float, float] = (1.0, 1.0, 1.0)
    # Churn: at least this many orders (or contacts) before a rhythm counts as a habit.
    churn_min_events: int = 4
    # Silence longer than this many average gaps is "well below the customer's own history".
    churn_gap_factor: float = 3.0
    churn_min_silence_days: float = 30.0
    # Rate drop: the last ``churn_recent_days`` against the rate before them.
    churn_recent_days: float = 90.0
    churn_rate_drop: float = 0.33
    # ... and only when the old rate promised this many orders in that span: one missing
    # order of a twice-a-year buyer is noise, not a drop.
    churn_rate_min_expected: float = 3.0
    churn_csat_days: float = 90.0
    churn_csat_max: float = 2.0
    # Association rules.
    min_support: float = 0.005
    min_confidence: float = 0.1
    min_lift: float = 1.2
    max_rules: int = 500

    @classmethod
    def from_settings(cls, settings: Settings) -> AnalyticsConfig:
        basis = settings.analytics_value_basis.strip().lower()
        if basis not in ("revenue", "profit"):
            raise ValueError("ANALYTICS_VALUE_BASIS is revenue or profit")
        if settings.analytics_window_days < 1:
            raise ValueError("ANALYTICS_WINDOW_DAYS must be at least 1")
        return cls(
            window_days=settings.analytics_window_days,
            tiers=parse_tier_quantiles(settings.analytics_tier_quantiles),
            value_basis=basis,
        )

    @property
    def tier_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.tiers)
