"""``contact-center import customers|orders FILE.csv`` and ``contact-center analytics recompute``.

CSV files are read in batches of up to 500 rows through the same all-or-nothing
upserts as the API, so a re-run after fixing a bad row is safe: orders are keyed by
their order id and customers by external id or email. Columns:

- customers: ``external_id, email, display_name, phone`` (external_id or email required)
- orders, one row per line: ``order_id, customer_external_id, customer_email,
  customer_name, ordered_at, amount, cost, currency, status, product_id, quantity, line_amount``
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from contact_center.cli_admin import command_runner
from repository.commerce import bulk as commerce
from repository.commerce import inputs
from repository.commerce.inputs import MAX_BATCH, CustomerInput, LineInput, OrderInput
from repository.errors import ContactCenterError, InvalidInput

if TYPE_CHECKING:
    from argparse import _SubParsersAction

    from repository import Database


def _rows(path: str) -> list[dict[str, str]]:
    file = Path(path)
    if not file.is_file():
        raise InvalidInput("no such file: %(path)s", params={"path": path})
    with file.open(newline="", encoding="utf-8-sig") as handle:
        return [
            {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
            for row in csv.DictReader(handle)
        ]


def _number(row: dict[str, str], name: str, line: int, default: float | None = None) -> float:
    raw = row.get(name, "")
    if not raw and default is not None:
        return default
    try:
        return inputs.check_amount(float(raw), name, None)
    except (ValueError, ContactCenterError) as exc:
        raise InvalidInput(
            "line %(line)s: %(name)s must be a number of at least 0, got %(raw)r",
            params={"line": line, "name": name, "raw": raw},
        ) from exc


def _customer(row: dict[str, str], prefix: str = "") -> CustomerInput:
    return CustomerInput(
        external_id=row.get(prefix + "external_id") or None,
        email=row.get(prefix + "email") or None,
        display_name=row.get(prefix + ("name" if prefix else "display_name")) or None,
        phone=row.get("phone") or None if not prefix else None,
    )


def _batches(items: list[Any], first_lines: list[int]) -> list[tuple[int, list[Any]]]:
    return [(first_lines[i], items[i : i + MAX_BATCH]) for i in range(0, len(items), MAX_BATCH)]


def _import_customers(db: Database, args: argparse.Namespace) -> int:
    rows = _rows(args.file)
    items = [_customer(row) for row in rows]
    done = 0
    for first_line, batch in _batches(items, list(range(2, len(items) + 2))):
        try:
            done += len(commerce.upsert_customers(db, batch))
        except ContactCenterError as exc:
            index = exc.details.get("index")
            if isinstance(index, int):
                raise InvalidInput(
                    "line %(line)s: %(error)s (%(done)s rows imported before it)",
                    params={"line": first_line + index, "error": exc, "done": done},
                ) from exc
            raise InvalidInput(
                "%(error)s (%(done)s rows imported before it)", params={"error": exc, "done": done}
            ) from exc
    print(f"{done} customers imported from {args.file}")
    return 0


def _import_orders(db: Database, args: argparse.Namespace) -> int:
    orders: dict[str, OrderInput] = {}
    first_line: dict[str, int] = {}
    for line, row in enumerate(_rows(args.file), start=2):
        key = row.get("order_id") or row.get("external_id") or ""
        if not key:
            raise InvalidInput("line %(line)s: order_id is required", params={"line": line})
        if key not in orders:
            customer = _customer(row, "customer_")
            orders[key] = OrderInput(
                external_id=key,
                ordered_at=inputs.parse_time(row.get("ordered_at", ""), f"line {line}: ordered_at", None),
                amount=_number(row, "amount", line),
                cost=_number(row, "cost", line, 0.0),
                currency=(row.get("currency") or "EUR").upper()[:3],
                status=row.get("status") or "placed",
                customer=customer,
            )
            first_line[key] = line
        if row.get("product_id"):
            quantity = row.get("quantity") or "1"
            if not quantity.isdigit() or int(quantity) < 1:
                raise InvalidInput(
                    "line %(line)s: quantity must be a whole number of at least 1", params={"line": line}
                )
            orders[key].lines.append(
                LineInput(row["product_id"], int(quantity), _number(row, "line_amount", line, 0.0))
            )
    items = list(orders.values())
    done = 0
    for start, batch in _batches(items, [first_line[o.external_id] for o in items]):
        try:
            done += len(commerce.upsert_orders(db, batch))
        except ContactCenterError as exc:
            index = exc.details.get("index")
            if isinstance(index, int):
                raise InvalidInput(
                    "line %(line)s: %(error)s (%(done)s orders imported before it)",
                    params={"line": first_line[batch[index].external_id], "error": exc, "done": done},
                ) from exc
            raise InvalidInput(
                "from line %(line)s: %(error)s (%(done)s orders imported before it)",
                params={"line": start, "error": exc, "done": done},
            ) from exc
    print(f"{done} orders imported from {args.file}")
    return 0


def _recompute(db: Database, args: argparse.Namespace) -> int:
    from config import load_settings
    from contact_center.analytics import AnalyticsConfig, announce, recompute
    from contact_center.bus import create_bus
    from contact_center.hub import Hub

    settings = load_settings()
    report = recompute(db, AnalyticsConfig.from_settings(settings))

    async def publish() -> None:
        # Another process's memory:// bus cannot be reached; Redis carries the news to every node.
        bus = create_bus(settings.bus_url)
        await bus.connect()
        try:
            await announce(Hub(settings, db, bus), report.changes)
        finally:
            await bus.disconnect()

    if report.changes and not settings.bus_url.startswith("memory"):
        asyncio.run(publish())
    summary = report.as_dict()
    tiers = ", ".join(f"{k} {v}" for k, v in sorted(summary["tiers"].items()))
    print(
        f"analysed {summary['customers']} customers in {summary['seconds']} s: {tiers}; "
        f"{summary['churn_flagged']} at risk of churn; {summary['rules']} association rules; "
        f"{summary['tier_changes']} tier changes"
    )
    sys.stdout.flush()
    return 0


def add_commerce_commands(commands: _SubParsersAction[argparse.ArgumentParser]) -> None:
    importing = commands.add_parser("import", help="import customers or orders from a CSV file")
    kinds = importing.add_subparsers(dest="import_command", required=True)
    for name, fn, text in (
        ("customers", _import_customers, "customers: external_id, email, display_name, phone"),
        ("orders", _import_orders, "orders, one row per line item (see docs/analytics.md)"),
    ):
        parser = kinds.add_parser(name, help=text)
        parser.add_argument("file", help="a UTF-8 CSV file with a header row")
        parser.set_defaults(func=command_runner(fn))
    analytics = commands.add_parser("analytics", help="customer-value analytics")
    sub = analytics.add_subparsers(dest="analytics_command", required=True)
    sub.add_parser("recompute", help="recompute tiers, churn risk and rules now").set_defaults(
        func=command_runner(_recompute)
    )
