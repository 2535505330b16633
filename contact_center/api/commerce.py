"""Back-end integration: ERP and shop systems push customers and orders in, in bulk or one by one.

Batches are all or nothing (see repository.commerce.bulk): a 4xx names the item
(``index``) and the field, and nothing of that batch was stored.
"""

from __future__ import annotations

from typing import Any

from contact_center.api.endpoint import Call, Endpoint, Param
from contact_center.api.formats import EMAIL, PHONE
from contact_center.api.schema_collections import FreeObject, ListOf
from contact_center.api.schema_objects import Obj
from contact_center.api.schema_scalars import Bool, Int, Num, Str
from contact_center.i18n import _
from repository.commerce import bulk as commerce
from repository.commerce import inputs, orders
from repository.commerce.inputs import MAX_BATCH, MAX_LINES, CustomerInput, LineInput, OrderInput
from repository.errors import InvalidInput

CUSTOMER_UPSERT = Obj(
    name="CustomerUpsert",
    description="matched by external_id, then email; created when neither is known",
    fields={
        "external_id": Str(min_length=1, max_length=120, description="the sending system's customer id"),
        "email": EMAIL,
        "display_name": Str(max_length=200, description="stored as text; never rendered as markup"),
        "phone": PHONE,
        "attributes": FreeObject(description="merged into the customer's attributes"),
    },
    any_of=("external_id", "email"),
)
CUSTOMER_BATCH = Obj(
    name="CustomerBatch",
    fields={"customers": ListOf(item=CUSTOMER_UPSERT, max_items=MAX_BATCH, min_items=1)},
    required=("customers",),
)
CUSTOMER_RESULT = Obj(
    name="CustomerUpsertResult",
    fields={"index": Int(minimum=0), "customer_id": Int(minimum=1), "created": Bool()},
)
ORDER_LINE = Obj(
    name="OrderLine",
    fields={
        "product_id": Str(min_length=1, max_length=120),
        "quantity": Int(minimum=1, maximum=1_000_000),
        "amount": Num(minimum=0, maximum=1e12),
    },
    required=("product_id",),
)
ORDER_IN = Obj(
    name="OrderIn",
    description="idempotent by external_id: resending replaces the order's values and lines",
    fields={
        "external_id": Str(min_length=1, max_length=120, description="the shop's order id"),
        "customer_id": Int(minimum=1, description="a CCR customer id, or give customer"),
        "customer": CUSTOMER_UPSERT,
        "ordered_at": Str(
            min_length=10, max_length=40, fmt="date-time", description="UTC when no zone is given"
        ),
        "amount": Num(minimum=0, maximum=1e12),
        "cost": Num(minimum=0, maximum=1e12, description="for profit-based tiers; default 0"),
        "currency": Str(
            min_length=3,
            max_length=3,
            pattern="^[A-Za-z]{3}$",
            pattern_reason="currency is a three-letter code such as EUR",
            description="ISO 4217, e.g. EUR",
        ),
        "status": Str(min_length=1, max_length=20),
        "lines": ListOf(item=ORDER_LINE, max_items=MAX_LINES),
    },
    required=("external_id", "ordered_at", "amount"),
    any_of=("customer_id", "customer"),
)
ORDER_BATCH = Obj(
    name="OrderBatch",
    fields={"orders": ListOf(item=ORDER_IN, max_items=MAX_BATCH, min_items=1)},
    required=("orders",),
)
ORDER = Obj(
    name="Order",
    fields={
        "id": Int(minimum=1),
        "external_id": Str(max_length=120),
        "customer_id": Int(minimum=1),
        "ordered_at": Str(fmt="date-time", max_length=40),
        "amount": Num(),
        "cost": Num(),
        "currency": Str(max_length=3),
        "status": Str(max_length=20),
        "lines": ListOf(item=ORDER_LINE, max_items=MAX_LINES),
    },
)
RESULTS = Obj(
    name="BatchResults",
    fields={
        "results": ListOf(item=FreeObject(description="index, ids, created or status"), max_items=MAX_BATCH)
    },
)


def _customer(raw: dict[str, Any]) -> CustomerInput:
    return CustomerInput(
        external_id=raw.get("external_id", "").strip() or None,
        email=raw.get("email"),
        display_name=raw.get("display_name", None),
        phone=raw.get("phone"),
        attributes=raw.get("attributes"),
    )


def _order(raw: dict[str, Any], index: int | None) -> OrderInput:
    currency = raw.get("currency", "EUR")
    if not currency.isascii() or not currency.isalpha():
        raise InvalidInput(_("currency is a three-letter code such as EUR"), field="currency", index=index)
    return OrderInput(
        external_id=raw["external_id"].strip(),
        ordered_at=inputs.parse_time(raw["ordered_at"], "ordered_at", index),
        amount=raw["amount"],
        cost=raw.get("cost", 0.0),
        currency=currency.upper(),
        status=raw.get("status", "placed").strip(),
        customer_id=raw.get("customer_id"),
        customer=_customer(raw["customer"]) if raw.get("customer") else None,
        lines=[
            LineInput(line["product_id"].strip(), line.get("quantity", 1), line.get("amount", 0.0))
            for line in raw.get("lines", [])
        ],
    )


async def upsert_customers_(call: Call) -> Any:
    items = [_customer(raw) for raw in call.body["customers"]]
    return {"results": await call.db(commerce.upsert_customers, items)}


async def create_order_(call: Call) -> Any:
    item = _order(call.body, None)
    await call.db(commerce.upsert_orders, [item])
    return await call.db(orders.get_order, item.external_id)


async def upsert_orders_(call: Call) -> Any:
    items = [_order(raw, i) for i, raw in enumerate(call.body["orders"])]
    return {"results": await call.db(commerce.upsert_orders, items)}


async def get_order_(call: Call) -> Any:
    if "external_id" not in call.query:
        raise InvalidInput(_("external_id is required"), field="external_id")
    return await call.db(orders.get_order, call.query["external_id"])


ENDPOINTS = [
    Endpoint(
        "POST",
        "/customers/bulk",
        upsert_customers_,
        f"Create or update up to {MAX_BATCH} customers by external id or email, all or nothing",
        "integration",
        response=RESULTS,
        body=CUSTOMER_BATCH,
        conflicts=True,
    ),
    Endpoint(
        "POST",
        "/orders",
        create_order_,
        "Store one order (idempotent by external_id)",
        "integration",
        response=ORDER,
        body=ORDER_IN,
        conflicts=True,
    ),
    Endpoint(
        "POST",
        "/orders/bulk",
        upsert_orders_,
        f"Store up to {MAX_BATCH} orders (idempotent by external_id), all or nothing",
        "integration",
        response=RESULTS,
        body=ORDER_BATCH,
        conflicts=True,
    ),
    Endpoint(
        "GET",
        "/orders",
        get_order_,
        "One order by the shop's order id",
        "integration",
        response=ORDER,
        query=(Param("external_id", Str(min_length=1, max_length=120), required=True),),
    ),
]
