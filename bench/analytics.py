"""Time to recompute customer-value analytics on the 5,000-customer / 50,000-order set.

    python bench/analytics.py
    python bench/analytics.py --database-url postgresql://postgres@127.0.0.1:5432/postgres

Prints, for the same data in the same run: the raw baseline (one plain SQL aggregate
over the orders: count, sum and newest date per customer), then the full recompute
(RFM tiers, churn, association rules, one write of every result) and its parts, and
mlxtend's apriori beside the fpgrowth the product uses. Median of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import drop_postgres, scratch_postgres  # noqa: E402
from contact_center.analytics import AnalyticsConfig, basket, churn, recompute, rfm  # noqa: E402
from repository import Database, upgrade  # noqa: E402
from repository.commerce import analytics as analytics_store
from tests.analytics.dataset import AS_OF, generate, load  # noqa: E402

BASELINE_SQL = "SELECT customer_id, COUNT(*), SUM(amount), MAX(ordered_at) FROM orders GROUP BY customer_id"


def timed(fn, repeat: int) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", help="a PostgreSQL server (a scratch database is made and dropped)")
    parser.add_argument("--customers", type=int, default=5000)
    parser.add_argument("--orders", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    scratch = None
    if args.database_url:
        url, scratch = scratch_postgres(args.database_url)
    else:
        url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    upgrade(url)
    db = Database(url)
    try:
        started = time.perf_counter()
        shop = generate(args.customers, args.orders)
        load(db, shop)
        print(
            f"data: {args.customers} customers, {len(shop.order_time)} orders, {len(shop.line_product)} order lines "
            f"on {db.dialect} (generated and loaded in {time.perf_counter() - started:.1f} s)\n"
        )
        config = AnalyticsConfig()
        as_of = AS_OF.timestamp()

        def baseline() -> int:
            with db.engine.connect() as conn:
                return len(conn.execute(text(BASELINE_SQL)).all())

        rows: list[tuple[str, float]] = []
        rows.append(("baseline: one SQL GROUP BY over orders", timed(baseline, args.repeat)[0]))
        total, report = timed(lambda: recompute(db, config, as_of=as_of), args.repeat)
        orders = pd.DataFrame(
            analytics_store.load_orders(db), columns=["customer_id", "ordered_at", "amount", "cost"]
        )
        lines = pd.DataFrame(analytics_store.load_lines(db), columns=["order_id", "product_id"])
        contacts = pd.DataFrame(analytics_store.load_contacts(db), columns=["customer_id", "created_at"])
        csat = pd.DataFrame(analytics_store.load_csat(db), columns=["customer_id", "at", "score"])
        rows.append(("recompute, all of it (read, score, mine, write)", total))
        rows.append(
            (
                "  read orders, lines, contacts, ratings",
                timed(
                    lambda: (
                        analytics_store.load_orders(db),
                        analytics_store.load_lines(db),
                        analytics_store.load_contacts(db),
                        analytics_store.load_csat(db),
                    ),
                    args.repeat,
                )[0],
            )
        )
        rows.append(
            ("  RFM scores and tiers", timed(lambda: rfm.score(orders, as_of, config), args.repeat)[0])
        )
        rows.append(
            (
                "  churn signals and reasons",
                timed(lambda: churn.assess(orders, contacts, csat, as_of, config), args.repeat)[0],
            )
        )
        rows.append(
            (
                "  association rules (mlxtend fpgrowth)",
                timed(lambda: basket.mine(lines, config), args.repeat)[0],
            )
        )
        rows.append(
            ("  for comparison: mlxtend apriori, same data", timed(lambda: _apriori(lines, config), 1)[0])
        )
        width = max(len(name) for name, _ in rows)
        base = rows[0][1]
        for name, seconds in rows:
            print(f"{name:<{width}}  {seconds * 1000:9.1f} ms  {seconds / base:7.1f}× baseline")
        print(f"\nresult: {report.as_dict()}")  # type: ignore[attr-defined]
    finally:
        db.dispose()
        if scratch:
            drop_postgres(args.database_url, scratch)
    return 0


def _apriori(lines: pd.DataFrame, config: AnalyticsConfig) -> int:
    import numpy as np
    from mlxtend.frequent_patterns import apriori

    baskets = lines[["order_id", "product_id"]].drop_duplicates()
    orders = pd.Index(baskets["order_id"].unique())
    products = pd.Index(sorted(baskets["product_id"].unique()))
    onehot = np.zeros((len(orders), len(products)), dtype=bool)
    onehot[orders.get_indexer(baskets["order_id"]), products.get_indexer(baskets["product_id"])] = True
    return len(apriori(pd.DataFrame(onehot, columns=products), min_support=config.min_support, max_len=3))


if __name__ == "__main__":
    raise SystemExit(main())
