"""Back-end integration over the REST API: customers and orders in (bulk and single),
analytics recomputed on demand and read back, webhook subscriptions managed; hostile input
gets a 4xx with a reason and leaves nothing half-stored."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from sqlmodel import func, select

from config import Settings
from repository.commerce.models import Order, OrderLine
from repository.core.models import Customer
from tests.test_api import Api, _serve, assert_error, conforms


@pytest.fixture
async def api(make_settings: Callable[..., Settings], database_url: str) -> AsyncIterator[Api]:
    async for served in _serve(make_settings(DATABASE_URL=database_url, ANALYTICS_INTERVAL_SECONDS="0")):
        yield served


def count(api_db: Any, model: Any) -> int:
    with api_db.read() as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


def order(external_id: str, who: dict[str, Any], day: int, lines: list[tuple[str, float]]) -> dict[str, Any]:
    return {
        "external_id": external_id,
        "customer": who,
        "ordered_at": f"2026-0{1 + day // 28}-{1 + day % 28:02d}T10:00:00Z",
        "amount": sum(a for _, a in lines),
        "cost": round(sum(a for _, a in lines) * 0.6, 2),
        "currency": "eur",
        "lines": [{"product_id": p, "quantity": 1, "amount": a} for p, a in lines],
    }


async def test_customers_are_upserted_by_external_id_then_email(api: Api) -> None:
    first = await api.client.post(
        "/api/v1/customers/bulk",
        json={
            "customers": [
                {"external_id": "erp-1", "email": "Ann@Example.com", "display_name": "Ann"},
                {"email": "bob@example.com", "display_name": "<script>alert(1)</script> Bob"},
            ]
        },
    )
    assert first.status_code == 200, first.text
    ann, bob = first.json()["results"]
    assert (ann["created"], bob["created"]) == (True, True)

    again = await api.client.post(
        "/api/v1/customers/bulk",
        json={
            "customers": [
                {"external_id": "erp-1", "display_name": "Ann Smith", "attributes": {"segment": "b2b"}},
                {"external_id": "erp-2", "email": "BOB@example.com"},
            ]
        },
    )
    assert [r["customer_id"] for r in again.json()["results"]] == [ann["customer_id"], bob["customer_id"]]
    assert [r["created"] for r in again.json()["results"]] == [False, False]
    stored = (await api.client.get(f"/api/v1/customers/{ann['customer_id']}")).json()
    assert (stored["display_name"], stored["email"], stored["attributes"]) == (
        "Ann Smith",
        "ann@example.com",
        {"segment": "b2b"},
    )
    # Markup in a name is kept as text: the API returns it verbatim, every page escapes it.
    assert (
        (await api.client.get(f"/api/v1/customers/{bob['customer_id']}"))
        .json()["display_name"]
        .startswith("<script>")
    )


async def test_orders_are_idempotent_by_their_external_id(api: Api) -> None:
    who = {"external_id": "shop-9", "email": "cara@example.com"}
    single = await api.client.post("/api/v1/orders", json=order("o-1", who, 1, [("P1", 10.0), ("P2", 5.5)]))
    assert single.status_code == 200, single.text
    body = single.json()
    assert (body["amount"], body["currency"], len(body["lines"])) == (15.5, "EUR", 2)

    batch = {
        "orders": [order("o-1", who, 1, [("P1", 10.0), ("P2", 5.5)]), order("o-2", who, 3, [("P3", 7.0)])]
    }
    for _ in range(2):
        response = await api.client.post("/api/v1/orders/bulk", json=batch)
        assert response.status_code == 200, response.text
    assert [r["status"] for r in response.json()["results"]] == ["updated", "updated"]
    db = api.app.state.ctx.db
    assert (count(db, Order), count(db, OrderLine), count(db, Customer)) == (2, 3, 1)
    fetched = await api.client.get("/api/v1/orders", params={"external_id": "o-2"})
    assert fetched.json()["lines"] == [{"product_id": "P3", "quantity": 1, "amount": 7.0}]
    document = (await api.client.get("/api/v1/openapi.json")).json()
    conforms(document, "Order", fetched.json())


@pytest.mark.parametrize(
    ("mutate", "status", "field"),
    [
        (lambda o: o.update(amount=-5), 422, "amount"),
        (lambda o: o.update(amount="12.50"), 422, "amount"),
        (lambda o: o.update(amount=1e300), 422, "amount"),
        (lambda o: o.update(ordered_at="yesterday"), 422, "ordered_at"),
        (lambda o: o.update(currency="€€€"), 422, "currency"),
        (lambda o: o.update(customer={"display_name": "nobody"}), 422, "external_id"),
        (lambda o: o["lines"].append({"product_id": "P\x00", "quantity": 1}), 422, "product_id"),
        (lambda o: o["lines"].append({"product_id": "P9", "quantity": 0}), 422, "quantity"),
        # customer_id instead of customer (null is not "absent": that is a 422 of its own).
        (lambda o: (o.pop("customer", None), o.update(customer_id=999999)), 404, "customer_id"),
        (lambda o: o.update(surprise=True), 422, "surprise"),
    ],
)
async def test_a_bad_order_anywhere_in_a_batch_stores_nothing(
    api: Api, mutate: Callable[[dict[str, Any]], None], status: int, field: str
) -> None:
    good = order("ok-1", {"email": "dan@example.com"}, 2, [("P1", 3.0)])
    bad = order("bad-1", {"email": "eve@example.com"}, 2, [("P1", 3.0)])
    mutate(bad)
    response = await api.client.post("/api/v1/orders/bulk", json={"orders": [good, bad]})
    assert response.status_code == status, response.text
    assert response.json()["error"]["field"] == field
    assert count(api.app.state.ctx.db, Order) == 0


async def test_oversized_batches_and_bodies_are_refused(api: Api) -> None:
    many = {"customers": [{"email": f"c{i}@example.com"} for i in range(501)]}
    assert_error(await api.client.post("/api/v1/customers/bulk", json=many), 422, "invalid_input")
    huge = {
        "customers": [
            {"email": "x@example.com", "display_name": "x" * 200, "attributes": {"blob": "y" * 9000}}
        ]
        * 40
    }
    response = await api.client.post("/api/v1/customers/bulk", content=json.dumps(huge))
    assert response.status_code == 413
    assert_error(
        await api.client.post("/api/v1/customers/bulk", json={"customers": []}), 422, "invalid_input"
    )
    assert_error(await api.client.post("/api/v1/orders/bulk", content=b"[" * 100_000), 400, "malformed_json")
    assert count(api.app.state.ctx.db, Customer) == 0


async def test_analytics_recompute_on_demand_and_read_one_customer(api: Api) -> None:
    orders = []
    for c in range(20):
        who = {"external_id": f"c{c}"}
        for k in range(1 + c % 5):
            orders.append(
                order(
                    f"c{c}-{k}",
                    who,
                    2 + 5 * k,
                    [("BOOK", 10.0 + c), ("LAMP", 5.0)] if k % 2 else [("BOOK", 10.0 + c)],
                )
            )
    assert (await api.client.post("/api/v1/orders/bulk", json={"orders": orders})).status_code == 200

    report = await api.client.post("/api/v1/analytics/recompute")

    assert report.status_code == 200, report.text
    assert report.json()["customers"] == 20
    assert sum(report.json()["tiers"].values()) == 20
    assert report.json()["tier_changes"] == 20  # everyone left "standard"
    ids = {
        r["customer_id"]
        for r in (
            await api.client.post("/api/v1/customers/bulk", json={"customers": [{"external_id": "c1"}]})
        ).json()["results"]
    }
    customer_id = ids.pop()
    analysis = await api.client.get(f"/api/v1/customers/{customer_id}/analytics")
    assert analysis.status_code == 200, analysis.text
    data = analysis.json()
    assert data["tier"] in ("platinum", "gold", "silver", "bronze")
    assert data["analytics"]["frequency"] == 2 and len(data["orders"]) == 2
    assert_error(await api.client.get("/api/v1/customers/99999/analytics"), 404, "not_found")


async def test_webhook_subscriptions_show_their_secret_once(api: Api) -> None:
    created = await api.client.post(
        "/api/v1/webhooks", json={"url": "https://erp.example.com/hook", "events": ["interaction.closed"]}
    )
    assert created.status_code == 201, created.text
    secret = created.json()["secret"]
    assert secret.startswith("whsec_") and len(secret) > 30
    hook_id = created.json()["id"]
    shown = (await api.client.get(f"/api/v1/webhooks/{hook_id}")).json()["secret"]
    assert shown.endswith("…") and len(shown) < 15
    rotated = await api.client.patch(
        f"/api/v1/webhooks/{hook_id}", json={"rotate_secret": True, "events": ["*"]}
    )
    assert rotated.json()["secret"] not in (secret, shown) and rotated.json()["events"] == ["*"]
    assert (await api.client.delete(f"/api/v1/webhooks/{hook_id}")).status_code == 204
    assert (await api.client.get(f"/api/v1/webhooks/{hook_id}")).json()["is_active"] is False
    listed = await api.client.get(f"/api/v1/webhooks/{hook_id}/deliveries")
    assert listed.json() == {"data": []}
    for bad in (
        {"url": "ftp://erp.example.com/x", "events": ["*"]},
        {"url": "https://user:pw@erp.example.com/x", "events": ["*"]},
        {"url": "https://erp.example.com/x", "events": ["order.shipped"]},
        {"url": "https://erp.example.com/x", "events": []},
    ):
        assert (await api.client.post("/api/v1/webhooks", json=bad)).status_code == 422
