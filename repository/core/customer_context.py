"""The customer context an agent sees beside a conversation: profile, value, timeline, tips.

One read gathers who the customer is (identities), what they are worth (tier, lifetime
value, churn risk, commerce analytics and orders), every recent contact on every
channel with its last message, and plain-language suggestions. It is separate from the
single-interaction reads in repository/core/queries.py because it spans the customer's
whole history and pulls in commerce data.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlmodel import col, select

from repository.commerce.analytics import commerce_context
from repository.core.models import Customer, Event, Identity, Interaction, utcnow
from repository.core.serialize import customer_dict, interaction_dict, iso

if TYPE_CHECKING:
    from repository.db import Database


def customer_context(db: Database, customer_id: int, timeline_limit: int = 25) -> dict[str, Any]:
    """Who the customer is, what they are worth, and every past contact on every channel."""
    with db.read() as session:
        customer = session.get(Customer, customer_id)
        if customer is None:
            return {}
        identities = list(session.exec(select(Identity).where(Identity.customer_id == customer_id)).all())
        interactions = session.exec(
            select(Interaction)
            .where(Interaction.customer_id == customer_id)
            .order_by(col(Interaction.created_at).desc())
            .limit(timeline_limit)
        ).all()
        timeline = []
        for interaction in interactions:
            last = session.exec(
                select(Event)
                .where(Event.interaction_id == interaction.id, Event.kind == "message")
                .order_by(col(Event.id).desc())
                .limit(1)
            ).first()
            entry = interaction_dict(interaction)
            entry["last_message"] = last.body[:200] if last else ""
            entry["last_message_at"] = iso(last.created_at) if last else None
            timeline.append(entry)
        commerce = commerce_context(session, customer_id)
    return {
        "customer": customer_dict(customer, identities),
        "value": {
            "tier": customer.tier,
            "lifetime_value": customer.lifetime_value,
            "churn_risk": customer.churn_risk,
        },
        "timeline": timeline,
        "suggestions": suggestions_for(customer, list(interactions)),
        # analytics (tier, RFM, churn flag and reasons), orders (last five), offers (rules)
        **commerce,
    }


def suggestions_for(customer: Customer, interactions: list[Interaction]) -> list[str]:
    """Plain rules over the CCR; the analytics module refines them with purchase data."""
    tips: list[str] = []
    if customer.churn_risk >= 0.6:
        tips.append("High churn risk: acknowledge past issues and consider a retention offer.")
    if customer.tier in ("gold", "platinum"):
        tips.append(f"{customer.tier.title()} customer: prioritise a first-contact resolution.")
    ended = [i for i in interactions if i.status == "closed"]
    recent = [i for i in ended if i.closed_at and utcnow() - i.closed_at < timedelta(days=7)]
    if len(recent) >= 2:
        tips.append(f"Contacted us {len(recent)} times this week: check whether the last issue was solved.")
    rated = [i.csat_score for i in ended if i.csat_score is not None]
    if rated and rated[0] <= 2:
        tips.append("Rated their last conversation poorly: apologise and follow up.")
    channels = {i.channel for i in interactions}
    if len(channels) > 1:
        tips.append("Reaches us on several channels: " + ", ".join(sorted(channels)) + ".")
    return tips
