"""Analytics on a generated shop: tiers follow the quantiles, droppers are flagged with the
right reason, and the planted product pairs come out as the top rules."""

from __future__ import annotations

import functools
from collections.abc import Iterator

import numpy as np
import pytest
from scipy.stats import rankdata
from sqlmodel import select

from contact_center.analytics import AnalyticsConfig, recompute
from repository import Database, upgrade
from repository.commerce.models import AssociationRule, CustomerAnalytics
from repository.commerce.suggestions import suggest_for
from repository.core.customer_context import customer_context
from repository.core.models import Customer
from tests.analytics.dataset import AS_OF, DAY, PAIR_PROBABILITY, PAIRS, Shop, generate, load
from tests.services import create_database, drop_database

CONFIG = AnalyticsConfig(window_days=365)


@functools.cache
def shop() -> Shop:
    return generate()


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def analysed(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Database, list[int]]]:
    """The shop loaded and analysed once per backend; the tests below only read it."""
    if request.param == "sqlite":
        url, name = f"sqlite:///{tmp_path_factory.mktemp('shop') / 'shop.db'}", None
    else:
        url, name = create_database(request.getfixturevalue("postgres_server"))
    upgrade(url)
    db = Database(url)
    ids = load(db, shop())
    report = recompute(db, CONFIG, as_of=AS_OF.timestamp())
    assert report.customers == shop().customers
    yield db, ids
    db.dispose()
    if name is not None:
        drop_database(request.getfixturevalue("postgres_server"), name)


def expected_tiers(data: Shop) -> tuple[dict[int, str], dict[str, float]]:
    """The tiers worked out here from the raw generated orders, not from the store."""
    as_of = AS_OF.timestamp()
    in_window = (data.order_time > as_of - 365 * DAY) & (data.order_time <= as_of)
    buyers = np.unique(data.order_customer[in_window])
    last = np.full(data.customers, -np.inf)
    np.maximum.at(last, data.order_customer[in_window], data.order_time[in_window])
    frequency = np.bincount(data.order_customer[in_window], minlength=data.customers)
    # Amounts are stored rounded to cents; score what the shop sent.
    spend = np.bincount(
        data.order_customer[in_window],
        weights=np.round(data.order_amount[in_window], 2),
        minlength=data.customers,
    )
    n = len(buyers)
    recency_rank = rankdata(last[buyers]) / n  # later last order → higher rank
    score = (recency_rank + rankdata(frequency[buyers]) / n + rankdata(spend[buyers]) / n) / 3
    cuts = {
        "platinum": np.quantile(score, 0.95),
        "gold": np.quantile(score, 0.80),
        "silver": np.quantile(score, 0.50),
    }
    tiers = {}
    for customer, value in zip(buyers, score, strict=True):
        tiers[int(customer)] = next((t for t, low in cuts.items() if value >= low), "bronze")
    for customer in set(range(data.customers)) - set(buyers.tolist()):
        tiers[customer] = "bronze"  # bought, but not within the window
    return tiers, cuts


def test_tiers_follow_the_configured_quantiles(analysed: tuple[Database, list[int]]) -> None:
    db, ids = analysed
    expected, cuts = expected_tiers(shop())
    with db.read() as session:
        stored = {c.id: c.tier for c in session.exec(select(Customer)).all()}
        scores = {a.customer_id: a.value_score for a in session.exec(select(CustomerAnalytics)).all()}
    mismatched = [i for i, cid in enumerate(ids) if stored[cid] != expected[i]]
    assert mismatched == []
    buyers = sum(1 for s in scores.values() if s > 0)
    counts = {t: list(stored.values()).count(t) for t in ("platinum", "gold", "silver", "bronze")}
    # The quantiles cut the buyers 5 / 15 / 30 / 50 %, give or take ties at a boundary.
    for tier, share in (("platinum", 0.05), ("gold", 0.15), ("silver", 0.30)):
        assert abs(counts[tier] - share * buyers) <= 0.005 * buyers, (tier, counts)
    # Every platinum customer outscores every gold one, and so on down.
    by_tier = {t: [scores[cid] for cid in ids if stored[cid] == t] for t in counts}
    assert min(by_tier["platinum"]) >= cuts["platinum"] > max(by_tier["gold"])
    assert min(by_tier["gold"]) >= cuts["gold"] > max(by_tier["silver"])
    assert min(by_tier["silver"]) >= cuts["silver"] > max(by_tier["bronze"])


def test_planted_droppers_are_flagged_with_their_own_rhythm_as_the_reason(
    analysed: tuple[Database, list[int]],
) -> None:
    db, ids = analysed
    data = shop()
    with db.read() as session:
        rows = {a.customer_id: a for a in session.exec(select(CustomerAnalytics)).all()}
    flagged = {cid for cid, a in rows.items() if a.churn_flag}
    caught = 0
    for index, (gap, silence) in data.droppers.items():
        row = rows[ids[index]]
        if not row.churn_flag:
            continue
        caught += 1
        reason = row.churn_reasons[0]
        assert reason["code"] == "purchase_gap"
        assert reason["params"]["avg_gap_days"] == pytest.approx(gap, abs=0.1)
        assert reason["params"]["silent_days"] == pytest.approx(silence, abs=0.1)
        shown = (round(gap, 3), round(silence, 3))  # the reason keeps days to 1/1000
        assert reason["text"] == f"orders every {shown[0]:.0f} days on average, none for {shown[1]:.0f} days"
        assert row.churn_risk == pytest.approx(1 - gap / silence, abs=0.01)
    assert caught >= 0.98 * len(data.droppers)
    low_csat = {ids[i] for i in data.low_csat}
    for cid in low_csat:
        assert any(r["code"] == "low_csat" for r in rows[cid].churn_reasons)
        csat = next(r for r in rows[cid].churn_reasons if r["code"] == "low_csat")
        assert csat["text"] == "rated the last 2 conversations 1.5 of 5 on average"
    planted = {ids[i] for i in data.droppers} | low_csat
    false_positives = flagged - planted
    assert len(false_positives) <= 0.01 * (data.customers - len(planted)), len(false_positives)
    with db.read() as session:
        risks = {c.id: c.churn_risk for c in session.exec(select(Customer)).all()}
    assert all(risks[cid] == rows[cid].churn_risk for cid in flagged)


def test_the_planted_pairs_are_the_top_rules(analysed: tuple[Database, list[int]]) -> None:
    db, ids = analysed
    with db.read() as session:
        rules = list(session.exec(select(AssociationRule).order_by(AssociationRule.lift.desc())).all())  # type: ignore[attr-defined]
    top = rules[: 2 * len(PAIRS)]
    planted = {frozenset(p) for p in PAIRS}
    assert {frozenset([*r.antecedents, r.consequent]) for r in top} == planted
    for rule in top:
        assert len(rule.antecedents) == 1
        assert rule.lift > 5
    forward = {(r.antecedents[0], r.consequent): r for r in top}
    for a, b in PAIRS:
        # P(b | a) is the planted probability, plus b's own small chance of being picked anyway.
        assert forward[(a, b)].confidence == pytest.approx(PAIR_PROBABILITY, abs=0.05)
        assert 0.01 < forward[(a, b)].support < 0.06
    # Chance pairs are far weaker than any planted one.
    assert all(r.lift < min(t.lift for t in top) / 2 for r in rules[len(top) :])


def test_suggestions_offer_the_partner_product_with_its_confidence_and_lift(
    analysed: tuple[Database, list[int]],
) -> None:
    db, ids = analysed
    data = shop()
    line_customer = data.order_customer[data.line_order]
    bought: dict[int, set[str]] = {}
    for customer, product in zip(line_customer, data.line_product, strict=True):
        bought.setdefault(int(customer), set()).add(product)
    a, b = PAIRS[0]
    index = next(c for c, products in bought.items() if a in products and b not in products)

    offers = suggest_for(db, ids[index])

    first = offers[0]
    assert first["product_id"] == b and first["because"] == [a]
    assert first["kind"] == "cross-sell"
    assert first["confidence"] == pytest.approx(PAIR_PROBABILITY, abs=0.05)
    assert first["lift"] > 5
    assert all(o["product_id"] not in bought[index] for o in offers)


def test_the_agent_context_carries_tier_churn_reason_last_orders_and_offers(
    analysed: tuple[Database, list[int]],
) -> None:
    db, ids = analysed
    index, (gap, silence) = next(iter(shop().droppers.items()))

    context = customer_context(db, ids[index])

    assert context["value"]["tier"] in ("platinum", "gold", "silver", "bronze")
    assert context["analytics"]["churn_flag"] is True
    assert context["analytics"]["churn_reasons"][0]["code"] == "purchase_gap"
    assert context["value"]["churn_risk"] == context["analytics"]["churn_risk"]
    assert len(context["orders"]) == 5
    dates = [o["ordered_at"] for o in context["orders"]]
    assert dates == sorted(dates, reverse=True)
    assert all({"product_id", "confidence", "lift", "kind"} <= set(o) for o in context["offers"])
