"""Churn reasons as people read them. Stored as a code with numbers; worded at read time.

The agent desktop words the same codes itself with ``t()`` (agent-analytics.js), so
each agent reads them in their own language; these are the server's wordings for
the API, the CLI and the stored English text.
"""

from __future__ import annotations

from typing import Any

from contact_center.i18n import _


def _days(value: Any) -> str:
    return f"{float(value):.0f}"


def reason_text(code: str, params: dict[str, Any]) -> str:
    """One churn reason in the current locale."""
    if code == "purchase_gap":
        return _(
            "orders every %(gap)s days on average, none for %(silent)s days",
            gap=_days(params["avg_gap_days"]),
            silent=_days(params["silent_days"]),
        )
    if code == "purchase_rate_drop":
        before, recent = (f"{params[key]:.1f}" for key in ("rate_before", "rate_recent"))
        return _(
            "ordered %(before)s times a month before, %(recent)s a month in the last %(days)s days",
            before=before,
            recent=recent,
            days=_days(params["recent_days"]),
        )
    if code == "contact_gap":
        return _(
            "contacted us every %(gap)s days on average, not for %(silent)s days",
            gap=_days(params["avg_gap_days"]),
            silent=_days(params["silent_days"]),
        )
    if code == "low_csat":
        score = f"{params['avg_score']:.1f}"
        return _(
            "rated the last %(count)s conversations %(score)s of 5 on average",
            count=str(params["count"]),
            score=score,
        )
    return code
