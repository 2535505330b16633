"""Customer-value analytics over the API: recompute on demand, read one customer's analysis."""

from __future__ import annotations

from typing import Any

from contact_center.analytics.reasons import reason_text
from contact_center.analytics.scheduler import recompute_and_announce
from contact_center.api.endpoint import Call, Endpoint
from contact_center.api.schema_collections import FreeObject, ListOf
from contact_center.api.schema_objects import Obj
from contact_center.api.schema_scalars import Int, Num, Str
from repository.commerce.analytics import customer_analytics

REPORT = Obj(
    name="RecomputeReport",
    fields={
        "customers": Int(minimum=0),
        "tiers": FreeObject(description="tier → customers"),
        "boundaries": FreeObject(description="tier → lowest value score reaching it"),
        "churn_flagged": Int(minimum=0),
        "rules": Int(minimum=0),
        "tier_changes": Int(minimum=0),
        "seconds": Num(minimum=0),
    },
)
ANALYSIS = Obj(
    name="CustomerAnalysis",
    fields={
        "customer_id": Int(minimum=1),
        "tier": Str(max_length=20),
        "churn_risk": Num(minimum=0, maximum=1),
        "analytics": FreeObject(
            nullable=True, description="RFM scores, churn flag and reasons; null before the first recompute"
        ),
        "orders": ListOf(item=FreeObject(), max_items=5, description="the last five orders"),
        "offers": ListOf(
            item=FreeObject(),
            max_items=5,
            description="cross-sell and up-sell offers with confidence and lift",
        ),
    },
)


async def recompute_(call: Call) -> Any:
    report = await recompute_and_announce(call.ctx.hub)
    return report.as_dict()


async def customer_analytics_(call: Call) -> Any:
    data: dict[str, Any] = await call.db(customer_analytics, call.ids["customer_id"])
    analytics = data.get("analytics")
    if analytics:
        # Worded in the caller's language (Accept-Language), from the stored code and numbers.
        analytics["churn_reasons"] = [
            {**r, "text": reason_text(r["code"], r["params"])} for r in analytics["churn_reasons"]
        ]
    return data


ENDPOINTS = [
    Endpoint(
        "POST",
        "/analytics/recompute",
        recompute_,
        "Recompute tiers, churn risk and association rules now",
        "analytics",
        response=REPORT,
    ),
    Endpoint(
        "GET",
        "/customers/{customer_id}/analytics",
        customer_analytics_,
        "A customer's tier, RFM scores, churn risk with reasons, last orders and offers",
        "analytics",
        response=ANALYSIS,
    ),
]
